/**
 * The in-memory result of a data-source fetch (data-sources.md, "table"): named columns of equal
 * length in source row order. Columns are stored flat so that millions of rows never become
 * millions of JS objects: strings are dictionary-encoded, numbers and instants live in a
 * Float64Array, booleans in a Uint8Array.
 */

/** One cell as a plugin or driver hands it over. */
export type CellValue = string | number | boolean | bigint | Date | null;

/**
 * Logical column type, the equivalent of the pandas dtype the original would have produced. It
 * decides how ids are string-coerced (`int` 42 → "42", `float` 42 → "42.0") and how a time
 * column is interpreted (numbers need a unit, strings are parsed).
 */
export type ColumnType = 'string' | 'int' | 'float' | 'bool' | 'timestamp' | 'mixed';

/** Row r holds `dictionary[codes[r]]`, or null when `codes[r] === -1`. */
export interface DictColumn {
  readonly encoding: 'dict';
  readonly type: ColumnType;
  readonly codes: Int32Array;
  /** Values of the column's type: strings, numbers (int/float), booleans, Dates or mixed. */
  readonly dictionary: readonly CellValue[];
}

/** Numbers (`int`/`float`) or instants (`timestamp`, UTC epoch milliseconds). NaN is null. */
export interface NumberColumn {
  readonly encoding: 'number';
  readonly type: 'int' | 'float' | 'timestamp';
  readonly values: Float64Array;
}

/** 0 = false, 1 = true, {@link BOOL_NULL} = null. */
export interface BoolColumn {
  readonly encoding: 'bool';
  readonly type: 'bool';
  readonly values: Uint8Array;
}

/** Fallback for anything else (big integers, mixed kinds): one value per row. */
export interface ValueColumn {
  readonly encoding: 'values';
  readonly type: ColumnType;
  readonly values: readonly CellValue[];
}

export type Column = DictColumn | NumberColumn | BoolColumn | ValueColumn;

export const BOOL_NULL = 2;

export function columnLength(col: Column): number {
  return col.encoding === 'dict' ? col.codes.length : col.values.length;
}

/** The value of row `row` as a plain JS value (timestamps as Date). */
export function cellAt(col: Column, row: number): CellValue {
  switch (col.encoding) {
    case 'dict': {
      const code = col.codes[row];
      return code < 0 ? null : col.dictionary[code];
    }
    case 'number': {
      const v = col.values[row];
      if (Number.isNaN(v)) return col.type === 'float' ? Number.NaN : null;
      return col.type === 'timestamp' ? new Date(v) : v;
    }
    case 'bool': {
      const v = col.values[row];
      return v === BOOL_NULL ? null : v === 1;
    }
    case 'values':
      return col.values[row];
  }
}

/** True when row `row` is null (None/NaN/NaT in the original's terms). */
export function isNullAt(col: Column, row: number): boolean {
  switch (col.encoding) {
    case 'dict': {
      const code = col.codes[row];
      if (code < 0) return true;
      const v = col.dictionary[code];
      return v === null || (typeof v === 'number' && Number.isNaN(v));
    }
    case 'number':
      return Number.isNaN(col.values[row]);
    case 'bool':
      return col.values[row] === BOOL_NULL;
    case 'values':
      return isNullValue(col.values[row]);
  }
}

export function isNullValue(v: CellValue | undefined): boolean {
  return (
    v === null ||
    v === undefined ||
    (typeof v === 'number' && Number.isNaN(v)) ||
    (v instanceof Date && Number.isNaN(v.getTime()))
  );
}

/** The rows `rows` of `col`, in that order, as a new column. */
export function gatherColumn(col: Column, rows: Int32Array): Column {
  const n = rows.length;
  switch (col.encoding) {
    case 'dict': {
      const codes = new Int32Array(n);
      for (let k = 0; k < n; k++) codes[k] = col.codes[rows[k]];
      return { encoding: 'dict', type: col.type, codes, dictionary: col.dictionary };
    }
    case 'number': {
      const values = new Float64Array(n);
      for (let k = 0; k < n; k++) values[k] = col.values[rows[k]];
      return { encoding: 'number', type: col.type, values };
    }
    case 'bool': {
      const values = new Uint8Array(n);
      for (let k = 0; k < n; k++) values[k] = col.values[rows[k]];
      return { encoding: 'bool', type: 'bool', values };
    }
    case 'values': {
      const values = new Array<CellValue>(n);
      for (let k = 0; k < n; k++) values[k] = col.values[rows[k]];
      return { encoding: 'values', type: col.type, values };
    }
  }
}

