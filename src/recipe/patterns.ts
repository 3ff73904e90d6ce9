/**
 * Regular expressions that describe the textual forms the lax scalar rules accept.
 * The loader tests strings against exactly these sources and the JSON Schema publishes the same
 * sources as `pattern`, so both accept the same strings.
 */

/** Surrounding whitespace Python's `str.strip()` would remove (JS `\s` is the same set as `trim`). */
const WS = '\\s*';

/** Any base-10 integer string, with optional sign and `.000` decimal zeros, e.g. `" 40 "`, `"-3"`, `"40.0"`. */
export const INTEGER_STRING_SOURCE = `^${WS}[+-]?\\d+(?:\\.0*)?${WS}$`;

/** Any decimal or exponent number string, e.g. `"0.1"`, `"1e-3"`, `".5"`. */
export const FLOAT_STRING_SOURCE = `^${WS}[+-]?(?:\\d+\\.?\\d*|\\.\\d+)(?:[eE][+-]?\\d+)?${WS}$`;

/** Number strings written with an exponent; their range cannot be expressed as a pattern. */
export const EXPONENT_FLOAT_STRING_SOURCE = `^${WS}[+-]?(?:\\d+\\.?\\d*|\\.\\d+)[eE][+-]?\\d+${WS}$`;

/** `abc` → `[aA][bB][cC]`; leaves non-letters alone. Used instead of the `i` flag, whose Unicode folding differs. */
export function asciiCaseInsensitive(word: string): string {
  let out = '';
  for (const ch of word) {
    const lower = ch.toLowerCase();
    const upper = ch.toUpperCase();
    out += /[a-z]/i.test(ch) && lower !== upper ? `[${lower}${upper}]` : escapeRegex(ch);
  }
  return out;
}

export function escapeRegex(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\/-]/g, '\\$&');
}

/** Regex alternatives matching exactly the decimal integers in [lo, hi] (no sign, no leading zeros). */
export function integerRangeAlternatives(lo: number, hi: number): string[] {
  if (!Number.isSafeInteger(lo) || !Number.isSafeInteger(hi) || lo < 0 || hi < lo) {
    throw new RangeError(`integer range [${lo}, ${hi}] is not supported`);
  }
  const parts: string[] = [];
  const loDigits = String(lo).length;
  const hiDigits = String(hi).length;
  for (let len = loDigits; len <= hiDigits; len++) {
    const first = Math.max(lo, len === 1 ? 0 : 10 ** (len - 1));
    const last = Math.min(hi, 10 ** len - 1);
    if (first <= last) parts.push(...sameLength(String(first), String(last)));
  }
  return parts;
}

/** Alternatives for equal-length digit strings a ≤ b. */
function sameLength(a: string, b: string): string[] {
  if (a.length === 0) return [''];
  if (a === b) return [a];
  if (/^0*$/.test(a) && /^9*$/.test(b)) return [digits(a.length)];
  const a0 = Number(a[0]);
  const b0 = Number(b[0]);
  const restA = a.slice(1);
  const restB = b.slice(1);
  if (a0 === b0) return sameLength(restA, restB).map((s) => `${a0}${s}`);
  const rest = a.length - 1;
  const out: string[] = [];
  if (/^0*$/.test(restA)) {
    // a is a round number: the lower partial block is a full block and joins the middle.
    const top = /^9*$/.test(restB) ? b0 : b0 - 1;
    out.push(`${digitClass(a0, top)}${digits(rest)}`);
    if (top !== b0) out.push(...sameLength('0'.repeat(rest), restB).map((s) => `${b0}${s}`));
    return out;
  }
  out.push(...sameLength(restA, '9'.repeat(rest)).map((s) => `${a0}${s}`));
  if (/^9*$/.test(restB)) {
    out.push(`${digitClass(a0 + 1, b0)}${digits(rest)}`);
    return out;
  }
  if (b0 - a0 > 1) out.push(`${digitClass(a0 + 1, b0 - 1)}${digits(rest)}`);
  out.push(...sameLength('0'.repeat(rest), restB).map((s) => `${b0}${s}`));
  return out;
}

function digitClass(from: number, to: number): string {
  if (from === to) return String(from);
  if (from === 0 && to === 9) return '\\d';
  return `[${from}-${to}]`;
}

function digits(n: number): string {
  if (n === 0) return '';
  return n === 1 ? '\\d' : `\\d{${n}}`;
}

/**
 * Pattern for integer strings whose value lies in [min, max] (max may be Infinity; min may be
 * -Infinity only together with max = Infinity). Accepts the same forms as `INTEGER_STRING_SOURCE`.
 */
export function integerStringPattern(min: number, max: number): string {
  const tail = `(?:\\.0*)?${WS}$`;
  if (min === Number.NEGATIVE_INFINITY && max === Number.POSITIVE_INFINITY) return INTEGER_STRING_SOURCE;
  if (min < 0) throw new RangeError('negative lower bounds are not supported');
  let positive: string;
  if (max === Number.POSITIVE_INFINITY) {
    if (min === 0) positive = '\\d+';
    else {
      const width = String(min).length;
      const alternatives = integerRangeAlternatives(min, 10 ** width - 1);
      alternatives.push(`[1-9]\\d{${width},}`);
      positive = `0*(?:${alternatives.join('|')})`;
    }
  } else {
    positive = `0*(?:${integerRangeAlternatives(min, max).join('|')})`;
  }
  // "-0" and "-000" are zero and therefore in range when 0 is.
  const negativeZero = min === 0 ? '|-0+' : '';
  return `^${WS}(?:\\+?${positive}${negativeZero})${tail}`;
}

export interface FloatBounds {
  gt?: number;
  ge?: number;
  lt?: number;
  le?: number;
}

/**
 * Pattern for plain decimal strings (no exponent) inside a bound pair drawn from the unit interval:
 * lower bound 0 (exclusive or inclusive), upper bound 1 (exclusive or inclusive). Those are the
 * only float ranges recipes use.
 */
export function unitIntervalDecimalPattern(bounds: FloatBounds): string {
  const lowerInclusive = bounds.ge === 0;
  const upperInclusive = bounds.le === 1;
  if (!(bounds.gt === 0 || lowerInclusive) || !(bounds.lt === 1 || upperInclusive)) {
    throw new RangeError('only ranges with bounds 0 and 1 have a decimal pattern');
  }
  const alternatives = ['\\+?0*\\.\\d*[1-9]\\d*'];
  if (lowerInclusive) alternatives.push('[+-]?(?:0+\\.?0*|\\.0+)');
  if (upperInclusive) alternatives.push('\\+?0*1(?:\\.0*)?');
  return `^${WS}(?:${alternatives.join('|')})${WS}$`;
}
