/**
 * `loadRecipe`: containment, read, parse, top-level check, env expansion, then the
 * validation steps, then artifact-root containment. The first failure wins; every failure is a
 * `RecipeError` that names the file and, where the YAML has the field, its line and column.
 */
import { readFile } from 'node:fs/promises';
import { errorMessage, RecipeError } from '../errors/index.js';
import { getLogger } from '../log/index.js';
import { checkOutputContainment, checkRecipeContainment } from './containment.js';
import { expandRecipeEnv } from './env.js';
import type { Recipe, SourceTypeLookup } from './types.js';
import { isFalsy, isPlainObject, locatedError, type ValidationContext, validateExpandedRecipe } from './validate.js';
import { parseRecipeYaml } from './yaml.js';

const log = getLogger('recotem.recipe');

export interface LoadRecipeOptions {
  /** Registered source types (the data layer's plugin registry). */
  readonly registry: SourceTypeLookup;
  /** `--env-var NAME=VALUE` pairs, looked up before the process environment. */
  readonly envVars?: Readonly<Record<string, string>>;
  /** Process environment used for `${...}` lookups and `RECOTEM_ARTIFACT_ROOT` (default `process.env`). */
  readonly env?: Readonly<Record<string, string | undefined>>;
  /** Set for directory loads: the file's real path must lie inside this directory's real path. */
  readonly recipesRoot?: string;
}

async function readRecipeText(file: string): Promise<string> {
  let bytes: Buffer;
  try {
    bytes = await readFile(file);
  } catch (err) {
    throw new RecipeError(`Cannot read recipe file '${file}': ${errorMessage(err)}`, {
      category: 'io',
      file,
      cause: err,
    });
  }
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch (err) {
    throw new RecipeError(`Cannot read recipe file '${file}': the file is not valid UTF-8`, {
      category: 'io',
      file,
      cause: err,
    });
  }
}

/** Steps 3–12 on recipe text already read from `file`. */
export function loadRecipeText(text: string, file: string, opts: LoadRecipeOptions): Recipe {
  const { data, locate } = parseRecipeYaml(text, file);
  const base = { file, locate };
  if (!isPlainObject(data)) {
    throw new RecipeError(`Recipe '${file}' must be a YAML mapping at the top level.`, { category: 'parse', file });
  }
  const env = opts.env ?? process.env;
  const expanded = expandRecipeEnv(data, {
    envVars: opts.envVars,
    env,
    sourceNoExpandFields: sourceNoExpandFields(data, base, opts.registry),
    onEmpty: (name) => log.warn('recipe_env_var_empty', { name }),
    fail: (message, path) => {
      throw locatedError(base, message, 'unknown', path);
    },
  });
  const ctx: ValidationContext = { ...base, registry: opts.registry };
  const recipe = validateExpandedRecipe(expanded, ctx);
  try {
    checkOutputContainment(recipe.output.path, env);
  } catch (err) {
    if (err instanceof RecipeError)
      throw locatedError(base, err.message, err.category, ['output', 'path'], { cause: err.cause });
    throw err;
  }
  log.info('recipe_loaded', { name: recipe.name, path: file });
  return recipe;
}

/** Step 5's plugin lookup: the raw `source.type` decides which keys escape expansion. */
function sourceNoExpandFields(
  data: Record<string, unknown>,
  ctx: Pick<ValidationContext, 'file' | 'locate'>,
  registry: SourceTypeLookup,
): ReadonlySet<string> | undefined {
  const source = data.source;
  if (!isPlainObject(source) || isFalsy(source.type)) return undefined;
  const type = String(source.type);
  let info: ReturnType<SourceTypeLookup['get']>;
  let known: string[];
  try {
    info = registry.get(type);
    known = info ? [] : [...registry.knownTypes()].sort();
  } catch (err) {
    throw locatedError(
      ctx,
      `Failed to resolve source plugin '${type}' during recipe load: ${errorMessage(err)}`,
      'schema',
      ['source', 'type'],
      { cause: err },
    );
  }
  if (!info) {
    throw locatedError(
      ctx,
      `plugin source discovery failed for type '${type}': Unknown DataSource type '${type}'. ` +
        `Known types: [${known.map((t) => `'${t}'`).join(', ')}].`,
      'schema',
      ['source', 'type'],
    );
  }
  return info.noExpandFields;
}

/** Loads and validates one recipe file. */
export async function loadRecipe(file: string, opts: LoadRecipeOptions): Promise<Recipe> {
  if (opts.recipesRoot !== undefined) checkRecipeContainment(file, opts.recipesRoot);
  const text = await readRecipeText(file);
  return loadRecipeText(text, file, opts);
}
