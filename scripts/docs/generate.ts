/**
 * Everything `npm run docs:gen` writes, computed in memory so that the docs test can compare it
 * with the committed files. Output is deterministic: no timestamps, keys sorted where their order
 * carries no meaning, built-in data sources only (plugins installed on the machine are ignored).
 */
import { buildSourceRegistry } from '../../src/data/sources/registry.js';
import { recipeJsonSchema, sourceConfigDefName } from '../../src/recipe/index.js';
import { renderApiReference } from './api-reference.js';
import { openApiSnapshot } from './openapi.js';
import { renderRecipeReference } from './recipe-reference.js';
import type { Json } from './schema-summary.js';

export interface GeneratedFile {
  /** Relative to the repository root. */
  path: string;
  content: string;
}

/** Objects whose key order is meaningful (field order of a schema) keep it; others are sorted. */
const ORDERED_PARENTS = new Set(['properties']);

export function stableJson(value: unknown): string {
  const normalise = (node: unknown, parentKey: string | null): unknown => {
    if (Array.isArray(node)) return node.map((v) => normalise(v, null));
    if (typeof node !== 'object' || node === null) return node;
    const keys = Object.keys(node);
    if (parentKey === null || !ORDERED_PARENTS.has(parentKey)) keys.sort();
    const out: Record<string, unknown> = {};
    for (const key of keys) out[key] = normalise((node as Record<string, unknown>)[key], key);
    return out;
  };
  return `${JSON.stringify(normalise(value, null), null, 2)}\n`;
}

export async function recipeSchemaForDocs(): Promise<Json> {
  // Only the built-ins, each registered as if its optional driver were installed.
  const registry = await buildSourceRegistry({ env: {}, nodeModulesDirs: [], isModuleAvailable: () => true });
  return recipeJsonSchema(registry) as Json;
}

export async function generateDocs(): Promise<GeneratedFile[]> {
  const schema = await recipeSchemaForDocs();
  const openApi = await openApiSnapshot();
  return [
    { path: 'docs/reference/recipe.md', content: renderRecipeReference(schema, sourceConfigDefName) },
    { path: 'docs/reference/recipe.schema.json', content: stableJson(schema) },
    { path: 'docs/reference/api.md', content: renderApiReference(openApi) },
    { path: 'docs/reference/openapi.json', content: stableJson(openApi.document) },
  ];
}
