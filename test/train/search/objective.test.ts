import { describe, expect, it } from 'vitest';
import type { IterativeRecommender, Recommender } from '../../../src/algorithms/types.js';
import {
  DEFAULT_EARLY_STOPPING,
  learnWithOptimizer,
  type SearchEvaluator,
  TrialPrunedSignal,
} from '../../../src/train/search/objective.js';

/** An iterative model whose validation score after epoch e is `curve(e)`. */
function curveModel(curve: (epoch: number) => number): IterativeRecommender & { epoch: number; learnt: number } {
  const m = {
    className: 'IALSRecommender' as const,
    nUsers: 1,
    nItems: 1,
    epoch: 0,
    learnt: 0,
    async fit() {},
    async startTraining() {
      m.epoch = 0;
    },
    async runEpoch() {
      m.epoch++;
    },
    snapshot: () => m.epoch,
    restoreSnapshot(s: unknown) {
      m.epoch = s as number;
    },
    setTrainEpochs(n: number) {
      m.learnt = n;
    },
    async dispose() {},
    scoreUsers() {},
    scoreHistory: () => new Float32Array(0),
    learntConfig: () => ({ train_epochs: m.learnt }),
    save: () => {
      throw new Error('not used');
    },
    curve,
  };
  return m;
}

const evaluator: SearchEvaluator = {
  targetScore: (model: Recommender) =>
    (model as unknown as { curve(e: number): number; epoch: number }).curve(
      (model as unknown as { epoch: number }).epoch,
    ),
};

function recorder(prune = false) {
  const steps: number[] = [];
  const report = async (step: number): Promise<boolean> => {
    steps.push(step);
    return prune;
  };
  return { steps, report };
}

describe('learnWithOptimizer (search defaults)', () => {
  it('stops on a plateau after two validations without a 0.1% gain, keeping the best epoch', async () => {
    // Rises to 0.3 at epoch 20, then creeps up by 0.01% per validation.
    const model = curveModel((e) => (e <= 20 ? 0.015 * e : 0.3 + 0.00003 * (e - 20)));
    const r = recorder();
    const timing = { fitSeconds: 0, validationSeconds: 0, epochs: 0 };
    await learnWithOptimizer(model, evaluator, r.report, DEFAULT_EARLY_STOPPING, undefined, timing);
    // Validations at 5…30: 25 and 30 gain under 0.1% → stop after the one at 30 (not reported).
    expect(r.steps).toEqual([4, 9, 14, 19, 24]);
    expect(timing.epochs).toBe(30);
    // The small gains still moved the best snapshot: epoch 30 is the best score seen.
    expect(model.learnt).toBe(30);
    expect(model.epoch).toBe(30);
    expect(timing.fitSeconds).toBeGreaterThanOrEqual(0);
    expect(timing.validationSeconds).toBeGreaterThanOrEqual(0);
  });

  it('caps a model that keeps improving at 64 epochs', async () => {
    const model = curveModel((e) => e);
    const r = recorder();
    await learnWithOptimizer(model, evaluator, r.report, DEFAULT_EARLY_STOPPING);
    expect(model.learnt).toBe(60); // the last validation inside the cap
    expect(r.steps.at(-1)).toBe(59);
  });

  it('keeps the original rule when asked: any gain resets the count, five bad validations stop', async () => {
    const model = curveModel((e) => (e <= 20 ? 0.015 * e : 0.3 - 0.001 * (e - 20)));
    const r = recorder();
    await learnWithOptimizer(model, evaluator, r.report, { maxEpoch: 128, validateEpoch: 5, scoreDegradationMax: 5 });
    expect(r.steps).toEqual([4, 9, 14, 19, 24, 29, 34, 39]);
    expect(model.learnt).toBe(20);
  });

  it('reports its timing with the pruning signal', async () => {
    const model = curveModel((e) => e);
    const r = recorder(true);
    const err = await learnWithOptimizer(model, evaluator, r.report, DEFAULT_EARLY_STOPPING).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(TrialPrunedSignal);
    expect((err as TrialPrunedSignal).timing.epochs).toBe(5);
  });
});
