/**
 * The time column as UTC epoch milliseconds: numbers are Unix epoch
 * values in `time_unit`; strings are parsed as ISO-8601 date/times (naive = UTC, offsets converted).
 * Missing values become NaN.
 */
import { TrainingError } from '../errors/index.js';
import { BOOL_NULL, type CellValue, type Column, columnLength, isNullValue } from './table.js';

export type TimeUnit = 's' | 'ms' | 'us' | 'ns';

const MS_PER_UNIT: Record<TimeUnit, number> = { s: 1000, ms: 1, us: 1e-3, ns: 1e-6 };

const ISO_RE =
  /^\s*([+-]?\d{4,6})[-/](\d{1,2})[-/](\d{1,2})(?:[T\s](\d{1,2})(?::(\d{2})(?::(\d{2})(?:[.,](\d{1,9}))?)?)?)?\s*(Z|z|UTC|GMT|[+-]\d{2}(?::?\d{2})?)?\s*$/;

/** Parses one ISO-8601-style date/time; returns NaN when the text is not one. */
export function parseIsoToMs(text: string): number {
  const m = ISO_RE.exec(text);
  if (!m) return Number.NaN;
  const [, y, mo, d, h, mi, s, frac, tz] = m;
  const year = Number(y);
  const month = Number(mo);
  const day = Number(d);
  const hour = h === undefined ? 0 : Number(h);
  const minute = mi === undefined ? 0 : Number(mi);
  const second = s === undefined ? 0 : Number(s);
  if (month < 1 || month > 12 || day < 1 || day > 31 || hour > 23 || minute > 59 || second > 59) return Number.NaN;
  const date = new Date(0);
  date.setUTCFullYear(year, month - 1, day);
  date.setUTCHours(hour, minute, second, 0);
  if (date.getUTCMonth() !== month - 1 || date.getUTCDate() !== day) return Number.NaN; // e.g. Feb 30
  let ms = date.getTime();
  if (frac) ms += Number(`0.${frac}`) * 1000;
  if (tz && tz !== 'Z' && tz !== 'z' && tz !== 'UTC' && tz !== 'GMT') {
    const sign = tz[0] === '-' ? -1 : 1;
    const digits = tz.slice(1).replace(':', '');
    const offMin = Number(digits.slice(0, 2)) * 60 + Number(digits.slice(2) || '0');
    ms -= sign * offMin * 60_000;
  }
  return ms;
}

function unitRequired(column: string): TrainingError {
  return new TrainingError(
    `time_column '${column}' is numeric, so schema.time_unit must say what its numbers count: set it to one of s, ms, us, ns (Unix epoch seconds, milliseconds, microseconds or nanoseconds).`,
    'time_unit_required',
  );
}

function parseError(column: string, detail: string): TrainingError {
  return new TrainingError(`Failed to parse time_column '${column}': ${detail}`, 'time_column_parse_error');
}

function cellToMs(v: CellValue, column: string, unit: TimeUnit | null): number {
  if (isNullValue(v)) return Number.NaN;
  if (v instanceof Date) return v.getTime();
  if (typeof v === 'string') {
    const ms = parseIsoToMs(v);
    if (Number.isNaN(ms)) throw parseError(column, `'${v.slice(0, 64)}' is not an ISO-8601 date/time`);
    return ms;
  }
  if (typeof v === 'number' || typeof v === 'bigint' || typeof v === 'boolean') {
    if (unit === null) throw unitRequired(column);
    return Number(v) * MS_PER_UNIT[unit];
  }
  throw parseError(column, `unsupported value of type ${typeof v}`);
}

/**
 * Epoch ms for the rows listed in `rowList` (row indices into `col`; null = every row), in that order. Throws the
 * `time_unit_required` / `time_column_parse_error` TrainingErrors.
 */
export function timeColumnMs(
  col: Column,
  rowList: Int32Array | null,
  column: string,
  unit: TimeUnit | null,
): Float64Array {
  const n = rowList ? rowList.length : columnLength(col);
  const row = rowList ? (k: number) => rowList[k] : (k: number) => k;
  const out = new Float64Array(n);
  switch (col.encoding) {
    case 'number': {
      const values = col.values;
      let f = 1;
      if (col.type !== 'timestamp') {
        if (unit === null) throw unitRequired(column);
        f = MS_PER_UNIT[unit];
      }
      if (rowList === null) {
        for (let k = 0; k < n; k++) out[k] = values[k] * f;
      } else {
        for (let k = 0; k < n; k++) out[k] = values[rowList[k]] * f;
      }
      return out;
    }
    case 'bool': {
      if (unit === null) throw unitRequired(column);
      const f = MS_PER_UNIT[unit];
      for (let k = 0; k < n; k++) {
        const v = col.values[row(k)];
        out[k] = v === BOOL_NULL ? Number.NaN : v * f;
      }
      return out;
    }
    case 'dict': {
      if ((col.type === 'int' || col.type === 'float' || col.type === 'bool') && unit === null)
        throw unitRequired(column);
      // Each distinct value is converted once.
      const dictMs = new Float64Array(col.dictionary.length).fill(Number.NaN);
      const done = new Uint8Array(col.dictionary.length);
      for (let k = 0; k < n; k++) {
        const c = col.codes[row(k)];
        if (c < 0) {
          out[k] = Number.NaN;
          continue;
        }
        if (!done[c]) {
          dictMs[c] = cellToMs(col.dictionary[c], column, unit);
          done[c] = 1;
        }
        out[k] = dictMs[c];
      }
      return out;
    }
    case 'values': {
      const numericOnly = col.values.every((v) => isNullValue(v) || typeof v === 'number' || typeof v === 'bigint');
      if (unit === null && numericOnly && col.values.some((v) => !isNullValue(v))) throw unitRequired(column);
      for (let k = 0; k < n; k++) out[k] = cellToMs(col.values[row(k)], column, unit);
      return out;
    }
  }
}
