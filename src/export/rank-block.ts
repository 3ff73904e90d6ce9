/**
 * Ranking for an export, on a scoring thread. The plain case (known users, training items
 * excluded, no filter) is the serving ranker itself, so an export holds exactly the lists the API
 * returns. A filter or `--include-seen` scores the same blocks and applies the masks before the
 * cut; blocks always have an even number of rows (the last user repeated) so that latent-factor
 * models score every user on the paired kernel path, as the API does.
 */
import type { Recommender } from '../algorithms/types.js';
import type { CsrMatrix } from '../linalg/csr.js';
import { RankScratch, rankKnownUsers, rankProfileJob } from '../serve/scoring/rank.js';
import { selectTop, type TopK } from '../serve/scoring/topk.js';

/** Score blocks stay below this many floats (16 MiB), like the serving ranker's. */
const MAX_BLOCK_FLOATS = 4 * 1024 * 1024;

export interface RankOptions {
  limit: number;
  /** False with `--include-seen`: training items may be recommended. */
  excludeSeen: boolean;
  /** 1 = the item passes the filter; null = no filter. */
  allowed: Uint8Array | null;
}

/** One chunk's rankings, flat: row j holds `counts[j]` entries at `j * limit`. */
export interface RankedChunk {
  indices: Int32Array;
  scores: Float32Array;
  counts: Int32Array;
}

function emptyChunk(n: number, limit: number): RankedChunk {
  return { indices: new Int32Array(n * limit), scores: new Float32Array(n * limit), counts: new Int32Array(n) };
}

function place(out: RankedChunk, j: number, limit: number, top: TopK): void {
  out.indices.set(top.indices, j * limit);
  out.scores.set(top.scores, j * limit);
  out.counts[j] = top.indices.length;
}

function maskedBlocks(
  recommender: Recommender,
  seen: CsrMatrix,
  users: Int32Array,
  opts: RankOptions,
  scratch: RankScratch,
  out: RankedChunk,
): void {
  const nItems = recommender.nItems;
  const blockUsers = Math.max(2, Math.min(users.length + 1, Math.floor(MAX_BLOCK_FLOATS / nItems))) & ~1;
  const minus = Number.NEGATIVE_INFINITY;
  const { indptr, indices } = seen;
  const allowed = opts.allowed;
  for (let start = 0; start < users.length; start += blockUsers) {
    const end = Math.min(users.length, start + blockUsers);
    const count = end - start;
    const rows = count % 2 === 1 ? count + 1 : count;
    const block = scratch.scoreBlock(rows * nItems);
    const ids = new Int32Array(rows);
    ids.set(users.subarray(start, end));
    if (rows > count) ids[count] = ids[count - 1];
    recommender.scoreUsers(ids, block);
    for (let j = 0; j < count; j++) {
      const base = j * nItems;
      if (opts.excludeSeen) {
        const u = ids[j];
        for (let p = indptr[u]; p < indptr[u + 1]; p++) block[base + indices[p]] = minus;
      }
      if (allowed !== null) for (let i = 0; i < nItems; i++) if (allowed[i] === 0) block[base + i] = minus;
      place(out, start + j, opts.limit, selectTop(block, opts.limit, base, nItems));
    }
  }
}

/** Top `limit` items for each known user index in `users`. */
export function rankUsers(
  recommender: Recommender,
  seen: CsrMatrix,
  users: Int32Array,
  opts: RankOptions,
  scratch: RankScratch,
): RankedChunk {
  const out = emptyChunk(users.length, opts.limit);
  if (users.length === 0 || recommender.nItems === 0) return out;
  if (opts.excludeSeen && opts.allowed === null) {
    const limits = new Int32Array(users.length).fill(opts.limit);
    const tops = rankKnownUsers(recommender, seen, users, limits, scratch);
    for (let j = 0; j < tops.length; j++) place(out, j, opts.limit, tops[j]);
    return out;
  }
  for (let j = 0; j < users.length; j++) {
    const u = users[j];
    if (!(u >= 0 && u < recommender.nUsers)) throw new RangeError(`user index ${u} outside [0, ${recommender.nUsers})`);
  }
  maskedBlocks(recommender, seen, users, opts, scratch, out);
  return out;
}

/**
 * Related items for each seed item index: the ranking of a `:recommend-related` request whose
 * only seed is that item (the seed itself is never returned).
 */
export function rankRelated(
  recommender: Recommender,
  seen: CsrMatrix,
  items: Int32Array,
  opts: RankOptions,
): RankedChunk {
  const out = emptyChunk(items.length, opts.limit);
  const weights = Float32Array.of(1);
  for (let j = 0; j < items.length; j++) {
    const top = rankProfileJob(recommender, seen, {
      items: items.subarray(j, j + 1),
      weights,
      limit: opts.limit,
      allowed: opts.allowed,
      masked: null,
    });
    place(out, j, opts.limit, top);
  }
  return out;
}

export { RankScratch };
