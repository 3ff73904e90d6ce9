/**
 * The training part of one trial (training.md §6.4 steps 4–5), shared by the in-process path and
 * the trial worker: build the model, train it (with the early-stopping loop of §2.10 for iterative
 * models), score it.
 */

import type { Params, Recommender, RecommenderSpec } from '../../algorithms/types.js';
import { isIterative } from '../../algorithms/types.js';
import type { CsrMatrix } from '../../linalg/csr.js';

/** What the search needs from the evaluator of training.md §4. */
export interface SearchEvaluator {
  targetScore(model: Recommender): number | Promise<number>;
}

/** Data the evaluator is built from (plain arrays, so it can cross into a worker). */
export interface EvaluationInput {
  /** Ground truth of the validation users (row e ↔ row `offset + e` of the training matrix). */
  groundTruth: CsrMatrix;
  offset: number;
  cutoff: number;
  metric: string;
}

/**
 * The module a search loads (in the main thread and in every trial worker) to build models and
 * the evaluator. The product's default is `default-env.ts`; tests substitute their own.
 */
export interface TrialEnvironment {
  getRecommenderSpec(className: string): RecommenderSpec;
  createEvaluator(input: EvaluationInput & { trainMatrix: CsrMatrix }): SearchEvaluator;
}

export interface EarlyStoppingOptions {
  maxEpoch: number;
  validateEpoch: number;
  scoreDegradationMax: number;
}

export const DEFAULT_EARLY_STOPPING: EarlyStoppingOptions = { maxEpoch: 128, validateEpoch: 5, scoreDegradationMax: 5 };

/** Reports an intermediate objective value; resolves to true when the trial should be pruned. */
export type ReportFn = (step: number, value: number) => Promise<boolean>;

/** Thrown inside a trial when the pruner stops it. */
export class TrialPrunedSignal extends Error {
  override name = 'TrialPrunedSignal';
}

export interface TrainedTrial {
  score: number;
  learntConfig: Params;
}

/** Train `model` as training.md §2.10 describes (non-iterative models just fit). */
export async function learnWithOptimizer(
  model: Recommender,
  evaluator: SearchEvaluator,
  report: ReportFn,
  es: EarlyStoppingOptions,
  fitThreads?: number,
): Promise<void> {
  const fitOpts = fitThreads === undefined ? undefined : { threads: fitThreads };
  if (!isIterative(model)) {
    await model.fit(fitOpts);
    return;
  }
  await model.startTraining(fitOpts);
  let best = Number.NEGATIVE_INFINITY;
  let bad = 0;
  let snapshot: unknown;
  let bestEpochs = 0;
  let epochsRun = 0;
  for (let epoch = 0; epoch < es.maxEpoch; epoch++) {
    await model.runEpoch();
    epochsRun = epoch + 1;
    if ((epoch + 1) % es.validateEpoch !== 0) continue;
    const s = await evaluator.targetScore(model);
    if (s > best) {
      best = s;
      snapshot = model.snapshot();
      bestEpochs = epoch + 1;
      bad = 0;
    } else {
      bad += 1;
      if (bad >= es.scoreDegradationMax) break;
    }
    if (await report(epoch, -s)) throw new TrialPrunedSignal(`Trial pruned at epoch ${epoch + 1}.`);
  }
  if (bestEpochs > 0) {
    model.restoreSnapshot(snapshot);
    model.setTrainEpochs(bestEpochs);
  } else {
    // Never validated (max_epoch < validate_epoch): the model as trained is the result.
    model.setTrainEpochs(epochsRun);
  }
}

/** Steps 4–5 of §6.4 for one trial. */
export async function trainAndScore(
  spec: RecommenderSpec,
  trainMatrix: CsrMatrix,
  params: Params,
  evaluator: SearchEvaluator,
  report: ReportFn,
  es: EarlyStoppingOptions,
  fitThreads?: number,
): Promise<TrainedTrial> {
  const model = spec.create(trainMatrix, { ...spec.defaults, ...params });
  try {
    await learnWithOptimizer(model, evaluator, report, es, fitThreads);
    const score = await evaluator.targetScore(model);
    return { score, learntConfig: model.learntConfig() };
  } finally {
    if (isIterative(model)) await model.dispose();
  }
}
