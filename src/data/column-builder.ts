/** Builds a compact {@link Column} from values appended one at a time (driver rows, plugin output). */
import { BOOL_NULL, type CellValue, type Column, type ColumnType, isNullValue } from './columns.js';

type BuilderMode = 'empty' | 'string' | 'number' | 'bool' | 'timestamp' | 'values';

/**
 * Appends driver values one at a time and produces the most compact column. Strings are
 * dictionary-encoded as they arrive; numbers go to a growable Float64Array. A value of a different
 * kind than the ones seen so far demotes the column to the generic value fallback.
 *
 * Typing follows the pandas conversions of the original: an integer column that contains a null is
 * a float column (so the id 12 renders as "12.0") unless `keepNullableInts` is set (BigQuery's
 * nullable Int64 keeps "12").
 */
export class ColumnBuilder {
  private mode: BuilderMode = 'empty';
  private length = 0;
  private nulls = 0;
  private sawFloat = false;
  private codes: Int32Array = new Int32Array(1024);
  private dict: string[] = [];
  private dictIndex = new Map<string, number>();
  private nums: Float64Array = new Float64Array(1024);
  private bools: Uint8Array = new Uint8Array(1024);
  private generic: CellValue[] = [];

  constructor(
    private readonly hint?: ColumnType,
    private readonly keepNullableInts = false,
  ) {}

  get size(): number {
    return this.length;
  }

  append(value: CellValue | undefined): void {
    if (value === undefined) value = null;
    if (typeof value === 'bigint') {
      value = Number.isSafeInteger(Number(value)) ? Number(value) : value;
    }
    if (isNullValue(value)) {
      this.nulls++;
      if (typeof value === 'number') this.sawFloat = true;
      this.appendNull();
      return;
    }
    const kind = kindOf(value as Exclude<CellValue, null>);
    if (this.mode === 'empty') this.becomeMode(kind);
    else if (this.mode !== kind && this.mode !== 'values') this.demote();
    const i = this.length++;
    switch (this.mode) {
      case 'string': {
        const s = value as string;
        let code = this.dictIndex.get(s);
        if (code === undefined) {
          code = this.dict.length;
          this.dict.push(s);
          this.dictIndex.set(s, code);
        }
        this.ensure(i);
        this.codes[i] = code;
        break;
      }
      case 'number': {
        const n = value as number;
        if (!Number.isInteger(n)) this.sawFloat = true;
        this.ensure(i);
        this.nums[i] = n;
        break;
      }
      case 'timestamp':
        this.ensure(i);
        this.nums[i] = (value as Date).getTime();
        break;
      case 'bool':
        this.ensure(i);
        this.bools[i] = value ? 1 : 0;
        break;
      default:
        this.generic.push(value);
    }
  }

  finish(): Column {
    const n = this.length;
    switch (this.mode) {
      case 'empty': {
        const type = this.hint ?? (this.nulls > 0 && this.sawFloat ? 'float' : 'mixed');
        if (type === 'float' || type === 'int' || type === 'timestamp') {
          return {
            encoding: 'number',
            type: type === 'int' ? 'float' : type,
            values: new Float64Array(n).fill(Number.NaN),
          };
        }
        return { encoding: 'dict', type, codes: new Int32Array(n).fill(-1), dictionary: [] };
      }
      case 'string':
        return { encoding: 'dict', type: 'string', codes: this.codes.slice(0, n), dictionary: this.dict };
      case 'number': {
        let type: 'int' | 'float' = this.sawFloat || this.hint === 'float' ? 'float' : 'int';
        if (type === 'int' && this.nulls > 0 && !this.keepNullableInts) type = 'float';
        return { encoding: 'number', type, values: this.nums.slice(0, n) };
      }
      case 'timestamp':
        return { encoding: 'number', type: 'timestamp', values: this.nums.slice(0, n) };
      case 'bool': {
        // A boolean column with nulls is an object column in pandas; values still render True/False.
        return { encoding: 'bool', type: 'bool', values: this.bools.slice(0, n) };
      }
      default:
        return { encoding: 'values', type: this.genericType(), values: this.generic };
    }
  }

