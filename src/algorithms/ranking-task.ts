/**
 * The per-user half of an evaluation: mask, rank and score a batch of users whose item scores are
 * already computed. Plain typed arrays in and a few sums out, so it runs the same on the calling
 * thread and on pool workers (where the arrays are shared, not copied).
 */
import { defineTask } from '../linalg/pool.js';
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
}

/** Plain-object form of the sums (what a worker posts back). */
export type RankingSums = Pick<MetricSums, 'ndcg' | 'map' | 'recall' | 'hit' | 'precision' | 'validUsers'>;

/** Rank batch rows [start, end) and return their metric sums. */
export function rankBatchRows(b: RankingBatch, start: number, end: number): RankingSums {
  const { scores, nItems, users, gtRows, k, maskIndptr, maskIndices, maskData, gtIndptr, gtIndices, gtData } = b;
  const discounts = dcgDiscounts(k);
  const sums = new MetricSums();
  const ranked = new Int32Array(k);
  const rankedVals = new Float64Array(k);
  const relevantMark = new Int32Array(nItems);
  for (let r = start; r < end; r++) {
    const user = users[r];
    const e = gtRows[r];
    const base = r * nItems;
    for (let p = maskIndptr[user]; p < maskIndptr[user + 1]; p++) {
      if (maskData[p] !== 0) scores[base + maskIndices[p]] = Number.NEGATIVE_INFINITY;
    }
    topKIndices(scores, base, nItems, k, ranked, rankedVals);
    const stamp = r + 1;
    let nGt = 0;
    for (let p = gtIndptr[e]; p < gtIndptr[e + 1]; p++) {
      const i = gtIndices[p];
      if (gtData[p] !== 0 && relevantMark[i] !== stamp) {
        relevantMark[i] = stamp;
        nGt++;
      }
    }
    if (nGt > 0) addUserMetrics(sums, ranked, k, nGt, relevantMark, stamp, discounts);
  }
  return {
    ndcg: sums.ndcg,
    map: sums.map,
    recall: sums.recall,
    hit: sums.hit,
    precision: sums.precision,
    validUsers: sums.validUsers,
  };
}

export const rankBatchTask = defineTask(
  import.meta.url,
  'evaluatorRankBatch',
  (b: RankingBatch, start: number, end: number) => rankBatchRows(b, start, end),
);
