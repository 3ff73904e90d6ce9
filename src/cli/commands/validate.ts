/**
 * `recotem validate`: load the recipe, build its data source with the typed config (optional
 * dependencies, DSN presence, SSRF guards), probe it, then check the schema's columns against the
 * source's header, Parquet schema or query description, and `item_metadata`'s columns against its
 * file, with the messages train and serve give. Never fetches the data itself.
 */

import type { TableShape } from '../../data/column-list.js';
import { ExitCode } from '../../errors/index.js';
import type { Recipe } from '../../recipe/index.js';
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
  // 2–3. Instantiate the source plugin with the typed config, probe it, then read its columns.
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
      // Plugins without a column reader keep the probe's verdict alone.
      if (typeof source.columns === 'function') io.stdout(await checkSourceColumns(recipe, await source.columns()));
    } finally {
      await source.close?.();
    }
  } catch (err) {
    return reportFailure(io, FailurePrefix.PROBE, err);
  }
  // 4. Item metadata: the columns the server will need when it loads the model.
  if (recipe.item_metadata) {
    try {
      const { checkMetadataColumns } = await import('../../data/metadata-columns.js');
      const meta = recipe.item_metadata;
      const check = await checkMetadataColumns(meta);
      if (check.columns === null) io.stdout('Item metadata: columns not checked (remote file)');
      else {
        const filled = check.filledWithNull.length > 0 ? `; ${check.filledWithNull.join(', ')} filled with null` : '';
        io.stdout(`Item metadata: columns OK (${meta.item_id_column}; ${meta.fields.join(', ')}${filled})`);
      }
    } catch (err) {
      return reportFailure(io, FailurePrefix.METADATA, err);
    }
  }
  // 5. The event store: the server writes to it and training may read it.
  if (recipe.events) {
    try {
      const { probeEventStore } = await import('../../data/events/index.js');
      const { resolveEventStore } = await import('../../recipe/index.js');
      io.stdout(await probeEventStore(resolveEventStore(recipe)));
    } catch (err) {
      return reportFailure(io, FailurePrefix.PROBE, err);
    }
  }
  io.stdout('Validation passed.');
  return ExitCode.OK;
}

/** The schema columns against the source's; throws the error `recotem train` would end with. */
async function checkSourceColumns(recipe: Recipe, shape: TableShape | null): Promise<string> {
  if (shape === null) return 'DataSource: columns not checked (not readable without fetching)';
  const { missingColumnError } = await import('../../data/sources/required-columns.js');
  const { redactUrl } = await import('../../data/uri.js');
  const path = (recipe.source as { path?: unknown }).path;
  const label = typeof path === 'string' ? redactUrl(path) : recipe.source.type;
  const { user_column, item_column, time_column } = recipe.schema;
  const columns = shape.columnNames;
  for (const c of [user_column, item_column]) {
    if (!columns.includes(c)) throw missingColumnError(c, label, shape);
  }
  const used = [user_column, item_column];
  if (time_column) {
    // Training treats a time column it cannot find as absent; say so before it does.
    if (!columns.includes(time_column)) {
      return `DataSource: columns OK (${used.join(', ')}); warning: time_column '${time_column}' not found in the source`;
    }
    used.push(time_column);
  }
  return `DataSource: columns OK (${used.join(', ')})`;
}
