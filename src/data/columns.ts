/**
 * Column representations of an {@link InteractionTable}: strings dictionary-encoded, numbers and
 * instants in a Float64Array, booleans in a Uint8Array, anything else as plain values.
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
