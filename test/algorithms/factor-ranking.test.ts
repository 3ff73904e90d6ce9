import { afterAll, describe, expect, it } from 'vitest';
import { Evaluator } from '../../src/algorithms/evaluator.js';
import { factorRankingAvailable } from '../../src/algorithms/factor-ranking.js';
import type { FactorScoring, Recommender, SavedModel } from '../../src/algorithms/types.js';
import type { CsrMatrix } from '../../src/linalg/csr.js';
import { closePools } from '../../src/linalg/pool.js';
import { randomCounts, rng } from './helpers.js';

afterAll(() => closePools());

/**
 * A factor model with small integer factors (every score is exact in float32, so both scoring
 * paths give identical scores and many ties), with or without an item bias. `pool: false` hides
 * the factors so the evaluator goes through `scoreUsers`.
 */
function integerFactorModel(
  nUsers: number,
  nItems: number,
  k: number,
  seed: number,
  opts: { bias: boolean; pool: boolean; train: CsrMatrix },
): Recommender {
  const r = rng(seed);
  const kp = (k + 3) & ~3;
  const userF = new Float32Array(nUsers * kp);
  const itemF = new Float32Array(nItems * kp);
  for (let u = 0; u < nUsers; u++) for (let c = 0; c < k; c++) userF[u * kp + c] = Math.floor(r() * 7) - 3;
  for (let i = 0; i < nItems; i++) for (let c = 0; c < k; c++) itemF[i * kp + c] = Math.floor(r() * 7) - 3;
  const itemBias = opts.bias ? Float32Array.from({ length: nItems }, () => Math.floor(r() * 9) - 4) : undefined;
  const factors: FactorScoring = { userF, itemF, kp, itemBias };
  const model: Recommender = {
    className: 'IALSRecommender',
    nUsers,
    nItems,
    trainMatrix: opts.train,
    async fit() {},
    scoreUsers(users: Int32Array, out: Float32Array) {
      users.forEach((u, row) => {
        for (let i = 0; i < nItems; i++) {
          let s = itemBias ? itemBias[i] : 0;
          for (let c = 0; c < kp; c++) s += userF[u * kp + c] * itemF[i * kp + c];
          out[row * nItems + i] = s;
        }
      });
    },
    scoreHistory: () => new Float32Array(nItems),
    learntConfig: () => ({}),
    save: () => ({}) as SavedModel,
  };
  if (opts.pool) model.factorScoring = () => factors;
  return model;
}

describe('evaluation of factor models on the worker pool', () => {
  it('is available when the kernels are built', () => {
    expect(factorRankingAvailable()).toBe(true);
  });

  for (const bias of [false, true]) {
    it(`gives the metrics of the scoreUsers path (${bias ? 'with' : 'without'} item bias, offset, partial panels)`, async () => {
      const nUsers = 150;
      const nItems = 61; // not a multiple of the 8-item panel
      const train = randomCounts(nUsers, nItems, 0.1, 5);
      const gt = randomCounts(nUsers - 7, nItems, 0.05, 6); // some rows empty; offset 7
      const opts = { offset: 7, cutoff: 5 };
      const viaPool = integerFactorModel(nUsers, nItems, 6, 9, { bias, pool: true, train });
      const viaScores = integerFactorModel(nUsers, nItems, 6, 9, { bias, pool: false, train });
      const a = await new Evaluator(gt, opts).evaluate(viaPool);
      const b = await new Evaluator(gt, opts).evaluate(viaScores);
      expect(a.nUsersEvaluated).toBe(b.nUsersEvaluated);
      expect(a.nUsersEvaluated).toBeGreaterThan(100);
      for (const m of ['ndcg', 'map', 'recall', 'hit', 'precision'] as const) expect(a[m]).toBeCloseTo(b[m], 12);
      expect(a.ndcg).toBeGreaterThan(0);
    });
  }

  it('gives the same metrics on one thread and on two workers (thread-count independent sums)', async () => {
    const nUsers = 1300; // several pool ranges of users
    const nItems = 1700;
    const train = randomCounts(nUsers, nItems, 0.01, 15);
    const gt = randomCounts(nUsers, nItems, 0.005, 16);
    const model = integerFactorModel(nUsers, nItems, 9, 17, { bias: false, pool: true, train });
    const one = await new Evaluator(gt, { cutoff: 10, threads: 1 }).evaluate(model);
    const two = await new Evaluator(gt, { cutoff: 10, threads: 2 }).evaluate(model);
    expect(two).toEqual(one);
    const ref = await new Evaluator(gt, { cutoff: 10 }).evaluate(
      integerFactorModel(nUsers, nItems, 9, 17, { bias: false, pool: false, train }),
    );
    expect(one.ndcg).toBeCloseTo(ref.ndcg, 12);
  });
});
