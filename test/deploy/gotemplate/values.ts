/**
 * Go template value semantics over plain JS data (as Helm sees parsed YAML): truth, emptiness,
 * kinds and printing. Numbers from values files are float64 in Helm, so they print the way Go's
 * %v prints a float64 (1e+06 and up in exponent form).
 */

export type Value = unknown;

export function isMap(v: Value): v is Record<string, Value> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

export function isNil(v: Value): boolean {
  return v === null || v === undefined;
}

/** text/template truth: false, 0, nil, "" and empty collections are false. */
export function truth(v: Value): boolean {
  if (isNil(v)) return false;
  if (typeof v === 'boolean') return v;
  if (typeof v === 'number') return v !== 0;
  if (typeof v === 'string') return v.length > 0;
  if (Array.isArray(v)) return v.length > 0;
  if (isMap(v)) return Object.keys(v).length > 0;
  return true;
}

/** sprig `empty` (the same rules as truth, inverted). */
export function empty(v: Value): boolean {
  return !truth(v);
}

/** reflect kind names as sprig's kindIs reports them for YAML-decoded values. */
export function kindOf(v: Value): string {
  if (isNil(v)) return 'invalid';
  if (typeof v === 'string') return 'string';
  if (typeof v === 'boolean') return 'bool';
  if (typeof v === 'number') return 'float64';
  if (Array.isArray(v)) return 'slice';
  if (isMap(v)) return 'map';
  return 'func';
}

/** Go `%v` of a float64: shortest digits, in exponent form when the exponent is < -4 or >= 6. */
export function goFloat(n: number): string {
  if (!Number.isFinite(n)) return n > 0 ? '+Inf' : n < 0 ? '-Inf' : 'NaN';
  if (n === 0) return '0';
  const [mantissa, expText] = n.toExponential().split('e');
  const exp = Number(expText);
  if (exp < -4 || exp >= 6) {
    const digits = String(Math.abs(exp)).padStart(2, '0');
    return `${mantissa}e${exp < 0 ? '-' : '+'}${digits}`;
  }
  return String(n);
}

/** sprig strval / fmt %v for scalars; collections are refused (templates must toYaml them). */
export function goString(v: Value): string {
  if (v === undefined || v === null) return '<nil>';
  if (typeof v === 'string') return v;
  if (typeof v === 'boolean') return v ? 'true' : 'false';
  if (typeof v === 'number') return goFloat(v);
  throw new Error(`cannot print a ${kindOf(v)} as text; use toYaml`);
}

/** Go strconv.Quote for the characters chart values contain. */
export function goQuote(s: string): string {
  return JSON.stringify(s).replace(/\u007f/g, '\\x7f');
}
