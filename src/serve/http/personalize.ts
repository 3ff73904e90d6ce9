/**
 * The opt-in request fields beyond the original API: `history` (fold-in for unknown users, extra
 * context for known ones), `filter` (item-metadata conditions applied before the top-k cut),
 * `exclude_mode: before_cut`, and `explain`. A request that uses none of them takes the original
 * code path unchanged; this module decides which path a request takes and builds its scoring job.
 */

import type { RecentEvent } from '../../data/events/index.js';
import { evaluateFilter, FilterFieldError, type FilterSpec } from '../scoring/filters.js';
import type { ServingModel } from '../scoring/model.js';
import { type ProfileJob, profileFromSeeds } from '../scoring/rank.js';
import { selectTop, type TopK } from '../scoring/topk.js';
import type { ResponseItem } from './items.js';
import type { LoadedEntry } from './routes/common.js';
import { tooManySeeds } from './routes/common.js';
import { echoableKey, type ValidationItem } from './validation.js';

/** The optional fields of a single or batch-element request. */
export interface BeyondFields {
  exclude_items: string[] | null;
  history?: string[];
  filter?: Record<string, Record<string, unknown>>;
  exclude_mode?: 'after_cut' | 'before_cut';
  explain?: boolean;
}

/** A request rule that depends on the recipe (history length, filter fields): 422 / element error. */
export class RequestRuleError extends Error {
  override name = 'RequestRuleError';
  constructor(readonly item: ValidationItem) {
    super(item.msg);
  }
}

/** How many history items explain may look at (a known user's full training row can be long). */
const EXPLAIN_TOP = 3;

export interface RankMask {
  allowed: Uint8Array | null;
  masked: Int32Array | null;
}

/** True when the request needs a masked or folded-in ranking instead of the original path. */
export function usesBeyond(body: BeyondFields): boolean {
  return (
    (body.history !== undefined && body.history.length > 0) ||
    (body.filter !== undefined && Object.keys(body.filter).length > 0) ||
    (body.exclude_mode === 'before_cut' && (body.exclude_items?.length ?? 0) > 0)
  );
}

/** `history` longer than the recipe's `serving.max_history` → rule error naming the limit. */
export function checkHistory(loaded: LoadedEntry, history: readonly string[] | undefined): void {
  const max = loaded.entry.serving.maxHistory;
  if (history !== undefined && history.length > max) {
    throw new RequestRuleError({ type: 'too_long', loc: ['history'], msg: tooManySeeds(max) });
  }
}

/** `exclude_items` still to remove after the cut (none when they were masked before it). */
export function afterCutExclusions(body: BeyondFields): string[] | null {
  return body.exclude_mode === 'before_cut' ? null : body.exclude_items;
}

/** The filter bitmap and the before-cut exclusions as item indices. */
export function rankMask(loaded: LoadedEntry, body: BeyondFields): RankMask {
  let allowed: Uint8Array | null = null;
  if (body.filter !== undefined && Object.keys(body.filter).length > 0) {
    try {
      allowed = evaluateFilter(loaded.entry.filterIndex ?? null, body.filter as FilterSpec);
    } catch (err) {
      if (!(err instanceof FilterFieldError)) throw err;
      // The field is a request key: echoed only when it is a plain name.
      const field = echoableKey(err.field);
      const msg = `field '${field}' is not filterable (declare it in item_metadata.filterable)`;
      throw new RequestRuleError({ type: 'value_error', loc: ['filter', field], msg });
    }
  }
  let masked: Int32Array | null = null;
  if (body.exclude_mode === 'before_cut' && body.exclude_items && body.exclude_items.length > 0) {
    const idx: number[] = [];
    for (const id of body.exclude_items) {
      const i = loaded.model.itemIndex.get(id);
      if (i !== undefined) idx.push(i);
    }
    masked = Int32Array.from(idx);
  }
  return { allowed, masked };
}

const popularityCache = new WeakMap<ServingModel, Float32Array>();

/** Column sums of the seen matrix, computed once per loaded model. */
function popularity(model: ServingModel): Float32Array {
  let counts = popularityCache.get(model);
  if (counts === undefined) {
    counts = new Float32Array(model.nItems);
    const { indices, data } = model.seen;
    for (let p = 0; p < indices.length; p++) counts[indices[p]] += data[p];
    popularityCache.set(model, counts);
  }
  return counts;
}

/** The most popular items that pass the mask (ties → smaller index, as everywhere). */
export function popularTop(loaded: LoadedEntry, limit: number, mask: RankMask): TopK {
  const scores = popularity(loaded.model).slice();
  const minus = Number.NEGATIVE_INFINITY;
  if (mask.masked) for (const i of mask.masked) scores[i] = minus;
  if (mask.allowed) for (let i = 0; i < scores.length; i++) if (mask.allowed[i] === 0) scores[i] = minus;
  return selectTop(scores, limit);
}

