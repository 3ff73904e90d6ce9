/**
 * Ranking metrics @k as the reference measurements define them (training items masked to −∞, ties to the
 * lower item index, recall and MAP divided by |GT|, IDCG truncated at k, mean over users with a
 * non-empty ground truth). A stand-alone copy for benchmarks, scored in user blocks.
 */
import type { CsrMatrix } from '../../src/linalg/csr.js';
import { maskRow, topK } from '../../src/linalg/topk.js';

export interface RankingMetrics {
  ndcg: number;
  recall: number;
  map: number;
  hit: number;
  precision: number;
  users: number;
}

export interface Scorer {
  readonly nItems: number;
  scoreUsers(users: Int32Array, out: Float32Array): void;
}

export function evaluateRanking(model: Scorer, train: CsrMatrix, test: CsrMatrix, k = 10, block = 256): RankingMetrics {
  const nItems = model.nItems;
  const sums = { ndcg: 0, recall: 0, map: 0, hit: 0, precision: 0 };
  let valid = 0;
  const candidates: number[] = [];
  for (let u = 0; u < test.rows; u++) if (test.indptr[u + 1] > test.indptr[u]) candidates.push(u);
  const scores = new Float32Array(block * nItems);
  const gt = new Uint8Array(nItems);
  for (let b = 0; b < candidates.length; b += block) {
    const users = Int32Array.from(candidates.slice(b, b + block));
    model.scoreUsers(users, scores);
    for (let r = 0; r < users.length; r++) {
      const u = users[r];
      maskRow(scores, r * nItems, train, u);
      const rec = topK(scores, k, { offset: r * nItems, n: nItems });
      const g0 = test.indptr[u];
      const g1 = test.indptr[u + 1];
      for (let p = g0; p < g1; p++) gt[test.indices[p]] = 1;
      const nGt = g1 - g0;
      let hits = 0;
      let dcg = 0;
      let ap = 0;
      for (let i = 0; i < rec.length; i++) {
        if (gt[rec[i]]) {
          hits++;
          dcg += 1 / Math.log2(i + 2);
          ap += hits / (i + 1);
        }
      }
      let idcg = 0;
      for (let i = 0; i < Math.min(nGt, rec.length); i++) idcg += 1 / Math.log2(i + 2);
      for (let p = g0; p < g1; p++) gt[test.indices[p]] = 0;
      valid++;
      if (rec.length === 0) continue;
      sums.ndcg += idcg > 0 ? dcg / idcg : 0;
      sums.recall += hits / nGt;
      sums.map += ap / nGt;
      sums.hit += hits > 0 ? 1 : 0;
      sums.precision += hits / rec.length;
    }
  }
  const d = Math.max(valid, 1);
  return {
    ndcg: sums.ndcg / d,
    recall: sums.recall / d,
    map: sums.map / d,
    hit: sums.hit / d,
    precision: sums.precision / d,
    users: valid,
  };
}
