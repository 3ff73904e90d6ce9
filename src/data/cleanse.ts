/**
 * Cleansing and id mapping: drop null ids, string-coerce ids, parse the
 * time column, de-duplicate (user, item) pairs in source order, apply the min-data gates, and index
 * users and items by their sorted id strings. Everything runs on flat typed arrays.
 */
import { MinDataViolation } from '../errors/index.js';
import { idCodes, sortCodesById } from './ids.js';
import { missingColumnError } from './sources/required-columns.js';
import type { InteractionTable } from './table.js';
import { type TimeUnit, timeColumnMs } from './time.js';

export interface SchemaSpec {
  readonly user_column: string;
  readonly item_column: string;
  readonly time_column?: string | null;
  readonly time_unit?: TimeUnit | null;
}

export interface CleansingSpec {
  readonly drop_null_ids: boolean;
  readonly dedup: 'keep_first' | 'keep_last' | 'none';
  readonly min_rows?: number | null;
  readonly min_users?: number | null;
  readonly min_items?: number | null;
}

export interface CleansingStats {
  n_rows: number;
  n_users: number;
  n_items: number;
  drop_count: number;
  dedup_policy: string;
}

export interface Interactions {
  /** rows in source order after cleansing */
  readonly nRows: number;
  /** sorted distinct user ids (Python string order, i.e. by code point) */
  readonly userIds: readonly string[];
  /** sorted distinct item ids */
  readonly itemIds: readonly string[];
  /** per row, index into userIds */
  readonly userIndex: Int32Array;
  /** per row, index into itemIds */
  readonly itemIndex: Int32Array;
  /** per row UTC epoch ms (NaN where missing) when schema.time_column is set and present */
  readonly timeMs: Float64Array | null;
  readonly stats: CleansingStats;
}

export interface CleanseRecipe {
  readonly schema: SchemaSpec;
  readonly cleansing: CleansingSpec;
  /** Used only to name the source in the missing-column message. */
  readonly source?: { readonly type: string; readonly path?: unknown };
}

/** Name of the source in messages: its path, else its type. */
export function sourceLabel(recipe: CleanseRecipe): string {
  const p = recipe.source?.path;
  return typeof p === 'string' ? p : (recipe.source?.type ?? 'source');
}

export function cleanseAndIndex(table: InteractionTable, recipe: CleanseRecipe): Interactions {
  const { schema, cleansing } = recipe;
  for (const c of [schema.user_column, schema.item_column]) {
    if (!table.hasColumn(c)) throw missingColumnError(c, sourceLabel(recipe), table);
  }
  const total = table.rowCount;
  const keepNulls = !cleansing.drop_null_ids;
  const users = idCodes(table.column(schema.user_column), keepNulls);
  const items = idCodes(table.column(schema.item_column), keepNulls);

  // Step 1: rows with a null user or item id go (only possible when dropping). `rows` lists the
  // surviving source rows, or is null when every row survives.
  let rows: Int32Array | null = null;
  let uc = users.codes;
  let ic = items.codes;
  let nulls = 0;
  for (let r = 0; r < total; r++) if (uc[r] < 0 || ic[r] < 0) nulls++;
  if (nulls > 0) {
    const n = total - nulls;
    rows = new Int32Array(n);
    const u2 = new Int32Array(n);
    const i2 = new Int32Array(n);
    let k = 0;
    for (let r = 0; r < total; r++) {
      if (uc[r] < 0 || ic[r] < 0) continue;
      rows[k] = r;
      u2[k] = uc[r];
      i2[k] = ic[r];
      k++;
    }
    uc = u2;
    ic = i2;
  }

  // Step 3: time column, only when configured and present.
  const timeColumn = schema.time_column ?? null;
  const times =
    timeColumn !== null && table.hasColumn(timeColumn)
      ? timeColumnMs(table.column(timeColumn), rows, timeColumn, schema.time_unit ?? null)
      : null;

  // Index spaces: the sorted distinct ids. De-duplication never removes an id entirely (one row of
  // every pair stays), so they can be computed before it.
  const userMap = sortedIndex(uc, users.strings);
  const itemMap = sortedIndex(ic, items.strings);

  // Step 4: de-duplicate (user, item) pairs in source row order, then gather the output rows.
  const drop =
    cleansing.dedup !== 'none' && uc.length > 0
      ? duplicateMask(uc, ic, users.strings.length, items.strings.length, cleansing.dedup)
      : null;
  const m = uc.length - (drop?.count ?? 0);
  const userIndex = new Int32Array(m);
  const itemIndex = new Int32Array(m);
  const outTimes = times && drop && drop.count > 0 ? new Float64Array(m) : times;
  const ur = userMap.remap;
  const ir = itemMap.remap;
  if (drop === null || drop.count === 0) {
    for (let k = 0; k < m; k++) {
      userIndex[k] = ur[uc[k]];
      itemIndex[k] = ir[ic[k]];
    }
  } else {
    const dropped = drop.mask;
    let j = 0;
    for (let k = 0; k < uc.length; k++) {
      if (dropped[k]) continue;
      userIndex[j] = ur[uc[k]];
      itemIndex[j] = ir[ic[k]];
      if (outTimes && times) outTimes[j] = times[k];
      j++;
    }
  }

  const stats: CleansingStats = {
    n_rows: m,
    n_users: userMap.ids.length,
    n_items: itemMap.ids.length,
    drop_count: total - m,
    dedup_policy: cleansing.dedup,
  };
  checkMinData(stats, cleansing);
  return { nRows: m, userIds: userMap.ids, itemIds: itemMap.ids, userIndex, itemIndex, timeMs: outTimes, stats };
}

