/** `recotem schema`: the recipe JSON Schema with every registered source plugin. */
import { ExitCode } from '../../errors/index.js';
import { FailurePrefix, reportFailure } from '../exit.js';
import type { CliIo } from '../io.js';
import { configureCliLogging } from '../logging.js';
import { sourceRegistry } from '../recipe.js';

export async function runSchema(io: CliIo): Promise<number> {
  // Logging first, so plugin-discovery records go to stderr and never into the JSON on stdout.
  configureCliLogging(io);
  try {
    const { recipeJsonSchema } = await import('../../recipe/index.js');
    const schema = recipeJsonSchema(await sourceRegistry(io.env));
    io.stdout(JSON.stringify(schema, null, 2));
    return ExitCode.OK;
  } catch (err) {
    return reportFailure(io, FailurePrefix.SCHEMA, err);
  }
}
