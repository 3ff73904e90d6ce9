/**
 * Ranking for known users and for ad-hoc profiles: score, mask, top-k.
 * Pure functions over a recommender and the seen matrix, so the same code runs on the event loop
 * and inside scoring threads.
 */
import type { Recommender } from '../../algorithms/types.js';
import type { CsrMatrix } from '../../linalg/csr.js';
import { releaseShared, sharedF32, wasmRuntime } from '../../linalg/index.js';
import { ModelLayoutError, PAIRED_SCORING } from './model.js';
import { NormOrderedItems } from './norm-order.js';
import { selectTop, type TopK } from './topk.js';

/** Score blocks stay below this many floats (16 MiB) however many users a batch holds. */
const MAX_BLOCK_FLOATS = 4 * 1024 * 1024;

/**
 * Per-thread scratch: a reusable score block, allocated in the WebAssembly kernel heap when the
 * kernels are loaded, so scoring writes into it without a staging copy and top-k selects in place.
 */
export class RankScratch {
  private block: Float32Array = new Float32Array(0);

  scoreBlock(floats: number): Float32Array {
    if (this.block.length < floats) {
      releaseShared(this.block);
      this.block = canUseHeap() ? sharedF32(floats) : new Float32Array(floats);
    }
    return this.block.length === floats ? this.block : this.block.subarray(0, floats);
  }
}

/** Threads attached read-only to another thread's heap may not allocate in it. */
function canUseHeap(): boolean {
  const rt = wasmRuntime();
  return rt !== null && !rt.heap.readOnly;
}

function checkLayout(recommender: Recommender, seen: CsrMatrix): void {
  if (recommender.nItems !== seen.cols || recommender.nUsers !== seen.rows) {
    throw new ModelLayoutError(
      `recommender shape ${recommender.nUsers}x${recommender.nItems} differs from seen matrix ${seen.rows}x${seen.cols}`,
    );
  }
}

/**
 * Top `limits[j]` items for each known user `users[j]`, with the user's training items removed.
 * Users are scored in blocks so a 256-user batch over a large catalogue stays within memory.
 */
export function rankKnownUsers(
  recommender: Recommender,
  seen: CsrMatrix,
  users: Int32Array,
  limits: Int32Array,
  scratch: RankScratch,
): TopK[] {
  checkLayout(recommender, seen);
  const ordered = NormOrderedItems.of(recommender);
  if (ordered === null) return rankFully(recommender, seen, users, limits, scratch);
  // Users whose limit scans well go through the norm-ordered scan; the rest are scored in full.
  const results: TopK[] = new Array(users.length);
  const full: number[] = [];
  for (let j = 0; j < users.length; j++) {
    const u = checkUser(recommender, users[j]);
    if (!ordered.worthScanning(limits[j])) full.push(j);
    else results[j] = ordered.rankUser(u, seen.indices.subarray(seen.indptr[u], seen.indptr[u + 1]), limits[j]);
  }
  if (full.length > 0) {
    const picked = Int32Array.from(full);
    const scored = rankFully(
      recommender,
      seen,
      picked.map((j) => users[j]),
      picked.map((j) => limits[j]),
      scratch,
    );
    full.forEach((j, r) => {
      results[j] = scored[r];
    });
  }
  return results;
}

/** Full scoring: every item scored for each user (in blocks), training items masked, top-k. */
export function rankFully(
  recommender: Recommender,
  seen: CsrMatrix,
  users: Int32Array,
  limits: Int32Array,
  scratch: RankScratch,
): TopK[] {
  const nItems = recommender.nItems;
  const results: TopK[] = new Array(users.length);
  if (nItems === 0) {
    for (let j = 0; j < users.length; j++) results[j] = { indices: new Int32Array(0), scores: new Float32Array(0) };
    return results;
  }
  const paired = PAIRED_SCORING.has(recommender.className);
  // Even block sizes, so only the final block can need the repeated row.
  const blockUsers = Math.max(2, Math.min(users.length + 1, Math.floor(MAX_BLOCK_FLOATS / nItems))) & ~1;
  const { indptr, indices } = seen;
  for (let start = 0; start < users.length; start += blockUsers) {
    const end = Math.min(users.length, start + blockUsers);
    const count = end - start;
    const rows = paired && count % 2 === 1 ? count + 1 : count;
    const block = scratch.scoreBlock(rows * nItems);
    let blockIds = users.subarray(start, end);
    for (let j = 0; j < count; j++) checkUser(recommender, blockIds[j]);
    if (rows > count) {
      const padded = new Int32Array(rows);
      padded.set(blockIds);
      padded[count] = blockIds[count - 1];
      blockIds = padded;
    }
    recommender.scoreUsers(blockIds, block);
    for (let j = 0; j < count; j++) {
      const u = blockIds[j];
      const base = j * nItems;
      for (let p = indptr[u]; p < indptr[u + 1]; p++) block[base + indices[p]] = Number.NEGATIVE_INFINITY;
      results[start + j] = selectTop(block, limits[start + j], base, nItems);
    }
  }
  return results;
}

/**
 * Top `limit` items for an anonymous profile: `items` (with `weights`, duplicates summed by the
 * caller) folded into the model; the profile's own items are never recommended.
 */
