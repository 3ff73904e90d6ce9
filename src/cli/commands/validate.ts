/**
 * `recotem validate` (cli.md §5): load the recipe, build its data source with the typed config
 * (optional dependencies, DSN presence, SSRF guards) and probe it. Never fetches data.
 */
import { ExitCode } from '../../errors/index.js';
import { FailurePrefix, reportFailure } from '../exit.js';
import type { CliIo } from '../io.js';
import { configureCliLogging } from '../logging.js';
import type { ValidateCommandOptions } from '../options.js';
import { loadRecipeForCli } from '../recipe.js';

export async function runValidate(opts: ValidateCommandOptions, io: CliIo): Promise<number> {
  configureCliLogging(io);
  // 1. Schema (no --env-var here: ${RECOTEM_RECIPE_*} must come from the real environment).
  let loaded: Awaited<ReturnType<typeof loadRecipeForCli>>;
  try {
    loaded = await loadRecipeForCli(opts.recipePath, { env: opts.env });
  } catch (err) {
    return reportFailure(io, FailurePrefix.VALIDATION, err);
  }
  const { recipe, registry } = loaded;
  io.stdout(`Recipe '${recipe.name}': schema OK`);
  // 2–3. Instantiate the source plugin with the typed config, then probe it if it can be probed.
  const sourceType = recipe.source.type;
  try {
    const source = await registry.createSource(recipe.source);
    try {
      if (typeof source.probe === 'function') {
        await source.probe();
        io.stdout(`DataSource: probe OK (${sourceType})`);
      } else {
        io.stdout(`DataSource: extras OK (${sourceType}, no probe defined)`);
      }
    } finally {
      await source.close?.();
    }
  } catch (err) {
    return reportFailure(io, FailurePrefix.PROBE, err);
  }
  io.stdout('Validation passed.');
  return ExitCode.OK;
}
