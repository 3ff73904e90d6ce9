/**
 * Evaluation of latent-factor models by the norm-ordered scan (src/algorithms/factor-ranking.ts):
 * the metrics of ranking every user by full scoring, including users left with fewer unmasked
 * items than the cutoff, and the probe that keeps the GEMM where scans would cover too much.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { Evaluator } from '../../src/algorithms/evaluator.js';
import { scanStats } from '../../src/algorithms/factor-ranking.js';
import { loadRecommender } from '../../src/algorithms/index.js';
import type { Recommender } from '../../src/algorithms/types.js';
import { type CsrMatrix, csrFromCoo } from '../../src/linalg/csr.js';
import { closePools } from '../../src/linalg/pool.js';
import { Rng } from '../../src/linalg/random.js';
import { randomCounts } from './helpers.js';

/** IALS factors whose item norms fall with the item index (as popularity makes them), or stay flat. */
function factorModel(train: CsrMatrix, k: number, seed: number, decay: boolean): Recommender {
  const rng = new Rng(seed);
  const users = Float32Array.from({ length: train.rows * k }, () => rng.nextFloat() - 0.2);
  const items = new Float32Array(train.cols * k);
  for (let i = 0; i < train.cols; i++)
    for (let t = 0; t < k; t++) items[i * k + t] = (rng.nextFloat() - 0.2) / (decay ? 1 + i / 10 : 1);
  return loadRecommender(
    {
      algorithm: 'IALSRecommender',
      modelFormatVersion: 1,
      params: { n_components: k },
      arrays: {
        user_factors: { dtype: 'float32', shape: [train.rows, k], data: users },
        item_factors: { dtype: 'float32', shape: [train.cols, k], data: items },
      },
    },
    train,
  );
}

/** The same model seen only through scoreUsers: the evaluator scores it in full on the calling thread. */
function scoredInFull(model: Recommender): Recommender {
  return {
    className: model.className,
    nUsers: model.nUsers,
    nItems: model.nItems,
    fit: async () => {},
    scoreUsers: (users, out) => model.scoreUsers(users, out),
    scoreHistory: (items) => model.scoreHistory(items),
    learntConfig: () => ({}),
    save: () => model.save(),
  };
}

const KEYS = ['ndcg', 'map', 'recall', 'hit', 'precision'] as const;

describe('evaluation by norm-ordered scan', () => {
  afterAll(closePools);

  it('gives the metrics of full scoring', async () => {
    const train = randomCounts(900, 1500, 0.01, 51);
    const gt = randomCounts(900, 1500, 0.01, 52);
    const model = factorModel(train, 16, 3, true);
    const before = scanStats.evaluations;
    const scanned = await new Evaluator(gt, { cutoff: 10, threads: 2, mask: train }).evaluate(model);
    expect(scanStats.evaluations).toBe(before + 1);
    const full = await new Evaluator(gt, { cutoff: 10, threads: 2, mask: train }).evaluate(scoredInFull(model));
    expect(scanned.nUsersEvaluated).toBeGreaterThan(800);
    expect(scanned.nUsersEvaluated).toBe(full.nUsersEvaluated);
    expect(scanned.hit).toBeGreaterThan(0);
    for (const key of KEYS) expect(scanned[key]).toBeCloseTo(full[key], 12);
  });

  it('fills the list with masked items in index order when fewer than k items are left', async () => {
    const nUsers = 40;
    const nItems = 300;
    // users past the probe's 32 have trained on all but 4 items; their held-out items include masked ones
    const rows: number[] = [];
    const cols: number[] = [];
    for (let u = 32; u < nUsers; u++) {
      for (let i = 4; i < nItems; i++) {
        rows.push(u);
        cols.push(i);
      }
    }
    const train = csrFromCoo(nUsers, nItems, rows, cols);
    const gt = csrFromCoo(
      nUsers,
      nItems,
      Array.from({ length: nUsers * 3 }, (_, j) => Math.floor(j / 3)),
      Array.from({ length: nUsers * 3 }, (_, j) => [1, 5, 6][j % 3]),
    );
    const model = factorModel(train, 8, 4, true);
    const before = scanStats.evaluations;
    const scanned = await new Evaluator(gt, { cutoff: 10, threads: 2, mask: train }).evaluate(model);
    expect(scanStats.evaluations).toBe(before + 1);
    const full = await new Evaluator(gt, { cutoff: 10, threads: 2, mask: train }).evaluate(scoredInFull(model));
    for (const key of KEYS) expect(scanned[key]).toBeCloseTo(full[key], 12);
    // for the last 8 users, items 5 and 6 only count through the masked tail: 2 of 3 held-out items
    expect(scanned.recall).toBeGreaterThan((8 * (2 / 3)) / nUsers);
  });

  it('keeps full scoring when the probe finds scans covering most of the catalogue', async () => {
    const train = randomCounts(300, 1200, 0.01, 61);
    const gt = randomCounts(300, 1200, 0.01, 62);
    const model = factorModel(train, 16, 5, false);
    const before = scanStats.evaluations;
    const result = await new Evaluator(gt, { cutoff: 10, threads: 2, mask: train }).evaluate(model);
    expect(scanStats.evaluations).toBe(before);
    const full = await new Evaluator(gt, { cutoff: 10, threads: 2, mask: train }).evaluate(scoredInFull(model));
    for (const key of KEYS) expect(result[key]).toBeCloseTo(full[key], 12);
  });
});
