/**
 * The template functions the chart calls: Go's builtins (and, or, not, eq, ne, lt, le, gt, ge,
 * printf) and the Sprig/Helm functions, with Sprig's argument order (piped value last).
 */
import { createHash } from 'node:crypto';
import { stringify } from 'yaml';
import { empty, goQuote, goString, isMap, isNil, kindOf, truth, type Value } from './values.js';

export type Func = (args: Value[]) => Value;

/** Raised by `fail` and `required`: Helm stops rendering with this message. */
export class RenderFailure extends Error {
  override name = 'RenderFailure';
}

function str(v: Value, fn: string): string {
  if (typeof v !== 'string') throw new Error(`${fn}: expected a string, got ${kindOf(v)}`);
  return v;
}

/** cast.ToInt: numbers truncate, numeric strings parse, anything else is 0. */
export function toInt(v: Value): number {
  if (typeof v === 'number') return Math.trunc(v);
  if (typeof v === 'boolean') return v ? 1 : 0;
  if (typeof v === 'string') {
    const s = v.trim();
    return /^[-+]?\d+$/.test(s) ? Number.parseInt(s, 10) : 0;
  }
  return 0;
}

function sortKeys(v: Value): Value {
  if (Array.isArray(v)) return v.map(sortKeys);
  if (isMap(v)) {
    const out: Record<string, Value> = {};
    for (const k of Object.keys(v).sort()) out[k] = sortKeys(v[k]);
    return out;
  }
  return v;
}

/** Helm's toYaml: keys sorted, sequences not indented under their key, trailing newline cut. */
export function toYaml(v: Value): string {
  if (isNil(v)) return 'null';
  return stringify(sortKeys(v), { indentSeq: false, lineWidth: 0 }).replace(/\n$/, '');
}

function indent(n: number, s: string): string {
  const pad = ' '.repeat(n);
  return pad + s.replace(/\n/g, `\n${pad}`);
}

/** Go text/template comparison: same basic kind or an error (nil compares unequal to values). */
function compare(a: Value, b: Value, fn: string): number {
  if (isNil(a) || isNil(b)) {
    if (fn === 'eq' || fn === 'ne') return isNil(a) && isNil(b) ? 0 : 1;
    throw new Error(`${fn}: invalid type for comparison`);
  }
  if (typeof a !== typeof b || (typeof a !== 'string' && typeof a !== 'number' && typeof a !== 'boolean')) {
    throw new Error(`${fn}: incompatible types for comparison (${kindOf(a)}, ${kindOf(b)})`);
  }
  if (a === b) return 0;
  if (typeof a === 'boolean') {
    if (fn !== 'eq' && fn !== 'ne') throw new Error(`${fn}: invalid type for comparison`);
    return 1;
  }
  return (a as number | string) < (b as number | string) ? -1 : 1;
}

function printf(format: string, args: Value[]): string {
  let i = 0;
  return format.replace(/%([sdvq%])/g, (_m, verb: string) => {
    if (verb === '%') return '%';
    if (i >= args.length) return `%!${verb}(MISSING)`;
    const a = args[i++];
    if (verb === 'd') {
      if (typeof a !== 'number') return `%!d(${kindOf(a)}=${goString(a)})`;
      return String(Math.trunc(a));
    }
    if (verb === 'q') return goQuote(goString(a));
    return goString(a);
  });
}

function list(v: Value, fn: string): Value[] {
  if (isNil(v)) return [];
  if (!Array.isArray(v)) throw new Error(`${fn}: expected a list, got ${kindOf(v)}`);
  return v;
}

export const FUNCS: Record<string, Func> = {
  not: ([v]) => !truth(v),
  eq: ([a, ...bs]) => bs.some((b) => compare(a, b, 'eq') === 0),
  ne: ([a, b]) => compare(a, b, 'ne') !== 0,
  lt: ([a, b]) => compare(a, b, 'lt') < 0,
  le: ([a, b]) => compare(a, b, 'le') <= 0,
  gt: ([a, b]) => compare(a, b, 'gt') > 0,
  ge: ([a, b]) => compare(a, b, 'ge') >= 0,
  printf: ([format, ...args]) => printf(str(format, 'printf'), args),
  default: ([d, ...given]) => (given.length === 0 || empty(given[0]) ? d : given[0]),
  empty: ([v]) => empty(v),
  required: ([msg, v]) => {
    if (isNil(v) || v === '') throw new RenderFailure(str(msg, 'required'));
    return v;
  },
  fail: ([msg]) => {
    throw new RenderFailure(str(msg, 'fail'));
  },
  toString: ([v]: Value[]) => goString(v),
  toYaml: ([v]) => toYaml(v),
  toJson: ([v]) => JSON.stringify(sortKeys(v)) ?? 'null',
  quote: (args) =>
    args
      .filter((a) => !isNil(a))
      .map((a) => goQuote(goString(a)))
      .join(' '),
  indent: ([n, s]) => indent(toInt(n), str(s, 'indent')),
  nindent: ([n, s]) => `\n${indent(toInt(n), str(s, 'nindent'))}`,
  trim: ([s]) => str(s, 'trim').trim(),
  lower: ([s]) => str(s, 'lower').toLowerCase(),
  trunc: ([n, s]) => str(s, 'trunc').slice(0, Math.max(0, toInt(n))),
  trimSuffix: ([suffix, s]) => {
    const v = str(s, 'trimSuffix');
    const x = str(suffix, 'trimSuffix');
    return x !== '' && v.endsWith(x) ? v.slice(0, -x.length) : v;
  },
  hasPrefix: ([prefix, s]) => str(s, 'hasPrefix').startsWith(str(prefix, 'hasPrefix')),
  contains: ([sub, s]) => str(s, 'contains').includes(str(sub, 'contains')),
  replace: ([from, to, s]) => str(s, 'replace').split(str(from, 'replace')).join(str(to, 'replace')),
  splitList: ([sep, s]) => str(s, 'splitList').split(str(sep, 'splitList')),
  join: ([sep, l]) =>
    list(l, 'join')
      .filter((x) => !isNil(x))
      .map(goString)
      .join(str(sep, 'join')),
  list: (args) => [...args],
  append: ([l, v]) => [...list(l, 'append'), v],
  has: ([needle, l]) => list(l, 'has').some((x) => x === needle),
  dict: (args) => {
    const out: Record<string, Value> = {};
    for (let i = 0; i < args.length; i += 2) out[str(args[i], 'dict')] = args[i + 1] ?? null;
    return out;
  },
  hasKey: ([m, k]) => isMap(m) && Object.hasOwn(m, str(k, 'hasKey')),
  omit: ([m, ...keys]) => {
    if (!isMap(m)) throw new Error(`omit: expected a map, got ${kindOf(m)}`);
    return Object.fromEntries(Object.entries(m).filter(([k]) => !keys.includes(k)));
  },
  kindIs: ([kind, v]) => kindOf(v) === kind,
  int: ([v]) => toInt(v),
  add: (args) => args.reduce<number>((sum, a) => sum + toInt(a), 0),
  sub: ([a, b]) => toInt(a) - toInt(b),
  sha256sum: ([s]) => createHash('sha256').update(str(s, 'sha256sum')).digest('hex'),
};
