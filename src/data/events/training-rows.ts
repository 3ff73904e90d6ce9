/**
 * Training on events (`events.include_in_training`): the recipe's stored events within retention
 * become extra source rows before cleansing, so dedup, the minimum checks, the split and the
 * search treat them exactly like rows of the source.
 */
import type { Recipe } from '../../recipe/index.js';
import { resolveEventStore } from '../../recipe/index.js';
import { idCodes } from '../ids.js';
import { type CellValue, type Column, ColumnBuilder, cellAt, InteractionTable } from '../table.js';
import { openEventStore } from './open.js';
import type { TrainingEvent } from './types.js';

const DAY_MS = 86_400_000;
const PER_MS: Record<'s' | 'ms' | 'us' | 'ns', number> = { s: 1e-3, ms: 1, us: 1e3, ns: 1e6 };

export interface StoredTrainingEvents {
  events: TrainingEvent[];
  /** When the store was read (epoch ms): serving folds in only events received after this. */
  readAtMs: number;
}

/** The recipe's events within retention, read once; weight-0 events are left out. */
export async function readTrainingEvents(recipe: Recipe, now = Date.now()): Promise<StoredTrainingEvents> {
  const options = recipe.events;
  if (options === null) return { events: [], readAtMs: now };
  const store = await openEventStore(resolveEventStore(recipe));
  try {
    const events = await store.forTraining(recipe.name, now - options.retention_days * DAY_MS);
    return { events: events.filter((e) => e.weight > 0), readAtMs: now };
  } finally {
    await store.close();
  }
}

/** Id column as the strings cleansing would make of it (null ids stay null). */
function idStrings(col: Column, keepNulls: boolean, extra: readonly string[]): Column {
  const { codes, strings } = idCodes(col, keepNulls);
  const out = new ColumnBuilder('string');
  for (let r = 0; r < codes.length; r++) out.append(codes[r] < 0 ? null : strings[codes[r]]);
  for (const id of extra) out.append(id);
  return out.finish();
}

/** An event time in the representation of the source's time column. */
function timeCell(col: Column, ms: number, unit: 's' | 'ms' | 'us' | 'ns' | null): CellValue {
  if (col.type === 'int' || col.type === 'float') return ms * PER_MS[unit ?? 's'];
  if (col.type === 'timestamp') return new Date(ms);
  return new Date(ms).toISOString();
}

/** `table` (only the columns training reads) followed by one row per event. */
export function appendEventRows(
  table: InteractionTable,
  recipe: Recipe,
  events: readonly TrainingEvent[],
): InteractionTable {
  if (events.length === 0) return table;
  const { user_column, item_column, time_column, time_unit } = recipe.schema;
  const keepNulls = !recipe.cleansing.drop_null_ids;
  const columns: [string, Column][] = [];
  // A missing id column is left for cleansing to report with its usual message.
  if (!table.hasColumn(user_column) || !table.hasColumn(item_column)) return table;
  columns.push([
    user_column,
    idStrings(
      table.column(user_column),
      keepNulls,
      events.map((e) => e.userId),
    ),
  ]);
  columns.push([
    item_column,
    idStrings(
      table.column(item_column),
      keepNulls,
      events.map((e) => e.itemId),
    ),
  ]);
  if (time_column !== null && table.hasColumn(time_column)) {
    const col = table.column(time_column);
    const out = new ColumnBuilder(col.type);
    for (let r = 0; r < table.rowCount; r++) out.append(cellAt(col, r));
    for (const e of events) out.append(timeCell(col, e.tsMs, time_unit));
    columns.push([time_column, out.finish()]);
  }
  return new InteractionTable(columns);
}
