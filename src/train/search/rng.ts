/**
 * Seeded randomness for the training pipeline (split shuffles, hyper-parameter sampling).
 *
 * The generator is xoshiro128** from `src/linalg/random.ts` (four 32-bit state words seeded through
 * splitmix32), so the whole product draws from one documented generator. Bit-compatibility with
 * NumPy or Optuna streams is not a goal; determinism for a given seed is.
 *
 * `deriveSeed` gives independent streams for sub-tasks (one per trial, one per purpose) without
 * threading a single generator through code whose call order may change.
 */
import { Rng } from '../../linalg/random.js';

export { Rng };

/** Mix a base seed with integer salts into a new 32-bit seed (murmur3 finaliser per word). */
export function deriveSeed(seed: number, ...salts: number[]): number {
  let h = (Math.trunc(seed) ^ Math.trunc(seed / 4294967296)) >>> 0;
  for (const salt of salts) {
    let k = Math.trunc(salt) >>> 0;
    k = Math.imul(k, 0xcc9e2d51);
    k = (k << 15) | (k >>> 17);
    k = Math.imul(k, 0x1b873593);
    h ^= k;
    h = (h << 13) | (h >>> 19);
    h = (Math.imul(h, 5) + 0xe6546b64) | 0;
  }
  h ^= salts.length;
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b);
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
  return (h ^ (h >>> 16)) >>> 0;
}

/** A `() => number` uniform source in [0, 1), the shape `Math.random` has, for seeded callers. */
export function uniformSource(seed: number): () => number {
  const rng = new Rng(seed);
  return () => rng.nextFloat();
}
