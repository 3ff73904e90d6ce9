/**
 * zod issues → the 422 error items: `{type, loc, msg}` with a stable
 * pydantic-like `type` vocabulary and no input values or validator context.
 */
import type { z } from 'zod';

export type Loc = (string | number)[];

export interface ValidationItem {
  type: string;
  loc: Loc;
  msg: string;
}

type Issue = z.core.$ZodIssue;

function valueAt(root: unknown, path: readonly PropertyKey[]): unknown {
  let cur: unknown = root;
  for (const key of path) {
    if (cur === null || typeof cur !== 'object') return undefined;
    cur = (cur as Record<PropertyKey, unknown>)[key as string];
  }
  return cur;
}

const TYPE_BY_EXPECTED: Readonly<Record<string, [string, string]>> = {
  string: ['string_type', 'Input should be a valid string'],
  number: ['int_type', 'Input should be a valid integer'],
  int: ['int_type', 'Input should be a valid integer'],
  boolean: ['bool_type', 'Input should be a valid boolean'],
  array: ['list_type', 'Input should be a valid list'],
  object: ['model_type', 'Input should be a valid dictionary or object'],
  record: ['model_type', 'Input should be a valid dictionary or object'],
};

/** Unknown keys reported one by one; the rest are counted in one more item. */
export const MAX_EXTRA_KEYS_LISTED = 10;
/** Keys are attacker-chosen text: only plain field-like names are echoed in `loc`. */
const ECHOABLE_KEY = /^[A-Za-z0-9_]{1,40}$/;
export const HIDDEN_KEY = '<unknown key>';

export function echoableKey(key: string): string {
  return ECHOABLE_KEY.test(key) ? key : HIDDEN_KEY;
}

function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : 's'}`;
}

function mapIssue(issue: Issue, input: unknown, prefix: Loc): ValidationItem[] {
  const path = issue.path.filter((p): p is string | number => typeof p !== 'symbol');
  const loc: Loc = [...prefix, ...path];
  switch (issue.code) {
    case 'invalid_type': {
      if (valueAt(input, issue.path) === undefined) return [{ type: 'missing', loc, msg: 'Field required' }];
      const expected = issue.expected === 'int' || issue.expected === 'number' ? 'int' : issue.expected;
      if (expected === 'int' && typeof valueAt(input, issue.path) === 'number') {
        return [{ type: 'int_type', loc, msg: 'Input should be a valid integer, got a number with a fractional part' }];
      }
      const [type, msg] = TYPE_BY_EXPECTED[expected] ?? ['type_error', `Input should be a valid ${expected}`];
      return [{ type, loc, msg }];
    }
    case 'too_small': {
      const min = Number(issue.minimum);
      if (issue.origin === 'string')
        return [{ type: 'string_too_short', loc, msg: `String should have at least ${plural(min, 'character')}` }];
      if (issue.origin === 'array' || issue.origin === 'set')
        return [{ type: 'too_short', loc, msg: `List should have at least ${plural(min, 'item')} after validation` }];
      return [{ type: 'greater_than_equal', loc, msg: `Input should be greater than or equal to ${min}` }];
    }
    case 'too_big': {
      const max = Number(issue.maximum);
      if (issue.origin === 'string')
        return [{ type: 'string_too_long', loc, msg: `String should have at most ${plural(max, 'character')}` }];
      if (issue.origin === 'array' || issue.origin === 'set')
        return [{ type: 'too_long', loc, msg: `List should have at most ${plural(max, 'item')} after validation` }];
      return [{ type: 'less_than_equal', loc, msg: `Input should be less than or equal to ${max}` }];
    }
    case 'unrecognized_keys': {
      const items: ValidationItem[] = issue.keys.slice(0, MAX_EXTRA_KEYS_LISTED).map((key) => ({
        type: 'extra_forbidden',
        loc: [...loc, echoableKey(key)],
        msg: 'Extra inputs are not permitted',
      }));
      const more = issue.keys.length - items.length;
      if (more > 0)
        items.push({ type: 'extra_forbidden', loc, msg: `Extra inputs are not permitted: ${more} more not listed` });
      return items;
    }
    case 'invalid_format':
      return [
        {
          type: 'string_pattern_mismatch',
          loc,
          msg: `String should match pattern '${issue.format === 'regex' ? stripSlashes((issue as { pattern?: string }).pattern) : issue.format}'`,
        },
      ];
    default:
      return [{ type: 'value_error', loc, msg: 'Invalid value' }];
  }
}

function stripSlashes(pattern: string | undefined): string {
  if (!pattern) return '';
  return pattern.startsWith('/') && pattern.lastIndexOf('/') > 0 ? pattern.slice(1, pattern.lastIndexOf('/')) : pattern;
}

/**
 * One item per offending location. zod may report two issues for one field (an out-of-safe-range
 * integer fails both the integer and the maximum check); keep the more specific bound.
 */
export function toValidationItems(error: z.ZodError, input: unknown, prefix: Loc): ValidationItem[] {
  const out: ValidationItem[] = [];
  const seen = new Map<string, number>();
  for (const issue of error.issues) {
    const safeIntBound = issue.code === 'too_big' && issue.origin === 'int';
    for (const item of mapIssue(issue, input, prefix)) {
      const key = JSON.stringify(item.loc);
      const at = seen.get(key);
      if (at === undefined) {
        seen.set(key, out.length);
        out.push(item);
      } else if (!safeIntBound && out[at].type === 'less_than_equal') {
        out[at] = item;
      }
    }
  }
  return out;
}

/** `"<dotted path>: <msg>"` of the first error, for batch element results. */
export function elementErrorMessage(items: readonly ValidationItem[]): string {
  const first = items[0];
  if (!first) return 'validation failed';
  const path = first.loc.join('.');
  return path === '' ? first.msg : `${path}: ${first.msg}`;
}

/**
 * Names that JavaScript objects treat specially. A filter keyed by one of them would be dropped by
 * the schema (`__proto__`) or look up inherited members, so it is refused naming the field.
 */
const RESERVED_FIELD_NAMES = new Set(['__proto__', 'constructor', 'prototype']);

export function reservedFilterFieldItems(body: unknown, prefix: Loc): ValidationItem[] {
  if (body === null || typeof body !== 'object' || Array.isArray(body) || !Object.hasOwn(body, 'filter')) return [];
  const filter = (body as { filter?: unknown }).filter;
  if (filter === null || typeof filter !== 'object' || Array.isArray(filter)) return [];
  return Object.keys(filter)
    .filter((key) => RESERVED_FIELD_NAMES.has(key))
    .map((key) => ({
      type: 'value_error',
      loc: [...prefix, 'filter', key],
      msg: `field '${key}' is not filterable (a reserved name)`,
    }));
}

/** Thrown inside the request pipeline; the error handler renders the 422 envelope. */
export class RequestValidationError extends Error {
  override name = 'RequestValidationError';
  readonly items: ValidationItem[];
  constructor(items: ValidationItem[]) {
    super('Request validation failed');
    this.items = items;
  }
}
