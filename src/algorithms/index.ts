/**
 * The algorithm registry: every supported recommender's spec, name resolution (training.md §2.1),
 * construction and loading. Loading selects a scorer through a closed table keyed by the canonical
 * class name, never by instantiating whatever a file names (artifact.md §8.2).
 */
import { ArtifactError, UnknownAlgorithmError } from '../errors/index.js';
import type { CsrMatrix } from '../linalg/csr.js';
import { bprFmSpec } from './bpr-fm.js';
import { cosineKnnSpec } from './cosine-knn.js';
import { denseSlimSpec } from './dense-slim.js';
import { ialsSpec } from './ials.js';
import { rp3betaSpec } from './rp3beta.js';
import { topPopSpec } from './top-pop.js';
import { truncatedSvdSpec } from './truncated-svd.js';
import {
  CANONICAL_CLASSES,
  type CanonicalClass,
  type Params,
  type Recommender,
  type RecommenderSpec,
  type SavedModel,
} from './types.js';

export const ALGORITHM_SPECS: Readonly<Record<CanonicalClass, RecommenderSpec>> = Object.freeze({
  IALSRecommender: ialsSpec,
  CosineKNNRecommender: cosineKnnSpec,
  TopPopRecommender: topPopSpec,
  RP3betaRecommender: rp3betaSpec,
  DenseSLIMRecommender: denseSlimSpec,
  TruncatedSVDRecommender: truncatedSvdSpec,
  BPRFMRecommender: bprFmSpec,
});

/** Recipe aliases in the order the error message lists them (training.md §2.1). */
export const ALGORITHM_ALIASES: ReadonlyArray<readonly [string, CanonicalClass]> = [
  ['IALS', 'IALSRecommender'],
  ['CosinekNN', 'CosineKNNRecommender'],
  ['CosineKNN', 'CosineKNNRecommender'],
  ['TopPop', 'TopPopRecommender'],
  ['RP3beta', 'RP3betaRecommender'],
  ['DenseSLIM', 'DenseSLIMRecommender'],
  ['TruncatedSVD', 'TruncatedSVDRecommender'],
  ['BPRFM', 'BPRFMRecommender'],
];

/** Unicode case folding close to Python's str.casefold (ß → ss and the like). */
function fold(s: string): string {
  return s.toUpperCase().toLowerCase();
}

function pyList(items: readonly string[]): string {
  return `[${items.map((s) => `'${s}'`).join(', ')}]`;
}

/** Canonical class for a recipe name: alias, class name, or name + "Recommender", any case. */
export function resolveAlgorithmName(name: string): CanonicalClass {
  const f = fold(name);
  for (const [alias, cls] of ALGORITHM_ALIASES) if (fold(alias) === f) return cls;
  for (const cls of CANONICAL_CLASSES) if (fold(cls) === f) return cls;
  for (const cls of CANONICAL_CLASSES) if (fold(cls) === fold(`${name}Recommender`)) return cls;
  throw new UnknownAlgorithmError(
    `Unknown or unsupported algorithm '${name}'. Supported aliases: ${pyList(
      ALGORITHM_ALIASES.map(([a]) => a),
    )} or full class names: ${pyList(CANONICAL_CLASSES)}.`,
  );
}

/** The spec of an algorithm given by canonical class name or any accepted alias. */
export function getAlgorithmSpec(className: string): RecommenderSpec {
  return ALGORITHM_SPECS[resolveAlgorithmName(className)];
}

/** An untrained model on X with the spec's defaults overridden by `params`. */
export function createRecommender(className: string, X: CsrMatrix, params: Params = {}): Recommender {
  const spec = getAlgorithmSpec(className);
  return spec.create(X, { ...spec.defaults, ...params });
}

/** Rebuild a trained model from its saved form; `saved.algorithm` must be a canonical class name. */
export function loadRecommender(saved: SavedModel, seen: CsrMatrix): Recommender {
  const name: string = saved.algorithm;
  if (!Object.hasOwn(ALGORITHM_SPECS, name)) {
    throw new ArtifactError(`unknown algorithm '${name}' in saved model`, 'deserialize');
  }
  return ALGORITHM_SPECS[name as CanonicalClass].load(saved, seen);
}

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
export { computeRp3betaWeights, RP3betaRecommender } from './rp3beta.js';
export * from './types.js';
