/**
 * Events against retraining, on the fixed ml-latest-small split: for every user with test rows,
 * 20% of their training rows (seeded) are held back as "events". Model A is trained without those
 * rows and scores each user as `:recommend` does with realtime events: the training row plus the
 * events folded in (`scoreHistory` over the union). Model B is retrained with every row and scores
 * the user as a known user. Same test rows, history masked, IALS with the reference parameters of bench/quality/run.ts.
 *
 *   npx tsx bench/events/quality.ts
 */
import { createRecommender } from '../../src/algorithms/index.js';
import { csrFromCoo } from '../../src/linalg/csr.js';
import { Rng } from '../../src/linalg/random.js';
import { loadMovielensSplit } from '../common/movielens.js';

const PARAMS = { n_components: 64, alpha0: 0.1, reg: 0.01, train_epochs: 16, random_seed: 42 };

function ndcg(scores: Float32Array, history: Int32Array, truth: Int32Array, k: number): number {
  const s = Float32Array.from(scores);
  for (const i of history) s[i] = Number.NEGATIVE_INFINITY;
  const order = Array.from(s.keys())
    .filter((i) => s[i] > Number.NEGATIVE_INFINITY)
    .sort((a, b) => s[b] - s[a] || a - b)
    .slice(0, k);
  const rel = new Set(truth);
  let dcg = 0;
  order.forEach((i, rank) => {
    if (rel.has(i)) dcg += 1 / Math.log2(rank + 2);
  });
  let idcg = 0;
  for (let r = 0; r < Math.min(truth.length, k); r++) idcg += 1 / Math.log2(r + 2);
  return idcg > 0 ? dcg / idcg : 0;
}

const { train, test } = loadMovielensSplit();
const rng = new Rng(11);
const rows: number[] = [];
const cols: number[] = [];
const evalUsers: number[] = [];
for (let u = 0; u < train.rows; u++) {
  const items = Array.from(train.indices.slice(train.indptr[u], train.indptr[u + 1]));
  const hasTest = test.indptr[u + 1] > test.indptr[u];
  rng.shuffle(items);
  const held = hasTest ? Math.floor(items.length * 0.2) : 0;
  if (hasTest && held > 0) evalUsers.push(u);
  for (const i of items.slice(held)) {
    rows.push(u);
    cols.push(i);
  }
}
const without = csrFromCoo(train.rows, train.cols, rows, cols);
const modelA = createRecommender('IALSRecommender', without, PARAMS);
await modelA.fit();
const modelB = createRecommender('IALSRecommender', train, PARAMS);
await modelB.fit();
let a = 0;
let b = 0;
const scores = new Float32Array(train.cols);
for (const u of evalUsers) {
  const history = train.indices.slice(train.indptr[u], train.indptr[u + 1]);
  const truth = test.indices.slice(test.indptr[u], test.indptr[u + 1]);
  a += ndcg(modelA.scoreHistory(history), history, truth, 10);
  modelB.scoreUsers(Int32Array.of(u), scores);
  b += ndcg(scores, history, truth, 10);
}
const n = evalUsers.length;
console.log(
  JSON.stringify({
    users: n,
    ndcg10_events: a / n,
    ndcg10_retrained: b / n,
    ratio: a / b,
    rows_without_events: without.indices.length,
    rows_all: train.indices.length,
  }),
);
process.exit(0);