/** Expand a collapsed profile back into one entry per occurrence (explain counts duplicates). */
function expand(items: Int32Array, weights: Float32Array): Int32Array {
  const out: number[] = [];
  for (let j = 0; j < items.length; j++) {
    const times = Math.max(1, Math.round(weights[j]));
    for (let t = 0; t < times; t++) out.push(items[j]);
  }
  return Int32Array.from(out);
}

export type RecommendPlan =
  /** Known user, no new fields in effect: the original ranking. */
  | { kind: 'plain'; user: number; explainHistory: Int32Array }
  | { kind: 'job'; job: ProfileJob; explainHistory: Int32Array }
  | { kind: 'popular'; top: TopK }
  | { kind: 'unknown' };

/**
 * Where a `:recommend` request goes. Known user + history: the training row and the history form
 * one profile (fold-in), for every algorithm alike. Unknown user: the history's known items are
 * folded in; without any, `serving.unknown_user` decides (popular or UNKNOWN_USER).
 */
export function planRecommend(
  loaded: LoadedEntry,
  body: BeyondFields & { user_id: string; limit: number },
  recent: readonly RecentEvent[] = [],
) {
  const { model, entry } = loaded;
  checkHistory(loaded, body.history);
  const user = model.userIndex.get(body.user_id);
  const beyond = usesBeyond(body);
  // Computed first so a bad filter field is a 422 whatever the user turns out to be.
  const mask: RankMask = beyond ? rankMask(loaded, body) : { allowed: null, masked: null };
  const history =
    recent.length === 0
      ? profileFromSeeds(body.history ?? [], model.itemIndex)
      : foldedProfile(body.history ?? [], recent, model.itemIndex, entry.serving.maxHistory);
  const seenRow = (u: number) => model.seen.indices.slice(model.seen.indptr[u], model.seen.indptr[u + 1]);
  const withHistory = (base: Int32Array) => {
    const extra = expand(history.items, history.weights);
    const all = new Int32Array(base.length + extra.length);
    all.set(base);
    all.set(extra, base.length);
    return all;
  };
  if (user !== undefined) {
    const explainHistory = body.explain ? withHistory(seenRow(user)) : new Int32Array(0);
    if (!beyond && history.items.length === 0) return { kind: 'plain', user, explainHistory } satisfies RecommendPlan;
    const job: ProfileJob = { ...history, user, limit: body.limit, ...mask };
    return { kind: 'job', job, explainHistory } satisfies RecommendPlan;
  }
  if (history.items.length > 0) {
    const job: ProfileJob = { ...history, limit: body.limit, ...mask };
    const explainHistory = body.explain ? withHistory(new Int32Array(0)) : new Int32Array(0);
    return { kind: 'job', job, explainHistory } satisfies RecommendPlan;
  }
  if (entry.serving.unknownUser !== 'popular') return { kind: 'unknown' } satisfies RecommendPlan;
  if (!beyond && entry.popularRanking !== null) {
    const cut = Math.min(body.limit, entry.popularRanking.indices.length);
    const top = {
      indices: entry.popularRanking.indices.subarray(0, cut),
      scores: entry.popularRanking.scores.subarray(0, cut),
    };
    return { kind: 'popular', top } satisfies RecommendPlan;
  }
  return { kind: 'popular', top: popularTop(loaded, body.limit, mask) } satisfies RecommendPlan;
}

/**
 * The request history plus the user's recent events (newest first), together at most `max`
 * items; an event adds its type's weight to its item. Unknown items are skipped.
 */
export function foldedProfile(
  history: readonly string[],
  recent: readonly RecentEvent[],
  itemIndex: ReadonlyMap<string, number>,
  max: number,
): { items: Int32Array; weights: Float32Array } {
  const sums = new Map<number, number>();
  const add = (id: string, w: number) => {
    const idx = itemIndex.get(id);
    if (idx !== undefined) sums.set(idx, (sums.get(idx) ?? 0) + w);
  };
  for (const id of history) add(id, 1);
  const room = Math.max(0, max - history.length);
  for (let j = 0; j < recent.length && j < room; j++) add(recent[j].itemId, recent[j].weight);
  const order = [...sums.keys()].sort((a, b) => a - b);
  return { items: Int32Array.from(order), weights: Float32Array.from(order, (i) => sums.get(i)!) };
}

/** History of a related request for explain: each seed once per occurrence. */
export function seedHistory(profile: { items: Int32Array; weights: Float32Array }): Int32Array {
  return expand(profile.items, profile.weights);
}

/**
 * Add `because` to each item for item-based models (those with `explain`); others get nothing.
 * An explanation that fails leaves that item without `because` rather than failing the response.
 */
export function addExplanations(items: ResponseItem[], model: ServingModel, history: Int32Array): void {
  const recommender = model.recommender;
  if (typeof recommender.explain !== 'function' || history.length === 0) return;
  for (const item of items) {
    const idx = model.itemIndex.get(item.item_id);
    if (idx === undefined) continue;
    try {
      const parts = recommender.explain(history, idx, EXPLAIN_TOP);
      item.because = parts.map((c) => ({ item_id: model.itemIds[c.itemIndex], weight: c.weight }));
    } catch {
      // Explanations are advisory: a model that cannot explain this item simply omits it.
    }
  }
}
