/**
 * Top-k over a dense score vector with the serving contract of serving-api.md §5.1: descending
 * score, non-finite scores never selected, ties broken by ascending item index (the selection
 * itself is the shared kernel in src/linalg).
 */
import { topK } from '../../linalg/index.js';

export interface TopK {
  /** Item indices, best first. */
  indices: Int32Array;
  /** Their scores, same order. */
  scores: Float32Array;
}

/** The `k` best of `scores[offset, offset + n)`; indices are relative to `offset`. */
export function selectTop(scores: Float32Array, k: number, offset = 0, n = scores.length - offset): TopK {
  const indices = topK(scores, k, { offset, n });
  // The kernel skips -Infinity and NaN; +Infinity is not a finite score either.
  let count = indices.length;
  while (count > 0 && scores[offset + indices[0]] === Number.POSITIVE_INFINITY) {
    indices.copyWithin(0, 1);
    count--;
  }
  const kept = count === indices.length ? indices : indices.subarray(0, count);
  const out = new Float32Array(kept.length);
  for (let j = 0; j < kept.length; j++) out[j] = scores[offset + kept[j]];
  return { indices: kept, scores: out };
}
