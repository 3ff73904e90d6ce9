/**
 * Algorithm names as the recipe layer checks them at load time. The names come from the algorithm
 * registry; this module only adapts them to the recipe schema's vocabulary.
 */
import { ALGORITHM_NAMES, type CanonicalClass } from '../algorithms/registry.js';

export { caseFold } from '../algorithms/names.js';

/** Canonical class names, in the order the original lists them. */
export const CANONICAL_ALGORITHMS = ALGORITHM_NAMES.classes;
export type CanonicalAlgorithm = CanonicalClass;

/** Short aliases accepted in `training.algorithms` and as `per_algorithm_trials` keys. */
export const ALGORITHM_ALIASES = ALGORITHM_NAMES.aliases;

/**
 * Alias (any case) → class; canonical class name (any case) → class; `name + "Recommender"`
 * (any case) → class. Anything else is unsupported and yields undefined.
 */
export function resolveAlgorithmName(name: string): CanonicalAlgorithm | undefined {
  return ALGORITHM_NAMES.resolve(name);
}

/** `Unknown or unsupported algorithm '<a>'. Supported aliases: [...] or full class names: [...].` */
export function unknownAlgorithmMessage(name: string): string {
  return ALGORITHM_NAMES.unknownMessage(name);
}

/** JSON Schema pattern accepting exactly the names `resolveAlgorithmName` resolves. */
export const ALGORITHM_NAME_SOURCE = ALGORITHM_NAMES.pattern;