  private genericType(): ColumnType {
    let kind: BuilderMode | 'bigint' | undefined;
    for (const v of this.generic) {
      if (isNullValue(v)) continue;
      const k = typeof v === 'bigint' ? 'bigint' : kindOf(v as Exclude<CellValue, null>);
      if (kind === undefined) kind = k;
      else if (kind !== k && !((kind === 'bigint' && k === 'number') || (kind === 'number' && k === 'bigint'))) {
        return 'mixed';
      }
    }
    if (kind === 'bigint' || kind === 'number') return this.sawFloat ? 'mixed' : 'int';
    return 'mixed';
  }

  private appendNull(): void {
    const i = this.length++;
    switch (this.mode) {
      case 'empty':
        // Remember the position; materialised on the first real value or at finish.
        this.ensure(i);
        this.codes[i] = -1;
        this.nums[i] = Number.NaN;
        this.bools[i] = BOOL_NULL;
        this.generic.push(null);
        return;
      case 'string':
        this.ensure(i);
        this.codes[i] = -1;
        return;
      case 'number':
      case 'timestamp':
        this.ensure(i);
        this.nums[i] = Number.NaN;
        return;
      case 'bool':
        this.ensure(i);
        this.bools[i] = BOOL_NULL;
        return;
      default:
        this.generic.push(null);
    }
  }

  private becomeMode(kind: BuilderMode): void {
    // Leading nulls were recorded in every representation; keep only the chosen one.
    this.mode = kind;
    if (kind !== 'values') this.generic = [];
    if (kind !== 'bool') this.bools = new Uint8Array(0);
    if (kind !== 'string') this.codes = new Int32Array(0);
    if (kind !== 'number' && kind !== 'timestamp') this.nums = new Float64Array(0);
  }

  private demote(): void {
    const n = this.length;
    const out: CellValue[] = new Array(n);
    for (let i = 0; i < n; i++) out[i] = this.valueAt(i);
    this.generic = out;
    this.mode = 'values';
    this.codes = new Int32Array(0);
    this.nums = new Float64Array(0);
    this.bools = new Uint8Array(0);
    this.dict = [];
    this.dictIndex = new Map();
  }

  private valueAt(i: number): CellValue {
    switch (this.mode) {
      case 'string':
        return this.codes[i] < 0 ? null : this.dict[this.codes[i]];
      case 'number':
        return Number.isNaN(this.nums[i]) ? null : this.nums[i];
      case 'timestamp':
        return Number.isNaN(this.nums[i]) ? null : new Date(this.nums[i]);
      case 'bool':
        return this.bools[i] === BOOL_NULL ? null : this.bools[i] === 1;
      default:
        return this.generic[i] ?? null;
    }
  }

  private ensure(i: number): void {
    if (this.mode === 'empty') {
      if (i >= this.codes.length) {
        this.codes = grow(this.codes, i) as Int32Array;
        this.nums = grow(this.nums, i) as Float64Array;
        this.bools = grow(this.bools, i) as Uint8Array;
      }
      return;
    }
    if (this.mode === 'string' && i >= this.codes.length) this.codes = grow(this.codes, i) as Int32Array;
    else if ((this.mode === 'number' || this.mode === 'timestamp') && i >= this.nums.length) {
      this.nums = grow(this.nums, i) as Float64Array;
    } else if (this.mode === 'bool' && i >= this.bools.length) this.bools = grow(this.bools, i) as Uint8Array;
  }
}

function kindOf(v: Exclude<CellValue, null>): BuilderMode {
  switch (typeof v) {
    case 'string':
      return 'string';
    case 'number':
      return 'number';
    case 'boolean':
      return 'bool';
    case 'bigint':
      return 'values';
    default:
      return v instanceof Date ? 'timestamp' : 'values';
  }
}

function grow(a: Int32Array | Float64Array | Uint8Array, need: number): Int32Array | Float64Array | Uint8Array {
  let cap = Math.max(1024, a.length * 2);
  while (cap <= need) cap *= 2;
  const Ctor = a.constructor as new (n: number) => Int32Array | Float64Array | Uint8Array;
  const next = new Ctor(cap);
  next.set(a);
  return next;
}
