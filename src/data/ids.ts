/**
 * Id columns as per-row codes into a table of distinct id strings:
 * nulls detected, every value string-coerced the way the original's `astype(str)` renders it.
 * Dictionary columns coerce only their distinct values, so millions of rows cost one pass.
 */
import { pyFloatRepr, pyStr, pyTimestampStr } from './pyformat.js';
import { BOOL_NULL, type Column, isNullValue } from './table.js';

export interface IdCodes {
  /** Per row: index into `strings`, or -1 for a null id. */
  readonly codes: Int32Array;
  /** Distinct id strings (unsorted). */
  readonly strings: string[];
}

/** What a null id becomes when nulls are kept: `nan` in float columns, `None` otherwise. */
function nullText(col: Column): string {
  return col.type === 'float' ? 'nan' : col.type === 'timestamp' ? 'NaT' : 'None';
}

/** Interns strings to dense codes. */
class Interner {
  readonly strings: string[] = [];
  private readonly index = new Map<string, number>();
  code(s: string): number {
    let c = this.index.get(s);
    if (c === undefined) {
      c = this.strings.length;
      this.strings.push(s);
      this.index.set(s, c);
    }
    return c;
  }
}

/**
 * Codes of every row of `col`. With `keepNulls`, null ids get the code of their literal text
 * (`nan`/`None`) instead of -1, like the original when `drop_null_ids` is false.
 */
export function idCodes(col: Column, keepNulls: boolean): IdCodes {
  const intern = new Interner();
  const nullCode = keepNulls ? intern.code(nullText(col)) : -1;
  switch (col.encoding) {
    case 'dict': {
      const direct = distinctCoercion(col);
      if (direct) {
        if (!keepNulls || !col.codes.includes(-1)) return { codes: col.codes, strings: direct };
        const nullId = direct.indexOf(nullText(col));
        const code = nullId >= 0 ? nullId : direct.push(nullText(col)) - 1;
        return { codes: col.codes.map((c) => (c < 0 ? code : c)), strings: direct };
      }
      const remap = new Int32Array(col.dictionary.length);
      for (let d = 0; d < col.dictionary.length; d++) {
        const v = col.dictionary[d];
        remap[d] = isNullValue(v)
          ? keepNulls
            ? intern.code(pyStr(null, col.type))
            : -1
          : intern.code(pyStr(v, col.type));
      }
      const n = col.codes.length;
      const codes = new Int32Array(n);
      for (let r = 0; r < n; r++) {
        const c = col.codes[r];
        codes[r] = c < 0 ? nullCode : remap[c];
      }
      return { codes, strings: intern.strings };
    }
    case 'number':
      return numberCodes(col.values, col.type, intern, nullCode);
    case 'bool': {
      const t = intern.code('True');
      const f = intern.code('False');
      const codes = new Int32Array(col.values.length);
      for (let r = 0; r < codes.length; r++) {
        const v = col.values[r];
        codes[r] = v === BOOL_NULL ? (keepNulls ? intern.code('None') : -1) : v === 1 ? t : f;
      }
      return { codes, strings: intern.strings };
    }
    case 'values': {
      const codes = new Int32Array(col.values.length);
      for (let r = 0; r < codes.length; r++) {
        const v = col.values[r];
        if (isNullValue(v)) codes[r] = keepNulls ? intern.code(typeof v === 'number' ? 'nan' : 'None') : -1;
        else codes[r] = intern.code(pyStr(v, col.type));
      }
      return { codes, strings: intern.strings };
    }
  }
}

/**
 * The id strings of a dictionary whose values are all non-null and render to distinct strings (the
 * usual case: dictionaries built by a source), else null. Row codes can then be used as they are.
 */
function distinctCoercion(col: Extract<Column, { encoding: 'dict' }>): string[] | null {
  if (col.type === 'mixed' || col.type === 'timestamp') return null;
  const out = new Array<string>(col.dictionary.length);
  const seen = new Set<string>();
  for (let d = 0; d < col.dictionary.length; d++) {
    const v = col.dictionary[d];
    if (isNullValue(v)) return null;
    const s = pyStr(v, col.type);
    if (seen.has(s)) return null;
    seen.add(s);
    out[d] = s;
  }
  return out;
}

/**
 * Numeric id columns (e.g. integer keys from SQL). Small integer ranges use a direct-address table;
 * anything else a Map keyed by the number.
 */
function numberCodes(
  values: Float64Array,
  type: 'int' | 'float' | 'timestamp',
  intern: Interner,
  nullCode: number,
): IdCodes {
  const n = values.length;
  const codes = new Int32Array(n);
  const render =
    type === 'float' ? pyFloatRepr : type === 'timestamp' ? pyTimestampStr : (v: number) => pyStr(v, 'int');
  let min = Number.POSITIVE_INFINITY;
  let max = Number.NEGATIVE_INFINITY;
  let integral = type === 'int';
  for (let r = 0; r < n && integral; r++) {
    const v = values[r];
    if (Number.isNaN(v)) continue;
    if (!Number.isInteger(v)) integral = false;
    if (v < min) min = v;
    if (v > max) max = v;
  }
  if (integral && max >= min && max - min < Math.max(1 << 20, 4 * n)) {
    const slot = new Int32Array(max - min + 1).fill(-1);
    for (let r = 0; r < n; r++) {
      const v = values[r];
      if (Number.isNaN(v)) {
        codes[r] = nullCode;
        continue;
      }
      const k = v - min;
      let c = slot[k];
      if (c < 0) {
        c = intern.code(render(v));
        slot[k] = c;
      }
      codes[r] = c;
    }
    return { codes, strings: intern.strings };
  }
  const seen = new Map<number, number>();
  for (let r = 0; r < n; r++) {
    const v = values[r];
    if (Number.isNaN(v)) {
      codes[r] = nullCode;
      continue;
    }
    let c = seen.get(v);
    if (c === undefined) {
      c = intern.code(render(v));
      seen.set(v, c);
    }
    codes[r] = c;
  }
  return { codes, strings: intern.strings };
}

/**
 * Python string order (by code point). Differs from JS's UTF-16 code-unit order only when an
 * astral character meets one in U+E000–U+FFFF.
 */
export function compareIds(a: string, b: string): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    let x = a.charCodeAt(i);
    let y = b.charCodeAt(i);
    if (x !== y) {
      if (x >= 0xd800 && y >= 0xd800) {
        x = x >= 0xe000 ? x - 0x800 : x + 0x2000;
        y = y >= 0xe000 ? y - 0x800 : y + 0x2000;
      }
      return x - y;
    }
  }
  return a.length - b.length;
}

/** Sorts id strings in Python order, in place. */
export function sortIds(ids: string[]): string[] {
  for (let k = 1; k < ids.length; k++) {
    if (compareIds(ids[k - 1], ids[k]) > 0) return ids.sort(compareIds);
  }
  return ids; // already sorted (dictionaries from SQL usually are)
}

/** Sorts codes by their id strings in Python order, in place. */
export function sortCodesById(codes: number[], strings: readonly string[]): void {
  for (let k = 1; k < codes.length; k++) {
    if (compareIds(strings[codes[k - 1]], strings[codes[k]]) > 0) {
      codes.sort((a, b) => compareIds(strings[a], strings[b]));
      return;
    }
  }
}
