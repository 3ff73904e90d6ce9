/**
 * Renders docs/reference/api.md from the server's OpenAPI document. Routes, parameters, request
 * fields, constraints and responses come from the document; whether a route needs `X-API-Key` is
 * measured against the running application (see ./openapi.ts), and the prose per route and per
 * error code comes from ./api-notes.ts, checked both ways against the document.
 */
import { ERROR_CODE_NOTES, ROUTE_NOTES, UNDOCUMENTED_ROUTES } from './api-notes.js';
import type { Json } from './schema-summary.js';

const SAFE_MAX = Number.MAX_SAFE_INTEGER;
const METHODS = ['get', 'post', 'put', 'patch', 'delete'];

export interface ApiReferenceInput {
  document: Json;
  /** `METHOD path` → true when a request without a key is refused with 401. */
  authRequired: ReadonlyMap<string, boolean>;
}

function isObject(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Resolves `$ref`s against the schema's own `definitions` first, then `components.schemas`. */
class Resolver {
  constructor(private readonly components: Record<string, Json>) {}

  resolve(node: Json, local: Record<string, Json>): { node: Json; name: string | null } {
    const ref = node.$ref;
    if (typeof ref !== 'string') return { node, name: null };
    const name = ref.slice(ref.lastIndexOf('/') + 1);
    const target = ref.startsWith('#/definitions/') ? (local[name] ?? this.components[name]) : this.components[name];
    if (target === undefined) throw new Error(`OpenAPI document: unresolvable $ref ${ref}`);
    return { node: target, name };
  }
}

function code(text: string): string {
  return `\`${text.replace(/\|/g, '\\|')}\``;
}

function constraints(node: Json): string {
  const parts: string[] = [];
  if (Array.isArray(node.enum)) {
    const values = node.enum.map((v) => code(String(v)));
    parts.push(values.length === 1 ? `always ${values[0]}` : `one of ${values.join(', ')}`);
  }
  if (typeof node.pattern === 'string') parts.push(`matches ${code(node.pattern)}`);
  const rawMin = node.minimum as number | undefined;
  const rawMax = node.maximum as number | undefined;
  // zod writes the safe-integer bounds on every integer; they are not real limits.
  const min = rawMin !== undefined && rawMin > -SAFE_MAX ? rawMin : undefined;
  const max = rawMax !== undefined && rawMax < SAFE_MAX ? rawMax : undefined;
  if (min !== undefined && max !== undefined) parts.push(`${min} to ${max}`);
  else if (min !== undefined) parts.push(`≥ ${min}`);
  else if (max !== undefined) parts.push(`≤ ${max}`);
  parts.push(...sizeText(node.minLength as number | undefined, node.maxLength as number | undefined, 'characters'));
  parts.push(...sizeText(node.minItems as number | undefined, node.maxItems as number | undefined, 'items'));
  return parts.join('; ');
}

function sizeText(min: number | undefined, max: number | undefined, unit: string): string[] {
  if (min !== undefined && min > 0 && max !== undefined) return [`${min} to ${max} ${unit}`];
  if (max !== undefined) return [`at most ${max} ${unit}`];
  if (min === 1 && unit === 'characters') return ['non-empty'];
  if (min !== undefined && min > 0) return [`at least ${min} ${unit}`];
  return [];
}

interface FieldRow {
  name: string;
  type: string;
  required: boolean;
  fallback: string;
  constraint: string;
}

interface InlineObject {
  label: string;
  node: Json;
  local: Record<string, Json>;
}

class SchemaRenderer {
  readonly mentioned = new Set<string>();
  /** Objects defined inline (no schema name), rendered under the schema that holds them. */
  inline: InlineObject[] = [];
  constructor(private readonly resolver: Resolver) {}

  typeOf(node: Json, local: Record<string, Json>, label: string): string {
    const { node: target, name } = this.resolver.resolve(node, local);
    if (name !== null) {
      this.mentioned.add(name);
      return target.type === 'object' ? `[${name}](#${name.toLowerCase()})` : this.typeOf(target, local, label);
    }
    const union = (target.oneOf ?? target.anyOf) as Json[] | undefined;
    if (Array.isArray(union)) {
      const alternatives = union.map((u) => this.typeOf(u, local, variantLabel(label, u)));
      return alternatives.length > 1 ? `(${alternatives.join(' or ')})` : alternatives.join('');
    }
    let type: string;
    if (target.type === 'array') {
      const items = isObject(target.items) ? target.items : {};
      type = `list of ${Object.keys(items).length === 0 ? 'any JSON value' : this.typeOf(items, local, `${label}[]`)}`;
    } else if (target.type === 'object' && isObject(target.properties)) {
      this.inline.push({ label, node: target, local });
      type = `object (${code(label)}, below)`;
    } else if (target.type === 'object') {
      const values = isObject(target.additionalProperties) ? target.additionalProperties : {};
      const valueType = Object.keys(values).length === 0 ? 'any JSON value' : this.typeOf(values, local, `${label}.*`);
      type = `map of string → ${valueType}`;
    } else type = typeof target.type === 'string' ? target.type : 'any JSON value';
    return target.nullable === true ? `${type} (nullable)` : type;
  }

  rows(object: Json, local: Record<string, Json>, label: string): FieldRow[] {
    const properties = (object.properties ?? {}) as Record<string, Json>;
    const required = new Set((object.required as string[] | undefined) ?? []);
    return Object.entries(properties).map(([name, raw]) => {
      const { node } = this.resolver.resolve(raw, local);
      const itemConstraint =
        node.type === 'array' && isObject(node.items) ? constraints(this.resolver.resolve(node.items, local).node) : '';
      return {
        name,
        type: this.typeOf(raw, local, `${label}.${name}`),
        required: required.has(name),
        fallback: 'default' in node ? code(JSON.stringify(node.default)) : '—',
        constraint: [constraints(node), itemConstraint ? `each: ${itemConstraint}` : ''].filter(Boolean).join('; '),
      };
    });
  }

  /** The field table of `object`, then the tables of the inline objects it contains. */
  table(object: Json, local: Record<string, Json>, label: string, withDefaults: boolean): string[] {
    const head = withDefaults
      ? ['| Field | Type | Required | Default | Constraints |', '|---|---|---|---|---|']
      : ['| Field | Type | Always present | Values |', '|---|---|---|---|'];
    const lines = [...head];
    const outer = this.inline;
    this.inline = [];
    for (const r of this.rows(object, local, label)) {
      const cells = withDefaults
        ? [code(r.name), r.type, r.required ? 'yes' : 'no', r.fallback, r.constraint || '—']
        : [code(r.name), r.type, r.required ? 'yes' : 'no', r.constraint || '—'];
      lines.push(`| ${cells.join(' | ')} |`);
    }
    const extra = object.additionalProperties;
    if (isObject(extra) && Object.keys(extra).length === 0) {
      lines.push(
        withDefaults
          ? '| (any other key) | any JSON value | no | — | — |'
          : '| (any other key) | any JSON value | no | — |',
      );
    }
    const nested = this.inline;
    this.inline = outer;
    for (const n of nested) {
      lines.push('', `${code(n.label)}:`, '', ...this.table(n.node, n.local, n.label, withDefaults));
    }
    return lines;
  }
}

/** `results[]` + a variant whose `status` is the single value `ok` → `results[] (status ok)`. */
function variantLabel(label: string, variant: Json): string {
  const props = variant.properties as Record<string, Json> | undefined;
  const status = props?.status?.enum as unknown[] | undefined;
  return Array.isArray(status) && status.length === 1 ? `${label} with status ${String(status[0])}` : label;
}

function jsonBody(holder: Json | undefined): Json | undefined {
  const content = holder?.content as Record<string, Json> | undefined;
  return content?.['application/json']?.schema as Json | undefined;
}

function operationSection(
  key: string,
  operation: Json,
  auth: boolean,
  renderer: SchemaRenderer,
  resolver: Resolver,
): string[] {
  const note = ROUTE_NOTES[key];
  const lines = [`### \`${key}\``, '', note ?? '', ''];
  lines.push(`Authentication: ${auth ? '`X-API-Key` header (401 without a valid key)' : 'none'}.`, '');
  const parameters = (operation.parameters ?? []) as Json[];
  if (parameters.length > 0) {
    lines.push('| Parameter | In | Constraints |', '|---|---|---|');
    for (const p of parameters) {
      lines.push(`| ${code(String(p.name))} | ${p.in} | ${constraints((p.schema ?? {}) as Json) || '—'} |`);
    }
    lines.push('');
  }
  const requestSchema = jsonBody(operation.requestBody as Json | undefined);
  if (requestSchema) {
    const local = (requestSchema.definitions ?? {}) as Record<string, Json>;
    const { node, name } = resolver.resolve(requestSchema, local);
    lines.push(`Request body${name ? ` (${code(name)})` : ''}, JSON; unknown fields are rejected with 422:`, '');
    lines.push(...renderer.table(node, local, name ?? 'body', true), '');
  }
  lines.push('| Status | Body | Headers |', '|---|---|---|');
  const responses = (operation.responses ?? {}) as Record<string, Json>;
  const rows = new Map<string, string>();
  for (const [status, response] of Object.entries(responses)) {
    const schema = jsonBody(response);
    const local = (schema?.definitions ?? {}) as Record<string, Json>;
    const body = schema ? renderer.typeOf(schema, local, 'response') : '—';
    const headers = Object.keys((response.headers ?? {}) as Json).map(code);
    rows.set(status, `| ${status} | ${body} | ${headers.join(', ') || '—'} |`);
  }
  if (auth && !rows.has('401')) rows.set('401', '| 401 | [ErrorResponse](#errorresponse) | — |');
  for (const status of [...rows.keys()].sort()) lines.push(rows.get(status)!);
  lines.push('');
  return lines;
}

function schemaSections(renderer: SchemaRenderer, components: Record<string, Json>): string[] {
  const lines = ['## Schemas', ''];
  const done = new Set<string>();
  // Rendering a schema can mention further schemas; keep going until none is new.
  for (let pass = 0; pass < 8; pass++) {
    const pending = [...renderer.mentioned].filter((n) => !done.has(n)).sort();
    if (pending.length === 0) break;
    for (const name of pending) {
      done.add(name);
      const schema = components[name];
      if (schema === undefined || schema.type !== 'object') continue;
      lines.push(`### ${name}`, '', ...renderer.table(schema, {}, name, false), '');
    }
  }
  return lines;
}

function errorCodeSection(components: Record<string, Json>): string[] {
  const codes = (components.ErrorCode?.enum ?? []) as string[];
  const missing = codes.filter((c) => ERROR_CODE_NOTES[c] === undefined);
  const stale = Object.keys(ERROR_CODE_NOTES).filter((c) => !codes.includes(c));
  if (missing.length > 0 || stale.length > 0) {
    throw new Error(
      `scripts/docs/api-notes.ts ERROR_CODE_NOTES is out of date: missing [${missing.join(', ')}], stale [${stale.join(', ')}]`,
    );
  }
  const lines = ['## Error codes', '', '| `code` | Meaning |', '|---|---|'];
  for (const c of codes) lines.push(`| ${code(c)} | ${ERROR_CODE_NOTES[c]} |`);
  return [...lines, ''];
}

function firstSentence(text: string): string {
  const end = text.indexOf('. ');
  return end < 0 ? text : text.slice(0, end + 1);
}

/** The Markdown text of docs/reference/api.md. */
export function renderApiReference(input: ApiReferenceInput): string {
  const doc = input.document;
  const components = ((doc.components as Json | undefined)?.schemas ?? {}) as Record<string, Json>;
  const resolver = new Resolver(components);
  const renderer = new SchemaRenderer(resolver);
  const info = doc.info as Json;
  const schemes = ((doc.components as Json | undefined)?.securitySchemes ?? {}) as Record<string, Json>;
  const header = Object.values(schemes).find((s) => s.type === 'apiKey')?.name ?? 'X-API-Key';

  const found: Array<{ key: string; operation: Json }> = [];
  for (const path of Object.keys(doc.paths as Json)) {
    const item = (doc.paths as Record<string, Json>)[path];
    for (const method of METHODS) {
      if (isObject(item[method])) found.push({ key: `${method.toUpperCase()} ${path}`, operation: item[method] });
    }
  }
  // Routes appear in the order of ROUTE_NOTES (the order a reader needs them in).
  const order = Object.keys(ROUTE_NOTES);
  const operations = [...found].sort((a, b) => order.indexOf(a.key) - order.indexOf(b.key));
  const keys = operations.map((o) => o.key);
  const missing = keys.filter((k) => ROUTE_NOTES[k] === undefined);
  const stale = Object.keys(ROUTE_NOTES).filter((k) => !keys.includes(k));
  if (missing.length > 0 || stale.length > 0) {
    throw new Error(
      `scripts/docs/api-notes.ts ROUTE_NOTES is out of date: missing [${missing.join(', ')}], stale [${stale.join(', ')}]`,
    );
  }

  const lines = [
    '<!-- Generated by `npm run docs:gen` from the OpenAPI document of `recotem serve`. Do not edit by hand. -->',
    '',
    `# ${info.title} reference (version ${info.version})`,
    '',
    'Every route is under `/v1`. Requests and responses are JSON. When `RECOTEM_API_KEYS` is set, routes',
    `marked with authentication need the \`${header}\` header; without configured keys the server binds to`,
    '127.0.0.1 and accepts every request. Every response carries `X-Request-ID` (a valid incoming',
    'value of up to 128 `[A-Za-z0-9_-]` characters is echoed, otherwise one is generated). The machine-readable',
    'document is [openapi.json](openapi.json).',
    '',
    '| Method | Path | Authentication | Summary |',
    '|---|---|---|---|',
  ];
  for (const { key, operation } of operations) {
    const [method, path] = key.split(' ');
    const auth = input.authRequired.get(key);
    if (auth === undefined) throw new Error(`no authentication probe result for ${key}`);
    const summary = typeof operation.summary === 'string' ? operation.summary : firstSentence(ROUTE_NOTES[key]);
    lines.push(`| ${method} | \`${path}\` | ${auth ? header : 'none'} | ${summary} |`);
  }
  lines.push('', 'Not in the OpenAPI document:', '', ...UNDOCUMENTED_ROUTES.map((r) => `- ${r}`), '', '## Routes', '');
  for (const { key, operation } of operations) {
    lines.push(...operationSection(key, operation, input.authRequired.get(key) === true, renderer, resolver));
  }
  renderer.mentioned.add('ErrorResponse');
  lines.push(...schemaSections(renderer, components), ...errorCodeSection(components));
  return `${lines
    .join('\n')
    .replace(/\n{3,}/g, '\n\n')
    .trimEnd()}\n`;
}
