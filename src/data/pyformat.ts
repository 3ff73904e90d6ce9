/**
 * String forms of cell values exactly as the original's `str()` produces them, because ids are
 * string-coerced and the artifact stores those strings.
 */
import type { CellValue, ColumnType } from './table.js';

/** Python `repr(float)`: shortest round-trip digits, `42.0`, `1e+16`, `1e-05`, `nan`, `inf`. */
export function pyFloatRepr(x: number): string {
  if (Number.isNaN(x)) return 'nan';
  if (x === Number.POSITIVE_INFINITY) return 'inf';
  if (x === Number.NEGATIVE_INFINITY) return '-inf';
  if (x === 0) return Object.is(x, -0) ? '-0.0' : '0.0';
  const sign = x < 0 ? '-' : '';
  // toExponential() without an argument yields the shortest digits that round-trip.
  const [mantissa, expText] = Math.abs(x).toExponential().split('e');
  const exp = Number(expText);
  const digits = mantissa.replace('.', '');
  if (exp >= 16 || exp < -4) {
    const frac = digits.length > 1 ? `.${digits.slice(1)}` : '';
    const e = Math.abs(exp);
    return `${sign}${digits[0]}${frac}e${exp < 0 ? '-' : '+'}${e < 10 ? `0${e}` : e}`;
  }
  if (exp < 0) return `${sign}0.${'0'.repeat(-exp - 1)}${digits}`;
  const intLen = exp + 1;
  if (digits.length <= intLen) return `${sign}${digits}${'0'.repeat(intLen - digits.length)}.0`;
  return `${sign}${digits.slice(0, intLen)}.${digits.slice(intLen)}`;
}

/** `str(pd.Timestamp)` for a UTC instant: `2024-01-02 03:04:05` (+ `.123000` when sub-second). */
export function pyTimestampStr(ms: number): string {
  if (Number.isNaN(ms)) return 'NaT';
  const iso = new Date(ms).toISOString(); // 2024-01-02T03:04:05.123Z
  const base = `${iso.slice(0, 10)} ${iso.slice(11, 19)}`;
  const frac = iso.slice(20, 23);
  return frac === '000' ? base : `${base}.${frac}000`;
}

/**
 * The id string of one cell of a column of logical type `type`:
 * strings unchanged, integers `42`, floats Python-style `42.0`, booleans `True`/`False`,
 * NaN `nan`, other nulls `None`.
 */
export function pyStr(value: CellValue, type: ColumnType): string {
  if (value === null) return type === 'float' ? 'nan' : type === 'timestamp' ? 'NaT' : 'None';
  switch (typeof value) {
    case 'string':
      return value;
    case 'boolean':
      return value ? 'True' : 'False';
    case 'bigint':
      return value.toString();
    case 'number':
      if (type === 'float' || !Number.isInteger(value)) return pyFloatRepr(value);
      if (type === 'timestamp') return pyTimestampStr(value);
      return Number.isSafeInteger(value) ? String(value) : BigInt(value).toString();
    default:
      return pyTimestampStr(value.getTime());
  }
}
