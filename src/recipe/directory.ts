/**
 * Loading every `*.yaml` directly inside a directory: strict for training-side
 * callers (first failure aborts), lenient for `serve` (every file reported, good ones kept).
 */
import { readdir, realpath, stat } from 'node:fs/promises';
import * as path from 'node:path';
import { errorClassName, errorMessage, isFatalRuntimeError, RecipeError } from '../errors/index.js';
import { getLogger } from '../log/index.js';
import { type LoadRecipeOptions, loadRecipe } from './loader.js';
import { compareCodePoints } from './text.js';
import type { Recipe } from './types.js';

const log = getLogger('recotem.recipe');

export type DirectoryLoadOptions = Omit<LoadRecipeOptions, 'recipesRoot'>;

export interface LenientRecipeResult {
  readonly path: string;
  readonly recipe: Recipe | null;
  readonly error: Error | null;
}

async function resolveRoot(dir: string): Promise<string> {
  let root: string;
  try {
    root = await realpath(path.resolve(dir));
    if ((await stat(root)).isDirectory()) return root;
  } catch {
    // Reported below with the path the caller gave.
  }
  throw new RecipeError(`Recipes directory '${path.resolve(dir)}' does not exist or is not a directory.`, {
    category: 'io',
  });
}

/** Direct children named `*.yaml` that are files (symlinks to files count), in sorted order. */
async function recipeFiles(root: string): Promise<string[]> {
  const entries = await readdir(root, { withFileTypes: true });
  const files: string[] = [];
  for (const entry of entries) {
    if (!entry.name.endsWith('.yaml')) continue;
    const full = path.join(root, entry.name);
    if (entry.isFile()) files.push(full);
    else if (entry.isSymbolicLink()) {
      try {
        if ((await stat(full)).isFile()) files.push(full);
      } catch {
        // A dangling link is not a recipe file.
      }
    }
  }
  return files.sort(compareCodePoints);
}

function duplicateNameError(name: string, file: string, firstFile: string): RecipeError {
  return new RecipeError(
    `Duplicate recipe name '${name}' found in '${file}' and '${firstFile}'. Each recipe in a directory must have a unique name.`,
    { category: 'schema', file },
  );
}

/** Strict: the first failing file or duplicate name aborts the whole load. */
export async function loadRecipesDirectory(dir: string, opts: DirectoryLoadOptions): Promise<Recipe[]> {
  const root = await resolveRoot(dir);
  const recipes: Recipe[] = [];
  const firstFileByName = new Map<string, string>();
  for (const file of await recipeFiles(root)) {
    const recipe = await loadRecipe(file, { ...opts, recipesRoot: root });
    const first = firstFileByName.get(recipe.name);
    if (first !== undefined) throw duplicateNameError(recipe.name, file, first);
    firstFileByName.set(recipe.name, file);
    recipes.push(recipe);
  }
  log.info('recipes_directory_loaded', { path: root, count: recipes.length });
  return recipes;
}

/** Lenient: every file gets a result; failures are logged and skipped; the first of a name wins. */
export async function loadRecipesDirectoryLenient(
  dir: string,
  opts: DirectoryLoadOptions,
): Promise<LenientRecipeResult[]> {
  const root = await resolveRoot(dir);
  const results: LenientRecipeResult[] = [];
  const firstFileByName = new Map<string, string>();
  for (const file of await recipeFiles(root)) {
    let recipe: Recipe;
    try {
      recipe = await loadRecipe(file, { ...opts, recipesRoot: root });
    } catch (err) {
      if (isFatalRuntimeError(err)) throw err;
      const error = err instanceof Error ? err : new Error(String(err));
      if (err instanceof RecipeError && err.category === 'security') {
        log.error('recipe_security_violation_skipped', {
          file,
          error_class: errorClassName(err),
          error: errorMessage(err),
          category: err.category,
        });
      } else {
        log.warn('recipe_load_error_skipped', { file, error_class: errorClassName(err), error: errorMessage(err) });
      }
      results.push({ path: file, recipe: null, error });
      continue;
    }
    const first = firstFileByName.get(recipe.name);
    if (first !== undefined) {
      log.warn('recipe_duplicate_name_skipped', { file, name: recipe.name });
      results.push({ path: file, recipe: null, error: duplicateNameError(recipe.name, file, first) });
      continue;
    }
    firstFileByName.set(recipe.name, file);
    results.push({ path: file, recipe, error: null });
  }
  const ok = results.filter((r) => r.recipe !== null).length;
  log.info('recipes_directory_loaded_lenient', { path: root, ok, errors: results.length - ok });
  return results;
}
