/**
 * Where a trial's training runs: on the calling thread (parallelism 1 without a per-trial timeout,
 * the fast path) or in a pooled worker thread.
 */
import type { Params } from '../../algorithms/types.js';
import type { CsrMatrix } from '../../linalg/csr.js';
import { collectAfterTrial } from './collect.js';
import {
  createTrialEvaluators,
  type EarlyStoppingOptions,
  type EvaluationInput,
  type TrialEnvironment,
  type TrialEvaluators,
  TrialPrunedSignal,
  trainAndScore,
} from './objective.js';
import { toSharedCsr } from './transfer.js';
import { TrialWorkerPool, type WorkerOutcome } from './worker-pool.js';

export interface TrialExecutor {
  run(task: {
    trial: number;
    className: string;
    params: Params;
    onReport: (step: number, value: number) => Promise<boolean>;
    timeoutMs?: number;
  }): Promise<WorkerOutcome>;
  close(): Promise<void>;
}

export class InProcessExecutor implements TrialExecutor {
  private evaluators: TrialEvaluators | null = null;

  constructor(
    private readonly env: TrialEnvironment,
    private readonly trainMatrix: CsrMatrix,
    private readonly evaluation: EvaluationInput,
    private readonly es: EarlyStoppingOptions,
    private readonly fitThreads?: number,
  ) {}

  async run(task: Parameters<TrialExecutor['run']>[0]): Promise<WorkerOutcome> {
    this.evaluators ??= createTrialEvaluators(this.env, this.evaluation, this.trainMatrix);
    const spec = this.env.getRecommenderSpec(task.className);
    try {
      const r = await trainAndScore(
        spec,
        this.trainMatrix,
        task.params,
        this.evaluators,
        task.onReport,
        this.es,
        this.fitThreads,
      );
      return { kind: 'complete', score: r.score, learntConfig: r.learntConfig, timing: r.timing };
    } catch (err) {
      if (err instanceof TrialPrunedSignal) return { kind: 'pruned', timing: err.timing };
      throw err;
    } finally {
      collectAfterTrial();
    }
  }

  async close(): Promise<void> {}
}

export class WorkerExecutor implements TrialExecutor {
  private readonly pool: TrialWorkerPool;

  constructor(
    envUrl: string,
    trainMatrix: CsrMatrix,
    evaluation: EvaluationInput,
    es: EarlyStoppingOptions,
    fitThreads?: number,
  ) {
    this.pool = new TrialWorkerPool({
      envUrl,
      trainMatrix: toSharedCsr(trainMatrix),
      evaluation: {
        ...evaluation,
        groundTruth: toSharedCsr(evaluation.groundTruth),
        sampleGroundTruth: evaluation.sampleGroundTruth ? toSharedCsr(evaluation.sampleGroundTruth) : null,
      },
      earlyStopping: es,
      fitThreads,
    });
  }

  run(task: Parameters<TrialExecutor['run']>[0]): Promise<WorkerOutcome> {
    return this.pool.run(task);
  }

  close(): Promise<void> {
    return this.pool.close();
  }
}
