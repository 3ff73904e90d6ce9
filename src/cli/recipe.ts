/**
 * Recipe loading for the commands: discover the source plugins, then load the recipe against
 * them. Both modules are imported lazily so `--help` and `keygen` never load zod or the sources.
 */
import type { SourceRegistry } from '../data/sources/registry.js';
import { errorMessage, isFatalRuntimeError, RecipeError } from '../errors/index.js';
import type { Recipe } from '../recipe/index.js';

export interface CliRecipeOptions {
  envVars?: Record<string, string>;
  env: NodeJS.ProcessEnv;
}

/** The process-wide source plugin registry (RECOTEM_PLUGINS read from `env` on first build). */
export async function sourceRegistry(env: NodeJS.ProcessEnv): Promise<SourceRegistry> {
  const { getSourceRegistry } = await import('../data/sources/registry.js');
  return getSourceRegistry({ env });
}

/**
 * Loads one recipe. Every failure, plugin discovery included, arrives as a RecipeError (exit 2),
 * as the original loader guarantees; fatal runtime errors propagate.
 */
export async function loadRecipeForCli(
  recipePath: string,
  opts: CliRecipeOptions,
): Promise<{ recipe: Recipe; registry: SourceRegistry }> {
  const { loadRecipe } = await import('../recipe/index.js');
  let registry: SourceRegistry;
  try {
    registry = await sourceRegistry(opts.env);
  } catch (err) {
    if (isFatalRuntimeError(err) || err instanceof RecipeError) throw err;
    throw new RecipeError(`Data source plugin discovery failed: ${errorMessage(err)}`, { cause: err });
  }
  const recipe = await loadRecipe(recipePath, { registry, envVars: opts.envVars, env: opts.env });
  return { recipe, registry };
}
