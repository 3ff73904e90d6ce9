/**
 * Turns one JSON Schema node of the recipe schema into the few facts a reader needs: the type,
 * the allowed values or range, and whether it is nullable. The recipe schema spells out lax
 * coercion (numeric strings, `yes`/`no` booleans) as extra `anyOf` branches; those are folded
 * into the typed branch here, and the reference explains the coercion once.
 */

export type Json = Record<string, unknown>;

export interface FieldSummary {
  /** Human type: `string`, `integer`, `list of string`, `map string → integer`, ... */
  type: string;
  /** Constraint text (allowed values, range, pattern, item counts), '' when none. */
  constraint: string;
  nullable: boolean;
  /** The object schema when the field is a nested section (after unwrapping null). */
  object: Json | null;
}

export interface SummaryOptions {
  /** Known patterns rendered as words instead of regular expressions. */
  namedPatterns: ReadonlyMap<string, string>;
  /** Text for a path-policy constrained string (`allOf: [string, not ...]`). */
  pathText: string;
}

const CHOICE = /^\^\(([A-Za-z0-9_|-]+)\)\$$/;

function isObject(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function branches(node: Json): Json[] | null {
  const list = node.anyOf ?? node.oneOf;
  return Array.isArray(list) ? (list.filter(isObject) as Json[]) : null;
}

function isNullSchema(node: Json): boolean {
  return node.type === 'null';
}

/** A string branch that only exists to accept lax spellings of a number or boolean. */
function isCoercionBranch(node: Json): boolean {
  if (node.type === 'string' && typeof node.pattern === 'string') return true;
  return Array.isArray(node.enum) && node.enum.every((v) => v === 0 || v === 1);
}

const TYPED = new Set(['integer', 'number', 'boolean']);

/** Removes `null` and lax-coercion branches; returns the remaining schema and nullability. */
export function unwrap(node: Json): { core: Json; nullable: boolean } {
  let nullable = false;
  let current = node;
  for (let depth = 0; depth < 4; depth++) {
    if (Array.isArray(current.type) && current.type.includes('null')) {
      const rest = current.type.filter((t) => t !== 'null');
      nullable = true;
      current = { ...current, type: rest.length === 1 ? rest[0] : rest };
      continue;
    }
    const list = branches(current);
    if (!list) break;
    const nonNull = list.filter((b) => !isNullSchema(b));
    if (nonNull.length < list.length) nullable = true;
    const typed = nonNull.filter((b) => TYPED.has(b.type as string));
    if (typed.length === 1 && nonNull.every((b) => b === typed[0] || isCoercionBranch(b))) {
      current = typed[0];
      continue;
    }
    if (nonNull.length === 1) {
      current = nonNull[0];
      continue;
    }
    break;
  }
  return { core: current, nullable };
}

function code(text: string): string {
  return `\`${text.replace(/\|/g, '\\|')}\``;
}

function range(node: Json): string {
  const parts: string[] = [];
  const min = node.minimum as number | undefined;
  const max = node.maximum as number | undefined;
  const xmin = node.exclusiveMinimum as number | undefined;
  const xmax = node.exclusiveMaximum as number | undefined;
  if (min !== undefined && max !== undefined) return `${min} to ${max}`;
  if (min !== undefined) parts.push(`≥ ${min}`);
  if (xmin !== undefined) parts.push(`> ${xmin}`);
  if (max !== undefined) parts.push(`≤ ${max}`);
  if (xmax !== undefined) parts.push(`< ${xmax}`);
  return parts.join(' and ');
}

function typeName(node: Json, opts: SummaryOptions): string {
  if (Array.isArray(node.type)) return node.type.join(', ');
  if (node.const !== undefined) return 'string';
  if (node.type === 'array') {
    const items = isObject(node.items) ? summarise(node.items, opts).type : 'any';
    return `list of ${items}`;
  }
  if (node.type === 'object' && !isObject(node.properties)) {
    const values = isObject(node.additionalProperties) ? node.additionalProperties : {};
    const valueType = Object.keys(values).length === 0 ? 'any value' : summarise(values, opts).type;
    return `map of string → ${valueType}`;
  }
  if (Array.isArray(node.allOf)) return 'string';
  return typeof node.type === 'string' ? node.type : 'any';
}

function constraintOf(node: Json, opts: SummaryOptions): string {
  const parts: string[] = [];
  if (node.const !== undefined) parts.push(`always ${code(String(node.const))}`);
  if (typeof node.pattern === 'string') {
    const named = opts.namedPatterns.get(node.pattern);
    const choice = CHOICE.exec(node.pattern);
    if (named !== undefined) parts.push(named);
    else if (choice) parts.push(`one of ${choice[1].split('|').map(code).join(', ')}`);
    else parts.push(`matches ${code(node.pattern)}`);
  }
  if (Array.isArray(node.allOf) && node.allOf.some((p) => isObject(p) && 'not' in p)) parts.push(opts.pathText);
  const r = range(node);
  if (r) parts.push(r);
  if (node.minLength === 1) parts.push('non-empty');
  else if (typeof node.minLength === 'number') parts.push(`at least ${node.minLength} characters`);
  if (typeof node.minItems === 'number') parts.push(`at least ${node.minItems} item${node.minItems === 1 ? '' : 's'}`);
  if (typeof node.maxItems === 'number') parts.push(`at most ${node.maxItems} items`);
  if (node.type === 'array' && isObject(node.items)) {
    const inner = constraintOf(unwrap(node.items).core, opts);
    if (inner) parts.push(`each: ${inner}`);
  }
  if (node.type === 'object' && isObject(node.propertyNames)) {
    const keys = constraintOf(node.propertyNames, opts);
    if (keys) parts.push(`keys: ${keys}`);
  }
  return parts.join('; ');
}

/** Type, constraint and nullability of one property schema. */
export function summarise(node: Json, opts: SummaryOptions): FieldSummary {
  const { core, nullable } = unwrap(node);
  const object = core.type === 'object' && isObject(core.properties) ? core : null;
  return { type: object ? 'section' : typeName(core, opts), constraint: constraintOf(core, opts), nullable, object };
}

/** A default value as the reference shows it. */
export function renderDefault(node: Json, required: boolean): string {
  if (required) return '—';
  if (!('default' in node)) return '(absent)';
  const value = node.default;
  if (value === null) return '`null`';
  if (isObject(value) && Object.keys(value).length === 0 && isObject(unwrap(node).core.properties)) {
    return 'all defaults';
  }
  if (typeof value === 'string') return value === '' ? '`""`' : code(value);
  return code(JSON.stringify(value));
}
