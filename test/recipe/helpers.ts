/** Shared fixtures for the recipe tests: temp folders, a registry of the built-ins, a base recipe. */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { stringify } from 'yaml';
import { buildSourceRegistry, type SourceRegistry } from '../../src/data/sources/registry.js';
import { RecipeError } from '../../src/errors/index.js';
import { type LoadRecipeOptions, loadRecipeText, type Recipe } from '../../src/recipe/index.js';

let registryPromise: Promise<SourceRegistry> | undefined;

/** The built-in sources only (no node_modules scan, no RECOTEM_PLUGINS). */
export function builtinRegistry(): Promise<SourceRegistry> {
  registryPromise ??= buildSourceRegistry({ nodeModulesDirs: [], env: {} });
  return registryPromise;
}

export interface TempDir {
  readonly dir: string;
  file(name: string, text: string): string;
  cleanup(): void;
}

export function tempDir(prefix = 'recotem-recipe-'): TempDir {
  const dir = mkdtempSync(path.join(tmpdir(), prefix));
  return {
    dir,
    file(name, text) {
      const full = path.join(dir, name);
      writeFileSync(full, text);
      return full;
    },
    cleanup() {
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** A small valid recipe as plain data; tests mutate copies of it. */
export function baseRecipe(): Record<string, unknown> {
  return {
    name: 'movies',
    source: { type: 'csv', path: './ratings.csv' },
    schema: { user_column: 'user_id', item_column: 'item_id' },
    training: { algorithms: ['IALS', 'TopPop'] },
    output: { path: './movies.recotem' },
  };
}

/** YAML text for `data` written the way a person would (1.1 so that words like `yes` stay quoted). */
export function toYaml(data: unknown): string {
  return stringify(data, { version: '1.1' });
}

/** Loads recipe text with the built-in registry and an empty environment unless given. */
export async function load(text: string, opts: Partial<LoadRecipeOptions> = {}, file = 'recipe.yaml'): Promise<Recipe> {
  const registry = opts.registry ?? (await builtinRegistry());
  return loadRecipeText(text, file, { env: {}, ...opts, registry });
}

/** The RecipeError thrown by loading `text` (fails the test if loading succeeds). */
export async function loadError(
  text: string,
  opts: Partial<LoadRecipeOptions> = {},
  file = 'recipe.yaml',
): Promise<RecipeError> {
  try {
    await load(text, opts, file);
  } catch (err) {
    if (err instanceof RecipeError) return err;
    throw err;
  }
  throw new Error('expected the recipe to be rejected');
}

/** Deep copy of `base` with `value` set at a dotted path (`undefined` deletes the key). */
export function withField(base: Record<string, unknown>, dotted: string, value: unknown): Record<string, unknown> {
  const copy = structuredClone(base);
  const parts = dotted.split('.');
  let node = copy as Record<string, unknown>;
  for (const part of parts.slice(0, -1)) {
    if (typeof node[part] !== 'object' || node[part] === null) node[part] = {};
    node = node[part] as Record<string, unknown>;
  }
  const last = parts[parts.length - 1];
  if (value === undefined) delete node[last];
  else node[last] = value;
  return copy;
}
