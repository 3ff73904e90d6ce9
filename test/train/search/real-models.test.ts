import { describe, expect, it } from 'vitest';
import { csrFromCoo } from '../../../src/linalg/csr.js';
import { runSearch } from '../../../src/train/search/index.js';
import { Rng } from '../../../src/train/search/rng.js';

const ENV = new URL('./fixtures/item-knn-env.ts', import.meta.url).href;

/**
 * 120 users in 4 taste groups over 60 items (15 per group): each user interacts with 8 random items
 * of their group and 2 random others. The last 40 users hold out 3 of their group items.
 */
function dataset() {
  const rng = new Rng(17);
  const U = 120;
  const I = 60;
  const trainR: number[] = [];
  const trainC: number[] = [];
  const gtR: number[] = [];
  const gtC: number[] = [];
  for (let u = 0; u < U; u++) {
    const g = u % 4;
    const own = Array.from({ length: 15 }, (_, k) => g * 15 + k);
    rng.shuffle(own);
    const heldOut = u >= 80 ? own.slice(0, 3) : [];
    for (const i of own.slice(heldOut.length, heldOut.length + 8)) {
      trainR.push(u);
      trainC.push(i);
    }
    for (let k = 0; k < 2; k++) {
      trainR.push(u);
      trainC.push(rng.nextInt(I));
    }
    for (const i of heldOut) {
      gtR.push(u - 80);
      gtC.push(i);
    }
  }
  return { train: csrFromCoo(U, I, trainR, trainC), gt: csrFromCoo(40, I, gtR, gtC) };
}

describe('search over the real item-based recommenders', () => {
  const { train, gt } = dataset();
  const base = {
    classes: ['CosineKNNRecommender', 'RP3betaRecommender'],
    budgets: { CosineKNNRecommender: 4, RP3betaRecommender: 4 },
    nTrials: 8,
    seed: 3,
    trainMatrix: train,
    evaluation: { groundTruth: gt, offset: 80, cutoff: 5, metric: 'ndcg' },
    trialEnv: ENV,
  };

  it('finds a configuration that recovers the taste groups, in process and in workers alike', async () => {
    const inProcess = await runSearch({ ...base, studyName: 'real-1' });
    expect(inProcess.n_completed).toBe(8);
    // Random ranking would put about 5·3/60 relevant items in the top 5; the groups make it easy.
    expect(inProcess.best_score).toBeGreaterThan(0.5);
    expect(base.classes).toContain(inProcess.best_class);
    expect(Object.keys(inProcess.best_params).length).toBeGreaterThan(0);

    // Same seed, workers on shared memory, one trial at a time: the same trials and scores.
    const inWorkers = await runSearch({ ...base, studyName: 'real-2', perTrialTimeoutSeconds: 60 });
    expect(inWorkers.trials.map((t) => [t.params, t.value])).toEqual(inProcess.trials.map((t) => [t.params, t.value]));
  }, 60_000);
});