export function rankProfile(
  recommender: Recommender,
  seen: CsrMatrix,
  items: Int32Array,
  weights: Float32Array,
  limit: number,
): TopK {
  checkLayout(recommender, seen);
  const scores = recommender.scoreHistory(items, weights);
  if (scores.length !== recommender.nItems) {
    throw new ModelLayoutError(`profile scores have length ${scores.length}, expected ${recommender.nItems}`);
  }
  for (let j = 0; j < items.length; j++) scores[items[j]] = Number.NEGATIVE_INFINITY;
  return selectTop(scores, limit);
}

/**
 * One ad-hoc ranking job. `items`/`weights` is the profile (duplicates summed). With `user` set
 * the job ranks a known user: no profile items → the model's own user scores (as for a plain
 * request); with profile items → the user's training row plus the profile, folded in together.
 * `allowed` (1 = may be returned) and `masked` (never returned) apply before the top-k cut.
 */
export interface ProfileJob {
  items: Int32Array;
  weights: Float32Array;
  limit: number;
  user?: number;
  allowed?: Uint8Array | null;
  masked?: Int32Array | null;
}

function checkUser(recommender: Recommender, user: number): number {
  if (!(user >= 0 && user < recommender.nUsers))
    throw new ModelLayoutError(`user index ${user} outside [0, ${recommender.nUsers})`);
  return user;
}

function knownUserScores(recommender: Recommender, user: number): Float32Array {
  checkUser(recommender, user);
  const n = recommender.nItems;
  // Scored as a pair, like rankKnownUsers does, so the scores match a plain request bit for bit.
  const paired = PAIRED_SCORING.has(recommender.className);
  const out = new Float32Array(paired ? 2 * n : n);
  recommender.scoreUsers(paired ? Int32Array.of(user, user) : Int32Array.of(user), out);
  return paired ? out.subarray(0, n) : out;
}

/** The user's training row merged with extra profile items (weights summed per item). */
export function mergeWithSeenRow(
  seen: CsrMatrix,
  user: number,
  items: Int32Array,
  weights: Float32Array,
): { items: Int32Array; weights: Float32Array } {
  const merged = new Map<number, number>();
  for (let p = seen.indptr[user]; p < seen.indptr[user + 1]; p++)
    merged.set(seen.indices[p], (merged.get(seen.indices[p]) ?? 0) + seen.data[p]);
  for (let j = 0; j < items.length; j++) merged.set(items[j], (merged.get(items[j]) ?? 0) + weights[j]);
  const keys = [...merged.keys()].sort((a, b) => a - b);
  return { items: Int32Array.from(keys), weights: Float32Array.from(keys, (k) => merged.get(k)!) };
}

export function rankProfileJob(recommender: Recommender, seen: CsrMatrix, job: ProfileJob): TopK {
  checkLayout(recommender, seen);
  const n = recommender.nItems;
  const ordered = job.user !== undefined && job.items.length === 0 ? NormOrderedItems.of(recommender) : null;
  if (ordered !== null && job.user !== undefined) {
    const u = checkUser(recommender, job.user);
    const row = seen.indices.subarray(seen.indptr[u], seen.indptr[u + 1]);
    const excluded = job.masked?.length ? Int32Array.from([...row, ...job.masked]) : row;
    return ordered.rankUser(u, excluded, job.limit, job.allowed);
  }
  let scores: Float32Array;
  if (job.user === undefined) {
    scores = recommender.scoreHistory(job.items, job.weights);
  } else if (job.items.length === 0) {
    scores = knownUserScores(recommender, job.user);
  } else {
    const merged = mergeWithSeenRow(seen, job.user, job.items, job.weights);
    scores = recommender.scoreHistory(merged.items, merged.weights);
  }
  if (scores.length !== n) throw new ModelLayoutError(`profile scores have length ${scores.length}, expected ${n}`);
  const minus = Number.NEGATIVE_INFINITY;
  if (job.user !== undefined)
    for (let p = seen.indptr[job.user]; p < seen.indptr[job.user + 1]; p++) scores[seen.indices[p]] = minus;
  for (let j = 0; j < job.items.length; j++) scores[job.items[j]] = minus;
  if (job.masked) for (let j = 0; j < job.masked.length; j++) scores[job.masked[j]] = minus;
  const allowed = job.allowed;
  if (allowed) for (let i = 0; i < n; i++) if (allowed[i] === 0) scores[i] = minus;
  return selectTop(scores, job.limit);
}

/** Collapse a seed list into unique item indices with counts (a seed listed twice weighs 2). */
export function profileFromSeeds(
  seeds: readonly string[],
  itemIndex: ReadonlyMap<string, number>,
): { items: Int32Array; weights: Float32Array } {
  const counts = new Map<number, number>();
  for (const seed of seeds) {
    const idx = itemIndex.get(seed);
    if (idx !== undefined) counts.set(idx, (counts.get(idx) ?? 0) + 1);
  }
  const items = new Int32Array(counts.size);
  const weights = new Float32Array(counts.size);
  let k = 0;
  for (const idx of [...counts.keys()].sort((a, b) => a - b)) {
    items[k] = idx;
    weights[k] = counts.get(idx)!;
    k++;
  }
  return { items, weights };
}
