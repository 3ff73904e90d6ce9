/**
 * Trial worker thread: trains and scores one trial at a time for the search (worker-pool.ts).
 * Matrices arrive once, on shared memory, in `workerData`; each trial message carries only the
 * class and its parameters. Intermediate values go to the main thread, which answers with the
 * pruning decision.
 */
import { parentPort, workerData } from 'node:worker_threads';
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
  type TrialTiming,
  trainAndScore,
} from './objective.js';
import { serializeError } from './transfer.js';

export interface TrialWorkerData {
  envUrl: string;
  trainMatrix: CsrMatrix;
  evaluation: EvaluationInput;
  earlyStopping: EarlyStoppingOptions;
  fitThreads?: number;
}

export type ToWorker =
  | { type: 'run'; trial: number; className: string; params: Params }
  | { type: 'prune_decision'; trial: number; prune: boolean };

export type FromWorker =
  | { type: 'ready' }
  | { type: 'setup_failed'; error: ReturnType<typeof serializeError> }
  | { type: 'report'; trial: number; step: number; value: number }
  | { type: 'complete'; trial: number; score: number; learntConfig: Params; timing: TrialTiming }
  | { type: 'pruned'; trial: number; timing: TrialTiming }
  | { type: 'error'; trial: number; error: ReturnType<typeof serializeError> };

const port = parentPort;
if (!port) throw new Error('trial-worker must run in a worker thread');
const data = workerData as TrialWorkerData;
const pendingDecisions = new Map<number, (prune: boolean) => void>();
let env: TrialEnvironment;
let evaluators: TrialEvaluators;

function send(msg: FromWorker): void {
  port!.postMessage(msg);
}

async function runTrial(trial: number, className: string, params: Params): Promise<void> {
  const report = (step: number, value: number): Promise<boolean> =>
    new Promise((resolve) => {
      pendingDecisions.set(trial, resolve);
      send({ type: 'report', trial, step, value });
    });
  try {
    const spec = env.getRecommenderSpec(className);
    const r = await trainAndScore(
      spec,
      data.trainMatrix,
      params,
      evaluators,
      report,
      data.earlyStopping,
      data.fitThreads,
    );
    send({ type: 'complete', trial, score: r.score, learntConfig: r.learntConfig, timing: r.timing });
  } catch (err) {
    if (err instanceof TrialPrunedSignal) send({ type: 'pruned', trial, timing: err.timing });
    else send({ type: 'error', trial, error: serializeError(err) });
  } finally {
    collectAfterTrial();
  }
}

port.on('message', (msg: ToWorker) => {
  if (msg.type === 'prune_decision') {
    const resolve = pendingDecisions.get(msg.trial);
    pendingDecisions.delete(msg.trial);
    resolve?.(msg.prune);
  } else if (msg.type === 'run') {
    void runTrial(msg.trial, msg.className, msg.params);
  }
});

try {
  env = (await import(data.envUrl)) as TrialEnvironment;
  evaluators = createTrialEvaluators(env, data.evaluation, data.trainMatrix);
  send({ type: 'ready' });
} catch (err) {
  send({ type: 'setup_failed', error: serializeError(err) });
}
