/**
 * Early check of the schema columns: the pipeline passes
 * `user_column` / `item_column` / `time_column` in `ctx.extra`, and a source whose table lacks the
 * user or item column fails with a DataSourceError naming it (exit 3).
 */
import { DataSourceError } from '../../errors/index.js';
import { availableColumnsText, type TableShape } from '../column-list.js';
import type { InteractionTable } from '../table.js';
import type { FetchContext } from './types.js';

export interface SchemaColumns {
  user: string | null;
  item: string | null;
  time: string | null;
}

export function schemaColumnsOf(ctx: FetchContext): SchemaColumns {
  const pick = (k: string) => {
    const v = ctx.extra?.[k];
    return typeof v === 'string' && v !== '' ? v : null;
  };
  return { user: pick('user_column'), item: pick('item_column'), time: pick('time_column') };
}

/**
 * `required column '<c>' not found in source '<path>'; available columns: [...]`, the list only
 * when the source reads as a table (see availableColumnsText).
 */
export function missingColumnError(column: string, source: string, table: TableShape): DataSourceError {
  return new DataSourceError(
    `required column '${column}' not found in source '${source}'; ${availableColumnsText(table)}`,
  );
}

/** Throws for the first of user/item column missing from `table` (the time column is optional). */
export function requireSchemaColumns(table: InteractionTable, ctx: FetchContext, source: string): void {
  const cols = schemaColumnsOf(ctx);
  for (const c of [cols.user, cols.item]) {
    if (c !== null && !table.hasColumn(c)) throw missingColumnError(c, source, table);
  }
}
