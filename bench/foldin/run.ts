/**
 * Recommendations for users the model has not seen: fold-in quality against retraining.
 *
 *   npx tsx bench/foldin/run.ts
 *
 * On the fixed ml-latest-small split, 20% of the users (seeded) are "new": the
 * fold-in model is trained without any of their rows and scores each of them from their training
 * history alone (`scoreHistory`), while the retrained model includes their training rows and scores
 * them as known users (`scoreUsers`). Both are evaluated on the same test rows of those users
 * (nDCG@10, recall@10, history masked), with the reference hyper-parameters of bench/quality/run.ts.
 */
import { createRecommender } from '../../src/algorithms/index.js';
import type { Params } from '../../src/algorithms/types.js';
import { type CsrMatrix, csrFromCoo } from '../../src/linalg/csr.js';
import { Rng } from '../../src/linalg/random.js';
import { loadMovielensSplit } from '../common/movielens.js';

const MODELS: [string, Params][] = [
  ['TopPopRecommender', {}],
  ['IALSRecommender', { n_components: 64, alpha0: 0.1, reg: 0.01, train_epochs: 16, random_seed: 42 }],
  ['CosineKNNRecommender', { top_k: 100 }],
  ['RP3betaRecommender', { alpha: 1, beta: 0.1, top_k: 100 }],
  ['DenseSLIMRecommender', { reg: 100 }],
  ['TruncatedSVDRecommender', { n_components: 64, random_seed: 0 }],
];

function rowItems(m: CsrMatrix, r: number): Int32Array {
  return m.indices.slice(m.indptr[r], m.indptr[r + 1]);
}

/** nDCG@k and recall@k of one ranking, history items masked, ties to the lower index. */
function metrics(scores: Float32Array, history: Int32Array, truth: Int32Array, k: number): [number, number] {
  const s = Float32Array.from(scores);
  for (const i of history) s[i] = Number.NEGATIVE_INFINITY;
  const order = Array.from(s.keys())
    .filter((i) => s[i] > Number.NEGATIVE_INFINITY)
    .sort((a, b) => s[b] - s[a] || a - b)
    .slice(0, k);
  const rel = new Set(truth);
  let dcg = 0;
  let hits = 0;
  order.forEach((i, rank) => {
    if (rel.has(i)) {
      hits++;
      dcg += 1 / Math.log2(rank + 2);
    }
  });
  let idcg = 0;
  for (let r = 0; r < Math.min(truth.length, order.length); r++) idcg += 1 / Math.log2(r + 2);
  return [idcg > 0 ? dcg / idcg : 0, hits / truth.length];
}

async function main(): Promise<void> {
  const { train, test } = loadMovielensSplit();
  const rng = new Rng(7);
  const isNew = new Uint8Array(train.rows);
  const users = Array.from({ length: train.rows }, (_, u) => u);
  rng.shuffle(users);
  for (const u of users.slice(0, Math.floor(train.rows * 0.2))) isNew[u] = 1;
  // Known-only matrix: the new users' rows are emptied (kept as rows so indices stay aligned).
  const r: number[] = [];
  const c: number[] = [];
  for (let u = 0; u < train.rows; u++) {
    if (isNew[u]) continue;
    for (const i of rowItems(train, u)) {
      r.push(u);
      c.push(i);
    }
  }
  const known = csrFromCoo(train.rows, train.cols, r, c);
  const evalUsers = users.filter(
    (u) => isNew[u] && test.indptr[u + 1] > test.indptr[u] && train.indptr[u + 1] > train.indptr[u],
  );
  console.log(`${evalUsers.length} new users, ${train.cols} items, new users' training rows removed for fold-in`);
  console.log(
    '\n| algorithm | nDCG@10 fold-in | nDCG@10 retrained | ratio | recall@10 fold-in | recall@10 retrained | fold-in µs/user |',
  );
  console.log('|---|---|---|---|---|---|---|');
  const scores = new Float32Array(train.cols);
  for (const [cls, params] of MODELS) {
    const foldModel = createRecommender(cls, known, params);
    await foldModel.fit();
    const full = createRecommender(cls, train, params);
    await full.fit();
    let nF = 0;
    let nR = 0;
    let rF = 0;
    let rR = 0;
    let foldMs = 0;
    for (const u of evalUsers) {
      const history = rowItems(train, u);
      const truth = rowItems(test, u);
      const t0 = performance.now();
      const folded = foldModel.scoreHistory(history);
      foldMs += performance.now() - t0;
      const [n1, r1] = metrics(folded, history, truth, 10);
      full.scoreUsers(Int32Array.of(u), scores);
      const [n2, r2] = metrics(scores, history, truth, 10);
      nF += n1;
      rF += r1;
      nR += n2;
      rR += r2;
    }
    const m = evalUsers.length;
    console.log(
      `| ${cls.replace('Recommender', '')} | ${(nF / m).toFixed(4)} | ${(nR / m).toFixed(4)} | ${(nF / nR).toFixed(3)} | ${(rF / m).toFixed(4)} | ${(rR / m).toFixed(4)} | ${((foldMs / m) * 1000).toFixed(0)} |`,
    );
  }
  process.exit(0);
}

await main();
