/**
 * The per-user half of an evaluation: mask, rank and score a batch of users whose item scores are
 * already computed. Plain typed arrays in and a few sums out, so it runs the same on the calling
 * thread and on pool workers (where the arrays are shared, not copied).
 */
import { defineTask, type TaskContext } from '../linalg/pool.js';
import { recsysKernels } from '../linalg/recsys-kernels.js';
import { addUserMetrics, dcgDiscounts, MetricSums, topKIndices } from './metrics.js';

export interface RankingBatch {
  /** Row-major scores, one row of `nItems` per entry of `users` (overwritten by the mask). */
  scores: Float32Array;
  nItems: number;
  /** Model rows of the batch (mask rows). */
  users: Int32Array;
  /** Ground-truth rows of the batch. */
  gtRows: Int32Array;
  k: number;
  maskIndptr: Int32Array;
  maskIndices: Int32Array;
  maskData: Float32Array;
  gtIndptr: Int32Array;
  gtIndices: Int32Array;
  gtData: Float32Array;
  /**
   * Kernel-heap scratch for the SIMD top-k: k ranked indices and k values per thread slot (slot =
   * pool thread id). Present only when `scores` and these are heap views.
   */
  heapRanked?: Int32Array;
  heapValues?: Float64Array;
}

/** Plain-object form of the sums (what a worker posts back). */
export type RankingSums = Pick<MetricSums, 'ndcg' | 'map' | 'recall' | 'hit' | 'precision' | 'validUsers'>;

/** The mask and ground-truth arrays a ranking reads (shared with the pool's threads when it runs there). */
export type MatrixViews = Pick<
  RankingBatch,
  'maskIndptr' | 'maskIndices' | 'maskData' | 'gtIndptr' | 'gtIndices' | 'gtData'
>;

/**
 * Add the metrics of one ranked user: ground-truth row `gtRow`'s relevant items are marked with
 * `stamp` (unique per user within a task) and `ranked[0..k)` is scored against them; a user with
 * no relevant item adds nothing.
 */
export function addRankedUser(
  sums: MetricSums,
  ranked: Int32Array,
  k: number,
  gt: Pick<MatrixViews, 'gtIndptr' | 'gtIndices' | 'gtData'>,
  gtRow: number,
  relevantMark: Int32Array,
  stamp: number,
  discounts: Float64Array,
): void {
  const { gtIndptr, gtIndices, gtData } = gt;
  let nGt = 0;
  for (let p = gtIndptr[gtRow]; p < gtIndptr[gtRow + 1]; p++) {
    const i = gtIndices[p];
    if (gtData[p] !== 0 && relevantMark[i] !== stamp) {
      relevantMark[i] = stamp;
      nGt++;
    }
  }
  if (nGt > 0) addUserMetrics(sums, ranked, k, nGt, relevantMark, stamp, discounts);
}

/**
 * Users per pool range: about 1/16 of the users (so a few hundred users still spread over every
 * thread), at most 512, a multiple of the kernel's 4-user tile. It depends on the user count only:
 * the summation order must not depend on the thread count.
 */
export function rangeUsers(n: number): number {
  return Math.min(512, Math.max(8, Math.ceil(n / 16 / 4) * 4));
}

/** [0, n) in consecutive pool ranges of `rangeUsers(n)` users. */
export function userRanges(n: number): [number, number][] {
  const size = rangeUsers(n);
  const ranges: [number, number][] = [];
  for (let s = 0; s < n; s += size) ranges.push([s, Math.min(n, s + size)]);
  return ranges;
}

/** Rank batch rows [start, end) and return their metric sums. */
export function rankBatchRows(b: RankingBatch, start: number, end: number, ctx?: TaskContext): RankingSums {
  const { scores, nItems, users, gtRows, k, maskIndptr, maskIndices, maskData } = b;
  const discounts = dcgDiscounts(k);
  const sums = new MetricSums();
  const slot = ctx?.threadId ?? 0;
  const kernel = b.heapRanked !== undefined && ctx !== undefined ? recsysKernels(ctx.memory) : null;
  const ranked = kernel !== null && b.heapRanked ? b.heapRanked.subarray(slot * k, slot * k + k) : new Int32Array(k);
  const rankedVals =
    kernel !== null && b.heapValues ? b.heapValues.subarray(slot * k, slot * k + k) : new Float64Array(k);
  const relevantMark = new Int32Array(nItems);
  for (let r = start; r < end; r++) {
    const user = users[r];
    const e = gtRows[r];
    const base = r * nItems;
    for (let p = maskIndptr[user]; p < maskIndptr[user + 1]; p++) {
      if (maskData[p] !== 0) scores[base + maskIndices[p]] = Number.NEGATIVE_INFINITY;
    }
    if (kernel !== null) {
      kernel.topk_f32(scores.byteOffset + base * 4, nItems, k, ranked.byteOffset, rankedVals.byteOffset);
    } else {
      topKIndices(scores, base, nItems, k, ranked, rankedVals);
    }
    addRankedUser(sums, ranked, k, b, e, relevantMark, r + 1, discounts);
  }
  return sums.plain();
}

export const rankBatchTask = defineTask(
  import.meta.url,
  'evaluatorRankBatch',
  (b: RankingBatch, start: number, end: number, ctx: TaskContext) => rankBatchRows(b, start, end, ctx),
);