/** Columnar table; the single shape every data source returns. */
export class InteractionTable {
  readonly rowCount: number;
  readonly columnNames: readonly string[];
  private readonly byName: ReadonlyMap<string, Column>;

  constructor(columns: Iterable<readonly [string, Column]>, rowCount?: number) {
    const map = new Map<string, Column>();
    for (const [name, col] of columns) {
      if (map.has(name)) throw new RangeError(`InteractionTable: duplicate column name '${name}'`);
      map.set(name, col);
    }
    let n = rowCount;
    for (const [name, col] of map) {
      const len = columnLength(col);
      if (n === undefined) n = len;
      else if (len !== n) {
        throw new RangeError(`InteractionTable: column '${name}' has ${len} rows, expected ${n}`);
      }
    }
    this.rowCount = n ?? 0;
    this.columnNames = [...map.keys()];
    this.byName = map;
  }

  /** Alias of {@link columnNames} (the spec's `columns`). */
  get columns(): readonly string[] {
    return this.columnNames;
  }

  hasColumn(name: string): boolean {
    return this.byName.has(name);
  }

  column(name: string): Column {
    const col = this.byName.get(name);
    if (!col) throw new RangeError(`InteractionTable: no column '${name}'`);
    return col;
  }

  columnType(name: string): ColumnType {
    return this.column(name).type;
  }

  value(name: string, row: number): CellValue {
    if (row < 0 || row >= this.rowCount) throw new RangeError(`InteractionTable: row ${row} out of range`);
    return cellAt(this.column(name), row);
  }

  /** Materialises one column as plain values (for small tables, tests and debugging). */
  values(name: string): CellValue[] {
    const col = this.column(name);
    const out = new Array<CellValue>(this.rowCount);
    for (let r = 0; r < this.rowCount; r++) out[r] = cellAt(col, r);
    return out;
  }

  /** First `limit` rows as objects (debugging and tests only). */
  head(limit = 5): Record<string, CellValue>[] {
    const n = Math.min(limit, this.rowCount);
    const rows: Record<string, CellValue>[] = [];
    for (let r = 0; r < n; r++) {
      const row: Record<string, CellValue> = {};
      for (const name of this.columnNames) row[name] = cellAt(this.column(name), r);
      rows.push(row);
    }
    return rows;
  }

  /**
   * Builds a table from plain value arrays, inferring each column's type like a driver result
   * would be typed (`hints` override the inference per column).
   */
  static fromColumns(
    data: Record<string, readonly CellValue[]>,
    hints: Record<string, ColumnType | undefined> = {},
  ): InteractionTable {
    const cols: [string, Column][] = [];
    for (const [name, values] of Object.entries(data)) {
      const b = new ColumnBuilder(hints[name]);
      for (const v of values) b.append(v);
      cols.push([name, b.finish()]);
    }
    return new InteractionTable(cols);
  }

  /** Builds a table from row arrays in the order of `columnNames`. */
  static fromRows(columnNames: readonly string[], rows: Iterable<readonly CellValue[]>): InteractionTable {
    const builders = columnNames.map(() => new ColumnBuilder());
    for (const row of rows) {
      for (let c = 0; c < builders.length; c++) builders[c].append(row[c] ?? null);
    }
    return new InteractionTable(columnNames.map((n, c) => [n, builders[c].finish()] as const));
  }

  static empty(columnNames: readonly string[] = []): InteractionTable {
    return new InteractionTable(
      columnNames.map((n) => [n, emptyColumn()] as const),
      0,
    );
  }
}

function emptyColumn(): Column {
  return { encoding: 'dict', type: 'mixed', codes: new Int32Array(0), dictionary: [] };
}

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
