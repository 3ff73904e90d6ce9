/**
 * The one list of algorithms. Each entry is the spec an algorithm's own file exports; class names,
 * recipe aliases, the JSON Schema name pattern and the model formats an artifact may carry are all
 * derived from it, so adding an algorithm means writing its file and adding its spec here.
 * Loading selects a model through this closed table keyed by class name, never by instantiating
 * whatever a file names.
 */
import { ArtifactError, UnknownAlgorithmError } from '../errors/index.js';
import type { CsrMatrix } from '../linalg/csr.js';
import type { Params } from '../linalg/ndarray.js';
import { bprFmSpec } from './bpr-fm.js';
import { cosineKnnSpec } from './cosine-knn.js';
import { denseSlimSpec } from './dense-slim.js';
import { ialsSpec } from './ials.js';
import { AlgorithmNames } from './names.js';
import { rp3betaSpec } from './rp3beta.js';
import { topPopSpec } from './top-pop.js';
import { truncatedSvdSpec } from './truncated-svd.js';
import type { Recommender, RecommenderSpec, SavedModel } from './types.js';

/** In the order the original lists them in its messages. */
const SPECS = [ialsSpec, cosineKnnSpec, topPopSpec, rp3betaSpec, denseSlimSpec, truncatedSvdSpec, bprFmSpec] as const;

export type CanonicalClass = (typeof SPECS)[number]['className'];

export const CANONICAL_CLASSES: readonly CanonicalClass[] = SPECS.map((s) => s.className);

export const ALGORITHM_SPECS: Readonly<Record<CanonicalClass, RecommenderSpec>> = Object.freeze(
  Object.fromEntries(SPECS.map((s) => [s.className, s])) as Record<CanonicalClass, RecommenderSpec>,
);

/** Name resolution for recipes and the search: aliases and class names in any case. */
export const ALGORITHM_NAMES = new AlgorithmNames<CanonicalClass>(SPECS);

/** Class name → the saved-model format versions this build loads (for the artifact preflight). */
export const MODEL_FORMATS: ReadonlyMap<string, readonly number[]> = new Map(
  SPECS.map((s) => [s.className, [s.modelFormatVersion]]),
);

/** Canonical class for a recipe name; `UnknownAlgorithmError` (exit 2) for anything else. */
export function resolveAlgorithmName(name: string): CanonicalClass {
  const resolved = ALGORITHM_NAMES.resolve(name);
  if (resolved === undefined) throw new UnknownAlgorithmError(ALGORITHM_NAMES.unknownMessage(name));
  return resolved;
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
  const spec = ALGORITHM_SPECS[name as CanonicalClass];
  if (saved.modelFormatVersion !== spec.modelFormatVersion) {
    throw new ArtifactError(
      `${name} v${saved.modelFormatVersion} is not supported by this build (supports v${spec.modelFormatVersion})`,
      'version_skew',
    );
  }
  return spec.load(saved, seen);
}
