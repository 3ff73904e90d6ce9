/**
 * The training part of one trial, shared by the in-process path and
 * the trial worker: build the model, train it (with the early-stopping loop for iterative
 * models), score it.
 */

import type { Params, Recommender, RecommenderSpec } from '../../algorithms/types.js';
import { isIterative } from '../../algorithms/types.js';
import type { CsrMatrix } from '../../linalg/csr.js';

/** What the search needs from the evaluator. */
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
  /**
   * The same rows restricted to a seeded sample of users (validation-sample.ts), scored between
   * epochs; absent or null: every validation between epochs is exact.
   */
  sampleGroundTruth?: CsrMatrix | null;
  /** Threads the evaluator may rank on (default 1). */
  threads?: number;
}

/** The evaluators of one search: sampled between epochs, exact for the score a trial ends with. */
export interface TrialEvaluators {
  between: SearchEvaluator;
  final: SearchEvaluator;
}

export function createTrialEvaluators(
  env: TrialEnvironment,
  input: EvaluationInput,
  trainMatrix: CsrMatrix,
): TrialEvaluators {
  const { sampleGroundTruth, ...exact } = input;
  const final = env.createEvaluator({ ...exact, trainMatrix });
  const between = sampleGroundTruth
    ? env.createEvaluator({ ...exact, groundTruth: sampleGroundTruth, trainMatrix })
    : final;
  return { between, final };
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
  /** Validations in a row without a significant improvement that stop the training. */
  scoreDegradationMax: number;
  /**
   * Relative gain over the best score a validation needs to reset that count (0: any gain does).
   * A smaller gain still becomes the new best (and its snapshot); it just does not buy more epochs.
   */
  minRelativeImprovement?: number;
}

/**
 * The search's early stopping: validate every 5 epochs; stop after 2 validations in a row that
 * gain less than 0.1% over the best, and after 64 epochs at most. (The original validates up to 128 epochs
 * and waits for 5 validations without any gain; on plateaus that is 25 epochs of almost no change
 * per trial.)
 */
export const DEFAULT_EARLY_STOPPING: EarlyStoppingOptions = {
  maxEpoch: 64,
  validateEpoch: 5,
  scoreDegradationMax: 2,
  minRelativeImprovement: 0.001,
};

/** Reports an intermediate objective value; resolves to true when the trial should be pruned. */
export type ReportFn = (step: number, value: number) => Promise<boolean>;

/** Thrown inside a trial when the pruner stops it. */
export class TrialPrunedSignal extends Error {
  override name = 'TrialPrunedSignal';
  constructor(
    message: string,
    readonly timing: TrialTiming = emptyTiming(),
  ) {
    super(message);
  }
}

function seconds(since: number): number {
  return (performance.now() - since) / 1000;
}

/** Where a trial's time went (seconds), reported with every finished trial. */
export interface TrialTiming {
  /** Building and training the model (all epochs of an iterative model). */
  fitSeconds: number;
  /** Intermediate validations plus the final score. */
  validationSeconds: number;
  /** Epochs run (0 for models without epochs). */
  epochs: number;
}

export function emptyTiming(): TrialTiming {
  return { fitSeconds: 0, validationSeconds: 0, epochs: 0 };
}

export interface TrainedTrial {
  score: number;
  learntConfig: Params;
  timing: TrialTiming;
}

/** Train `model`: iterative models with validation and early stopping, the others just fit. */
export async function learnWithOptimizer(
  model: Recommender,
  evaluator: SearchEvaluator,
  report: ReportFn,
  es: EarlyStoppingOptions,
  fitThreads?: number,
  timing: TrialTiming = emptyTiming(),
): Promise<void> {
  const fitOpts = fitThreads === undefined ? undefined : { threads: fitThreads };
  let t0 = performance.now();
  if (!isIterative(model)) {
    await model.fit(fitOpts);
    timing.fitSeconds += seconds(t0);
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
    timing.epochs = epochsRun;
    if ((epoch + 1) % es.validateEpoch !== 0) continue;
    timing.fitSeconds += seconds(t0);
    t0 = performance.now();
    const s = await evaluator.targetScore(model);
    timing.validationSeconds += seconds(t0);
    t0 = performance.now();
    const significant =
      best === Number.NEGATIVE_INFINITY || s > best + Math.abs(best) * (es.minRelativeImprovement ?? 0);
    if (s > best) {
      best = s;
      snapshot = model.snapshot(snapshot);
      bestEpochs = epoch + 1;
    }
    if (significant) {
      bad = 0;
    } else {
      bad += 1;
      if (bad >= es.scoreDegradationMax) break;
    }
    if (await report(epoch, -s)) throw new TrialPrunedSignal(`Trial pruned at epoch ${epoch + 1}.`, timing);
  }
  timing.fitSeconds += seconds(t0);
  if (bestEpochs > 0) {
    model.restoreSnapshot(snapshot);
    model.setTrainEpochs(bestEpochs);
  } else {
    // Never validated (max_epoch < validate_epoch): the model as trained is the result.
    model.setTrainEpochs(epochsRun);
  }
}

/** Score one trial and record its outcome. */
export async function trainAndScore(
  spec: RecommenderSpec,
  trainMatrix: CsrMatrix,
  params: Params,
  evaluators: TrialEvaluators,
  report: ReportFn,
  es: EarlyStoppingOptions,
  fitThreads?: number,
): Promise<TrainedTrial> {
  const timing = emptyTiming();
  const t0 = performance.now();
  const model = spec.create(trainMatrix, { ...spec.defaults, ...params });
  timing.fitSeconds += seconds(t0);
  try {
    await learnWithOptimizer(model, evaluators.between, report, es, fitThreads, timing);
    const t1 = performance.now();
    const score = await evaluators.final.targetScore(model);
    timing.validationSeconds += seconds(t1);
    return { score, learntConfig: model.learntConfig(), timing };
  } finally {
    // the trial's model is thrown away: no copy of its factors out of shared memory
    if (isIterative(model)) await model.dispose(true);
  }
}
