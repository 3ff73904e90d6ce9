/**
 * Promotion gate (`output.promotion_gate`): refuse to publish a model that is worse than the one
 * currently published, or than TopPop, by more than `max_regression` (relative).
 *
 * Leak-free comparison needs interactions that no compared model has trained on. The gate keeps a
 * *frozen holdout*: a fixed, seeded sample of users and some of their interactions (by id). Every
 * gated run removes those pairs from its training data and stores the holdout in the artifact
 * (`promotion.holdout`, UTF-8 JSON in a uint8 array), so the next run evaluates the new model and
 * the published one on exactly the same unseen pairs. The first gated run, or a run whose published
 * artifact carries no holdout, creates it and can only compare with TopPop.
 */
import { createHash } from 'node:crypto';
import type { CanonicalClass, NdArray, Recommender } from '../algorithms/index.js';
import { createRecommender, loadRecommender, MODEL_FORMATS, parseMetric } from '../algorithms/index.js';
import { addUserMetrics, dcgDiscounts, MetricSums } from '../algorithms/metrics.js';
import { type OpenedArtifact, openArtifact, type RemoteStoreFactory, readArtifactBytes } from '../artifact/index.js';
import type { KeyRing } from '../config/index.js';
import type { Interactions } from '../data/cleanse.js';
import { errorMessage, PromotionRefusedError } from '../errors/index.js';
import type { CsrMatrix } from '../linalg/csr.js';
import { maskRow, topK } from '../linalg/index.js';
import type { Logger } from '../log/index.js';
import type { RecipePromotionGate } from '../recipe/index.js';

export const HOLDOUT_ARRAY = 'promotion.holdout';
const MAX_HOLDOUT_USERS = 2000;

/** Held-out items per user, by id. */
export interface FrozenHoldout {
  version: 1;
  users: string[];
  items: string[][];
}

export interface PublishedModel {
  model: Recommender;
  userIds: readonly string[];
  itemIds: readonly string[];
  seen: CsrMatrix;
  holdout: FrozenHoldout | null;
  modelVersion: string;
}

/** The currently published artifact, or null when there is none (first run) or it is unusable. */
export async function readPublishedModel(
  outputPath: string,
  keyRing: KeyRing,
  log: Logger,
  remoteStores?: RemoteStoreFactory,
): Promise<PublishedModel | null> {
  let opened: OpenedArtifact;
  try {
    const { bytes } = await readArtifactBytes(outputPath, { remoteStores });
    opened = openArtifact(bytes, { keyRing, models: MODEL_FORMATS });
  } catch (err) {
    const missing =
      (err as { reason?: string }).reason === 'read' && /not found|ENOENT|missing/i.test(errorMessage(err));
    if (!missing) log.warn('promotion_published_unreadable', { artifact: outputPath, error: errorMessage(err) });
    return null;
  }
  const p = opened.payload;
  const model = loadRecommender(
    {
      algorithm: p.algorithm as CanonicalClass,
      modelFormatVersion: p.modelFormatVersion,
      params: p.params,
      arrays: p.arrays,
    },
    p.seen,
  );
  return {
    model,
    userIds: p.userIds,
    itemIds: p.itemIds,
    seen: p.seen,
    holdout: decodeHoldout(p.arrays[HOLDOUT_ARRAY]),
    modelVersion: opened.modelVersion,
  };
}

function decodeHoldout(arr: NdArray | undefined): FrozenHoldout | null {
  if (arr?.dtype !== 'uint8') return null;
  try {
    const parsed = JSON.parse(Buffer.from(arr.data.buffer, arr.data.byteOffset, arr.data.byteLength).toString('utf8'));
    if (
      parsed?.version === 1 &&
      Array.isArray(parsed.users) &&
      Array.isArray(parsed.items) &&
      parsed.users.length === parsed.items.length &&
      parsed.users.every((u: unknown) => typeof u === 'string') &&
      parsed.items.every((l: unknown) => Array.isArray(l) && l.every((i) => typeof i === 'string'))
    ) {
      return parsed as FrozenHoldout;
    }
  } catch {
    // an unreadable holdout is treated as absent: a new one is drawn
  }
  return null;
}

export function encodeHoldout(h: FrozenHoldout): NdArray {
  const bytes = new Uint8Array(Buffer.from(JSON.stringify(h), 'utf8'));
  return { dtype: 'uint8', shape: [bytes.length], data: bytes };
}

