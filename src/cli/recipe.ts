/**
 * Recipe loading for the commands: discover the source plugins, then load the recipe against
 * them. Both modules are imported lazily so `--help` and `keygen` never load zod or the sources.
 */
import { errorMessage, isFatalRuntimeError, RecipeError } from '../errors/index.js';
import type { Recipe } from '../recipe/index.js';

export interface CliRecipeOptions {
  envVars?: Record<string, string>;
  env: NodeJS.ProcessEnv;
}

/**
 * Loads one recipe. Every failure, plugin discovery included, arrives as a RecipeError (exit 2),
 * as the original loader guarantees (cli.md §2.2 step 6); fatal runtime errors propagate.
 */
export async function loadRecipeForCli(recipePath: string, opts: CliRecipeOptions): Promise<Recipe> {
  const [{ loadRecipe }, { getSourceRegistry }] = await Promise.all([
    import('../recipe/index.js'),
    import('../data/sources/registry.js'),
  ]);
  let registry: Awaited<ReturnType<typeof getSourceRegistry>>;
  try {
    registry = await getSourceRegistry();
  } catch (err) {
    if (isFatalRuntimeError(err) || err instanceof RecipeError) throw err;
    throw new RecipeError(`Data source plugin discovery failed: ${errorMessage(err)}`, { cause: err });
  }
  return loadRecipe(recipePath, { registry, envVars: opts.envVars, env: opts.env });
}
