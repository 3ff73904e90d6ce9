/**
 * Validation issues in the original's wording (pydantic messages.1). zod issues are
 * translated here so that the recipe schema, the built-in source configs and third-party plugin
 * schemas all report in one style.
 */
import { FIELD_REQUIRED } from './coerce.js';

export interface RecipeIssue {
  /** Location inside the recipe document, e.g. `['training', 'algorithms', 0]`. */
  readonly path: readonly (string | number)[];
  readonly message: string;
  /** True when the issue is about a mapping key (an extra input) rather than a value. */
  readonly atKey?: boolean;
}

interface ZodLikeIssue {
  code?: string;
  path?: readonly PropertyKey[];
  message?: string;
  input?: unknown;
  expected?: string;
  keys?: readonly string[];
  origin?: string;
  minimum?: number | bigint;
  maximum?: number | bigint;
  inclusive?: boolean;
  values?: readonly unknown[];
  format?: string;
  pattern?: string;
}

const TYPE_NAMES: Record<string, string> = {
  string: 'a valid string',
  number: 'a valid number',
  int: 'a valid integer',
  bigint: 'a valid integer',
  boolean: 'a valid boolean',
  object: 'a valid dictionary',
  record: 'a valid dictionary',
  map: 'a valid dictionary',
  array: 'a valid list',
  tuple: 'a valid list',
  set: 'a valid set',
  date: 'a valid date',
  null: 'None',
};

function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : 's'}`;
}

function pyRepr(value: unknown): string {
  if (typeof value === 'string') return `'${value}'`;
  if (value === null) return 'None';
  if (typeof value === 'boolean') return value ? 'True' : 'False';
  return String(value);
}

function sizeOf(input: unknown): number | undefined {
  if (typeof input === 'string' || Array.isArray(input)) return input.length;
  return undefined;
}

function regexSource(pattern: string | undefined): string {
  if (!pattern) return '';
  const last = pattern.lastIndexOf('/');
  return pattern.startsWith('/') && last > 0 ? pattern.slice(1, last) : pattern;
}

/** One zod issue in pydantic's words. */
function messageFor(issue: ZodLikeIssue): string {
  switch (issue.code) {
    case 'invalid_type':
      if (issue.input === undefined) return FIELD_REQUIRED;
      return `Input should be ${TYPE_NAMES[issue.expected ?? ''] ?? `a valid ${issue.expected}`}`;
    case 'too_small': {
      const min = Number(issue.minimum);
      if (issue.origin === 'array' || issue.origin === 'set') {
        return `List should have at least ${plural(min, 'item')} after validation, not ${sizeOf(issue.input) ?? 0}`;
      }
      if (issue.origin === 'string') return `String should have at least ${plural(min, 'character')}`;
      return issue.inclusive === false
        ? `Input should be greater than ${min}`
        : `Input should be greater than or equal to ${min}`;
    }
    case 'too_big': {
      const max = Number(issue.maximum);
      if (issue.origin === 'array' || issue.origin === 'set') {
        return `List should have at most ${plural(max, 'item')} after validation, not ${sizeOf(issue.input) ?? 0}`;
      }
      if (issue.origin === 'string') return `String should have at most ${plural(max, 'character')}`;
      return issue.inclusive === false
        ? `Input should be less than ${max}`
        : `Input should be less than or equal to ${max}`;
    }
    case 'invalid_value': {
      const values = (issue.values ?? []).map(pyRepr);
      if (values.length <= 1) return `Input should be ${values[0] ?? 'a permitted value'}`;
      return `Input should be ${values.slice(0, -1).join(', ')} or ${values[values.length - 1]}`;
    }
    case 'invalid_format':
      if (issue.format === 'regex') return `String should match pattern '${regexSource(issue.pattern)}'`;
      return issue.message ?? 'Invalid value';
    case 'not_multiple_of':
      return issue.message ?? 'Invalid value';
    case 'invalid_union':
      if (issue.input === undefined) return FIELD_REQUIRED;
      return issue.message ?? 'Invalid value';
    default:
      return issue.message ?? 'Invalid value';
  }
}

function pathOf(issue: ZodLikeIssue, prefix: readonly (string | number)[]): (string | number)[] {
  const tail = (issue.path ?? []).map((p) => (typeof p === 'number' ? p : String(p)));
  return [...prefix, ...tail];
}

/**
 * Flattens zod issues into recipe issues: one issue per extra key, pydantic wording everywhere.
 * `prefix` places a sub-document's issues in the recipe (`['source']` for plugin configs).
 */
export function toRecipeIssues(issues: readonly unknown[], prefix: readonly (string | number)[] = []): RecipeIssue[] {
  const out: RecipeIssue[] = [];
  for (const raw of issues) {
    const issue = (raw ?? {}) as ZodLikeIssue;
    const path = pathOf(issue, prefix);
    if (issue.code === 'unrecognized_keys' && issue.keys) {
      for (const key of issue.keys)
        out.push({ path: [...path, key], message: 'Extra inputs are not permitted', atKey: true });
      continue;
    }
    out.push({ path, message: messageFor(issue) });
  }
  return out;
}