function rank(seed: number, id: string): string {
  return createHash('sha256').update(`${seed}\u0000${id}`).digest('hex');
}

/**
 * Draw a holdout: up to 10% of the users with at least two interactions (at most 2000), chosen by a
 * seeded hash of their id; for each, `heldoutRatio` of their distinct items (at least one, never
 * all), the most recent ones when times are known, else by a seeded hash of the item id.
 */
export function drawHoldout(data: Interactions, heldoutRatio: number, seed: number): FrozenHoldout {
  const perUser: number[][] = Array.from({ length: data.userIds.length }, () => []);
  const lastTime = new Map<number, number>();
  for (let r = 0; r < data.nRows; r++) {
    const u = data.userIndex[r];
    const i = data.itemIndex[r];
    const key = u * data.itemIds.length + i;
    if (!lastTime.has(key)) perUser[u].push(i);
    lastTime.set(key, data.timeMs ? data.timeMs[r] : r);
  }
  const eligible = perUser.map((items, u) => ({ u, items })).filter((e) => e.items.length >= 2);
  const nUsers = Math.min(MAX_HOLDOUT_USERS, Math.max(1, Math.floor(eligible.length / 10)));
  eligible.sort((a, b) => (rank(seed, data.userIds[a.u]) < rank(seed, data.userIds[b.u]) ? -1 : 1));
  const chosen = eligible.slice(0, nUsers).sort((a, b) => a.u - b.u);
  const users: string[] = [];
  const items: string[][] = [];
  for (const { u, items: its } of chosen) {
    const n = Math.min(its.length - 1, Math.max(1, Math.floor(its.length * heldoutRatio)));
    const ordered = data.timeMs
      ? [...its].sort(
          (a, b) =>
            (lastTime.get(b + u * data.itemIds.length) ?? 0) - (lastTime.get(a + u * data.itemIds.length) ?? 0) ||
            a - b,
        )
      : [...its].sort((a, b) => (rank(seed, data.itemIds[a]) < rank(seed, data.itemIds[b]) ? -1 : 1));
    users.push(data.userIds[u]);
    items.push(ordered.slice(0, n).map((i) => data.itemIds[i]));
  }
  return { version: 1, users, items };
}

/** The interactions without the holdout's (user, item) pairs, with id tables rebuilt. */
export function withoutHoldout(data: Interactions, h: FrozenHoldout): Interactions {
  const userPos = new Map(data.userIds.map((id, i) => [id, i]));
  const itemPos = new Map(data.itemIds.map((id, i) => [id, i]));
  const excluded = new Set<number>();
  h.users.forEach((user, k) => {
    const u = userPos.get(user);
    if (u === undefined) return;
    for (const item of h.items[k]) {
      const i = itemPos.get(item);
      if (i !== undefined) excluded.add(u * data.itemIds.length + i);
    }
  });
  const keep: number[] = [];
  for (let r = 0; r < data.nRows; r++) {
    if (!excluded.has(data.userIndex[r] * data.itemIds.length + data.itemIndex[r])) keep.push(r);
  }
  const usedUsers = new Uint8Array(data.userIds.length);
  const usedItems = new Uint8Array(data.itemIds.length);
  for (const r of keep) {
    usedUsers[data.userIndex[r]] = 1;
    usedItems[data.itemIndex[r]] = 1;
  }
  const remap = (used: Uint8Array) => {
    const map = new Int32Array(used.length).fill(-1);
    let n = 0;
    for (let i = 0; i < used.length; i++) if (used[i]) map[i] = n++;
    return map;
  };
  const userMap = remap(usedUsers);
  const itemMap = remap(usedItems);
  const userIds = data.userIds.filter((_, i) => usedUsers[i]);
  const itemIds = data.itemIds.filter((_, i) => usedItems[i]);
  const userIndex = Int32Array.from(keep, (r) => userMap[data.userIndex[r]]);
  const itemIndex = Int32Array.from(keep, (r) => itemMap[data.itemIndex[r]]);
  const timeMs = data.timeMs ? Float64Array.from(keep, (r) => (data.timeMs as Float64Array)[r]) : null;
  return {
    nRows: keep.length,
    userIds,
    itemIds,
    userIndex,
    itemIndex,
    timeMs,
    stats: { ...data.stats, n_rows: keep.length, n_users: userIds.length, n_items: itemIds.length },
  };
}

