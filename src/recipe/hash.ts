/**
 * `recipe_hash`: sha256 of a canonical JSON rendering of the validated recipe —
 * sorted keys, no whitespace, non-ASCII escaped — so the same configuration always hashes the same.
 */
import { createHash } from 'node:crypto';
import { compareCodePoints } from './text.js';
import type { Recipe } from './types.js';
import { IntegralFloat } from './yaml-tags.js';

/** JSON string literal with every character outside printable ASCII escaped (Python `ensure_ascii`). */
function quote(text: string): string {
  let out = '"';
  for (let i = 0; i < text.length; i++) {
    const ch = text[i];
    const code = text.charCodeAt(i);
    if (ch === '"') out += '\\"';
    else if (ch === '\\') out += '\\\\';
    else if (ch === '\n') out += '\\n';
    else if (ch === '\r') out += '\\r';
    else if (ch === '\t') out += '\\t';
    else if (ch === '\b') out += '\\b';
    else if (ch === '\f') out += '\\f';
    else if (code < 0x20 || code > 0x7e) out += `\\u${code.toString(16).padStart(4, '0')}`;
    else out += ch;
  }
  return `${out}"`;
}

function number(value: number): string {
  if (Number.isNaN(value)) return 'NaN';
  if (value === Number.POSITIVE_INFINITY) return 'Infinity';
  if (value === Number.NEGATIVE_INFINITY) return '-Infinity';
  return JSON.stringify(value);
}

/** Canonical JSON: keys sorted by code point at every level; values JSON cannot hold use their string form. */
export function canonicalJson(value: unknown): string {
  if (value === null || value === undefined) return 'null';
  if (typeof value === 'string') return quote(value);
  if (typeof value === 'number') return number(value);
  if (typeof value === 'boolean') return value ? 'true' : 'false';
  if (typeof value === 'bigint') return value.toString();
  if (value instanceof IntegralFloat) return value.toString();
  if (value instanceof Date) return quote(Number.isNaN(value.getTime()) ? String(value) : value.toISOString());
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value instanceof Set) return canonicalJson([...value].sort());
  if (typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>).filter(([, v]) => v !== undefined);
    entries.sort(([a], [b]) => compareCodePoints(a, b));
    return `{${entries.map(([k, v]) => `${quote(k)}:${canonicalJson(v)}`).join(',')}}`;
  }
  return quote(String(value));
}

/** Lower-case hex sha256 of the canonical rendering (the columns section keyed `schema_` as in the original). */
export function recipeHash(recipe: Recipe): string {
  const { schema, events, ...rest } = recipe;
  // A recipe without events hashes as it did before the section existed.
  const withEvents = events === null || events === undefined ? rest : { ...rest, events };
  return createHash('sha256')
    .update(canonicalJson({ ...withEvents, schema_: schema }))
    .digest('hex');
}
