/**
 * The trial environment of the product: the algorithm registry and the evaluator of
 * src/algorithms. Loaded by the search in the main thread and in every trial worker.
 */
import { Evaluator, getAlgorithmSpec } from '../../algorithms/index.js';
import type { RecommenderSpec } from '../../algorithms/types.js';
import type { CsrMatrix } from '../../linalg/csr.js';
import type { EvaluationInput, SearchEvaluator } from './objective.js';

export function getRecommenderSpec(className: string): RecommenderSpec {
  return getAlgorithmSpec(className);
}

export function createEvaluator(input: EvaluationInput & { trainMatrix: CsrMatrix }): SearchEvaluator {
  // The search trains every model on `trainMatrix`, so that is the mask of each evaluated row.
  return new Evaluator(input.groundTruth, {
    offset: input.offset,
    cutoff: input.cutoff,
    metric: input.metric,
    mask: input.trainMatrix,
    threads: input.threads,
  });
}