/**
 * Metric of `model` on the holdout, scoring each holdout user as a known user with seen items masked.
 * The per-user metrics are the evaluator's own (`addUserMetrics`); an unknown metric name is an error.
 */
export function holdoutScore(
  scored: { model: Recommender; userIds: readonly string[]; itemIds: readonly string[]; seen: CsrMatrix },
  h: FrozenHoldout,
  metric: string,
  cutoff: number,
): number {
  const name = parseMetric(metric);
  const userPos = new Map(scored.userIds.map((id, i) => [id, i]));
  const itemPos = new Map(scored.itemIds.map((id, i) => [id, i]));
  const nItems = scored.itemIds.length;
  const scores = new Float32Array(nItems);
  const relevantMark = new Int32Array(nItems);
  const discounts = dcgDiscounts(cutoff);
  const sums = new MetricSums();
  let users = 0;
  for (let k = 0; k < h.users.length; k++) {
    const truth = h.items[k];
    if (truth.length === 0) continue;
    users++;
    const u = userPos.get(h.users[k]);
    if (u === undefined) continue; // an unknown user scores 0
    const stamp = users;
    for (const id of truth) {
      const i = itemPos.get(id);
      if (i !== undefined) relevantMark[i] = stamp;
    }
    scored.model.scoreUsers(Int32Array.of(u), scores);
    maskRow(scores, 0, scored.seen, u);
    const ranked = topK(scores, cutoff);
    addUserMetrics(sums, ranked, ranked.length, truth.length, relevantMark, stamp, discounts);
  }
  return users === 0 ? 0 : sums[name] / users;
}

export interface GateDecision {
  metric: string;
  cutoff: number;
  holdout_users: number;
  candidate: number;
  published: number | null;
  published_model_version: string | null;
  toppop: number | null;
  max_regression: number;
}

/** Evaluate and decide; throws PromotionRefusedError (exit 9) after logging `promotion_refused`. */
export async function applyPromotionGate(args: {
  gate: RecipePromotionGate;
  holdout: FrozenHoldout;
  candidate: { model: Recommender; userIds: readonly string[]; itemIds: readonly string[]; seen: CsrMatrix };
  published: PublishedModel | null;
  metric: string;
  cutoff: number;
  log: Logger;
}): Promise<GateDecision> {
  const { gate, holdout, metric, cutoff, log } = args;
  const candidate = holdoutScore(args.candidate, holdout, metric, cutoff);
  // The published model is only comparable when it was trained without this same holdout.
  const comparable = args.published !== null && args.published.holdout !== null;
  const published = comparable ? holdoutScore(args.published as PublishedModel, holdout, metric, cutoff) : null;
  let toppop: number | null = null;
  if (gate.compare_to_toppop) {
    const pop = createRecommender('TopPopRecommender', args.candidate.seen, {});
    await pop.fit();
    toppop = holdoutScore({ ...args.candidate, model: pop }, holdout, metric, cutoff);
  }
  const decision: GateDecision = {
    metric,
    cutoff,
    holdout_users: holdout.users.length,
    candidate,
    published,
    published_model_version: comparable ? (args.published as PublishedModel).modelVersion : null,
    toppop,
    max_regression: gate.max_regression,
  };
  const floor = (ref: number) => ref * (1 - gate.max_regression);
  const failures: string[] = [];
  if (published !== null && candidate < floor(published)) failures.push(`published model ${published.toFixed(4)}`);
  if (toppop !== null && candidate < floor(toppop)) failures.push(`TopPop ${toppop.toFixed(4)}`);
  if (failures.length > 0) {
    log.error('promotion_refused', { ...decision });
    throw new PromotionRefusedError(
      `Promotion gate refused the new model: ${metric}@${cutoff} ${candidate.toFixed(4)} on the frozen holdout is more than ${(gate.max_regression * 100).toFixed(1)}% below the ${failures.join(' and the ')}. The published artifact was left in place.`,
    );
  }
  if (args.published !== null && !comparable) {
    log.warn('promotion_gate_bootstrap', {
      reason: 'the published artifact carries no frozen holdout; only TopPop was compared this time',
    });
  }
  log.info('promotion_gate_passed', { ...decision });
  return decision;
}
