/**
 * `recotem validate` (cli.md §5): load the recipe, build its data source with the typed config
 * (optional dependencies, DSN presence, SSRF guards) and probe it. Never fetches data.
 */
import { DataSourceError, ExitCode } from '../../errors/index.js';
import type { Recipe } from '../../recipe/index.js';
import { FailurePrefix, reportFailure } from '../exit.js';
import type { CliIo } from '../io.js';
import { configureCliLogging } from '../logging.js';
import type { ValidateCommandOptions } from '../options.js';
import { loadRecipeForCli } from '../recipe.js';

interface Closable {
  close?: () => unknown;
}

export async function runValidate(opts: ValidateCommandOptions, io: CliIo): Promise<number> {
  configureCliLogging(io);
  // 1. Schema (no --env-var here: ${RECOTEM_RECIPE_*} must come from the real environment).
  let recipe: Recipe;
  try {
    recipe = await loadRecipeForCli(opts.recipePath, { env: opts.env });
  } catch (err) {
    return reportFailure(io, FailurePrefix.VALIDATION, err);
  }
  io.stdout(`Recipe '${recipe.name}': schema OK`);
  // 2–3. Instantiate the source plugin, then probe it if it can be probed.
  const sourceType = recipe.source.type;
  try {
    const { getSourceRegistry } = await import('../../data/sources/registry.js');
    const registry = await getSourceRegistry();
    const plugin = registry.get(sourceType);
    if (!plugin) throw new DataSourceError(`no data source plugin is registered for type '${sourceType}'`);
    const source = await plugin.create(recipe.source);
    try {
      if (typeof source.probe === 'function') {
        await source.probe();
        io.stdout(`DataSource: probe OK (${sourceType})`);
      } else {
        io.stdout(`DataSource: extras OK (${sourceType}, no probe defined)`);
      }
    } finally {
      await (source as Closable).close?.();
    }
  } catch (err) {
    return reportFailure(io, FailurePrefix.PROBE, err);
  }
  io.stdout('Validation passed.');
  return ExitCode.OK;
}
