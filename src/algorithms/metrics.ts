/**
 * Ranking and per-user accuracy metrics. Plain typed-array code
 * so the same functions serve the evaluator on any thread.
 */

/** 1/log2(i+2) for 0-based rank i. */
export function dcgDiscounts(k: number): Float64Array {
  const d = new Float64Array(k);
  for (let i = 0; i < k; i++) d[i] = 1 / Math.log2(i + 2);
  return d;
}

/**
 * Indices of the `k` best entries of `scores[from, from+n)` into `out` (best first): higher score
 * first, equal scores → smaller index, NaN and −∞ last (by index). Requires k ≤ n. The scan keeps a
 * sorted list and rejects most entries with one comparison against the current k-th score.
 */
export function topKIndices(
  scores: Float32Array,
  from: number,
  n: number,
  k: number,
  outIdx: Int32Array,
  outVal: Float64Array,
): void {
  if (k <= 0) return;
  // Seed with the first k entries, sorted (stable insertion keeps smaller indices first on ties).
  for (let i = 0; i < k; i++) {
    let v = scores[from + i];
    if (Number.isNaN(v)) v = Number.NEGATIVE_INFINITY;
    let p = i;
    while (p > 0 && outVal[p - 1] < v) {
      outVal[p] = outVal[p - 1];
      outIdx[p] = outIdx[p - 1];
      p--;
    }
    outVal[p] = v;
    outIdx[p] = i;
  }
  let threshold = outVal[k - 1];
  for (let i = k; i < n; i++) {
    const v = scores[from + i];
    // Later indices lose ties, so only a strictly larger score enters; NaN never does.
    if (v > threshold) {
      let p = k - 1;
      while (p > 0 && outVal[p - 1] < v) {
        outVal[p] = outVal[p - 1];
        outIdx[p] = outIdx[p - 1];
        p--;
      }
      outVal[p] = v;
      outIdx[p] = i;
      threshold = outVal[k - 1];
    }
  }
}

/** Metric sums over evaluated users (divide by `validUsers` for the means). */
export class MetricSums {
  ndcg = 0;
  map = 0;
  recall = 0;
  hit = 0;
  precision = 0;
  validUsers = 0;
  totalUsers = 0;

  /** Add another part's sums (a worker's plain-object sums carry no `totalUsers`). */
  merge(
    o: Pick<MetricSums, 'ndcg' | 'map' | 'recall' | 'hit' | 'precision' | 'validUsers'> & { totalUsers?: number },
  ): void {
    this.ndcg += o.ndcg;
    this.map += o.map;
    this.recall += o.recall;
    this.hit += o.hit;
    this.precision += o.precision;
    this.validUsers += o.validUsers;
    this.totalUsers += o.totalUsers ?? 0;
  }

  /** The sums a pool task posts back (a plain object; `totalUsers` is the caller's). */
  plain(): Pick<MetricSums, 'ndcg' | 'map' | 'recall' | 'hit' | 'precision' | 'validUsers'> {
    const { ndcg, map, recall, hit, precision, validUsers } = this;
    return { ndcg, map, recall, hit, precision, validUsers };
  }
}

/**
 * Add one user's metrics: `ranked[0..kEff)` are the recommended items, `isRelevant(item)` tells
 * ground-truth membership, `nGt` = |G| > 0.
 */
export function addUserMetrics(
  sums: MetricSums,
  ranked: Int32Array,
  kEff: number,
  nGt: number,
  relevantMark: Int32Array,
  stamp: number,
  discounts: Float64Array,
): void {
  let dcg = 0;
  let hits = 0;
  let ap = 0;
  for (let i = 0; i < kEff; i++) {
    if (relevantMark[ranked[i]] === stamp) {
      dcg += discounts[i];
      hits++;
      ap += hits / (i + 1);
    }
  }
  let idcg = 0;
  const ideal = Math.min(nGt, kEff);
  for (let i = 0; i < ideal; i++) idcg += discounts[i];
  sums.validUsers++;
  if (hits > 0) sums.hit += 1;
  sums.recall += hits / nGt;
  sums.precision += kEff > 0 ? hits / kEff : 0;
  sums.ndcg += idcg > 0 ? dcg / idcg : 0;
  sums.map += ap / nGt;
}
