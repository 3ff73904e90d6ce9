/**
 * Recipe → cleansed, indexed interactions: fetch through the source plugin with the wrapping rules
 * of the source, then cleanse and map ids.
 */
import {
  DataSourceError,
  errorClassName,
  errorMessage,
  isFatalRuntimeError,
  RecipeError,
  TrainingError,
} from '../errors/index.js';
import { getLogger } from '../log/index.js';
import { type CleanseRecipe, cleanseAndIndex, type Interactions } from './cleanse.js';
import type { DataSource, FetchContext } from './sources/types.js';
import type { InteractionTable } from './table.js';

const log = getLogger('recotem.data');

export interface FetchRecipe extends CleanseRecipe {
  readonly name: string;
  readonly source: { readonly type: string; readonly [field: string]: unknown };
}

/** The registry part this module needs (the plugin registry implements it). */
export interface SourceFactory {
  createSource(config: FetchRecipe['source']): Promise<DataSource>;
}

export interface RunContext {
  readonly recipeName?: string;
  readonly runId: string;
}

/** `ctx.extra` with the schema columns, so sources can fail early on a missing column. */
export function fetchContextFor(recipe: FetchRecipe, ctx: RunContext): FetchContext {
  return {
    recipeName: ctx.recipeName ?? recipe.name,
    runId: ctx.runId,
    extra: {
      user_column: recipe.schema.user_column,
      item_column: recipe.schema.item_column,
      time_column: recipe.schema.time_column ?? null,
    },
  };
}

/**
 * Runs the source's fetch. DataSourceError, TrainingError and RecipeError pass unchanged; any other
 * error is logged as `datasource_unexpected_error` and wrapped in
 * `DataSourceError("Data fetch failed: ...")` with the original as cause (exit 3, or 7 when an
 * HttpFetchError is in the chain). Out-of-memory-like failures are never wrapped.
 */
export async function fetchSourceTable(
  recipe: FetchRecipe,
  ctx: RunContext,
  registry: SourceFactory,
): Promise<InteractionTable> {
  const fetchCtx = fetchContextFor(recipe, ctx);
  const source = await registry.createSource(recipe.source);
  try {
    return await source.fetch(fetchCtx);
  } catch (err) {
    if (err instanceof DataSourceError || err instanceof TrainingError || err instanceof RecipeError) throw err;
    if (isFatalRuntimeError(err)) throw err;
    log.error('datasource_unexpected_error', {
      recipe: fetchCtx.recipeName,
      run_id: fetchCtx.runId,
      exc_class: errorClassName(err),
      error: errorMessage(err),
    });
    throw new DataSourceError(`Data fetch failed: ${errorMessage(err)}`, { cause: err });
  } finally {
    await source.close?.();
  }
}

/** Fetch, then cleanse and index. */
export async function fetchInteractions(
  recipe: FetchRecipe,
  ctx: RunContext,
  registry: SourceFactory,
): Promise<{ table: InteractionTable; interactions: Interactions }> {
  const table = await fetchSourceTable(recipe, ctx, registry);
  return { table, interactions: cleanseAndIndex(table, recipe) };
}