/**
 * Rows that repeat an earlier (keep_first) or later (keep_last) row's (user, item) pair in source
 * order. Rows are grouped by user with a stable counting sort (row and item interleaved, so each
 * row costs one cache line); within a user an item stamp array finds repeats, so the pass is linear.
 * Only the dropped rows are recorded: duplicates are usually few.
 */
function duplicateMask(
  uc: Int32Array,
  ic: Int32Array,
  nUserCodes: number,
  nItemCodes: number,
  policy: 'keep_first' | 'keep_last',
): { mask: Uint8Array; count: number } {
  const n = uc.length;
  const start = new Int32Array(nUserCodes + 1);
  for (let k = 0; k < n; k++) start[uc[k] + 1]++;
  for (let u = 0; u < nUserCodes; u++) start[u + 1] += start[u];
  const next = start.slice(0, nUserCodes);
  const grouped = new Int32Array(2 * n); // [row, item] per position
  for (let k = 0; k < n; k++) {
    const p = next[uc[k]]++ << 1;
    grouped[p] = k;
    grouped[p + 1] = ic[k];
  }
  const stamp = new Int32Array(nItemCodes).fill(-1);
  const mask = new Uint8Array(n);
  let count = 0;
  for (let u = 0; u < nUserCodes; u++) {
    const lo = start[u];
    const hi = start[u + 1];
    if (policy === 'keep_first') {
      for (let p = lo; p < hi; p++) {
        const it = grouped[2 * p + 1];
        if (stamp[it] !== u) stamp[it] = u;
        else {
          mask[grouped[2 * p]] = 1;
          count++;
        }
      }
    } else {
      for (let p = hi - 1; p >= lo; p--) {
        const it = grouped[2 * p + 1];
        if (stamp[it] !== u) stamp[it] = u;
        else {
          mask[grouped[2 * p]] = 1;
          count++;
        }
      }
    }
  }
  return { mask, count };
}

/** Sorted distinct strings of the codes in use, and code → position in that order. */
function sortedIndex(codes: Int32Array, strings: readonly string[]): { ids: string[]; remap: Int32Array } {
  const used = new Uint8Array(strings.length);
  for (let k = 0; k < codes.length; k++) used[codes[k]] = 1;
  const order: number[] = [];
  for (let c = 0; c < strings.length; c++) if (used[c]) order.push(c);
  sortCodesById(order, strings);
  const remap = new Int32Array(strings.length).fill(-1);
  const ids = new Array<string>(order.length);
  for (let k = 0; k < order.length; k++) {
    remap[order[k]] = k;
    ids[k] = strings[order[k]];
  }
  return { ids, remap };
}

function checkMinData(stats: CleansingStats, cleansing: CleansingSpec): void {
  const violations: string[] = [];
  const gate = (name: 'rows' | 'users' | 'items', actual: number, min: number | null | undefined) => {
    if (min !== null && min !== undefined && actual < min) violations.push(`n_${name}=${actual} < min_${name}=${min}`);
  };
  gate('rows', stats.n_rows, cleansing.min_rows);
  gate('users', stats.n_users, cleansing.min_users);
  gate('items', stats.n_items, cleansing.min_items);
  if (violations.length > 0) {
    throw new MinDataViolation(`Dataset below minimum thresholds after cleansing: ${violations.join('; ')}`, {
      n_rows: stats.n_rows,
      n_users: stats.n_users,
      n_items: stats.n_items,
      min_rows: cleansing.min_rows ?? null,
      min_users: cleansing.min_users ?? null,
      min_items: cleansing.min_items ?? null,
    });
  }
}
