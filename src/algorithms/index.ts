/** The recommenders, their registry and the evaluator. */

export { CosineKNNRecommender, computeCosineKnnWeights } from './cosine-knn.js';
export { computeDenseSlimWeights, DenseSLIMRecommender } from './dense-slim.js';
export {
  type EvaluationResult,
  Evaluator,
  type EvaluatorOptions,
  METRIC_NAMES,
  type MetricName,
  parseMetric,
  validateCutoff,
} from './evaluator.js';
export {
  ALGORITHM_NAMES,
  ALGORITHM_SPECS,
  CANONICAL_CLASSES,
  type CanonicalClass,
  createRecommender,
  getAlgorithmSpec,
  loadRecommender,
  MODEL_FORMATS,
  resolveAlgorithmName,
} from './registry.js';
export { computeRp3betaWeights, RP3betaRecommender } from './rp3beta.js';
export * from './types.js';
