/**
 * Top-k over a dense score vector with the serving contract: descending
 * score, non-finite scores never selected, ties broken by ascending item index. When the scores
 * live in the WebAssembly kernel heap (the rank scratch puts them there) the SIMD kernel selects
 * in place; otherwise the shared TypeScript selection of src/linalg runs.
 */
import { topK, wasmRuntime } from '../../linalg/index.js';
import { recsysKernels } from '../../linalg/recsys-kernels.js';

export interface TopK {
  /** Item indices, best first. */
  indices: Int32Array;
  /** Their scores, same order. */
  scores: Float32Array;
}

/** Per-thread heap buffers for the kernel's outputs (k ≤ 1000 in the API; grown on demand). */
let heapOut: { capacity: number; idx: number; vals: number } | null = null;

function kernelSelect(scores: Float32Array, k: number, offset: number, n: number): TopK | null {
  const rt = wasmRuntime();
  if (rt === null || !rt.heap.owns(scores) || rt.heap.readOnly) return null;
  const kernels = recsysKernels(rt.memory);
  if (kernels === null) return null;
  const kk = Math.min(k, n);
  if (heapOut === null || heapOut.capacity < kk) {
    if (heapOut !== null) {
      rt.heap.free(heapOut.idx);
      rt.heap.free(heapOut.vals);
    }
    const capacity = Math.max(kk, 1024);
    heapOut = { capacity, idx: rt.heap.alloc(capacity * 4), vals: rt.heap.alloc(capacity * 8) };
  }
  kernels.topk_f32(scores.byteOffset + offset * 4, n, kk, heapOut.idx, heapOut.vals);
  const idx = rt.heap.i32(heapOut.idx, kk);
  const vals = rt.heap.f64(heapOut.vals, kk);
  // Best first, with −Infinity (masked) and NaN sorted last; +Infinity would lead.
  let start = 0;
  while (start < kk && vals[start] === Number.POSITIVE_INFINITY) start++;
  let end = start;
  while (end < kk && vals[end] > Number.NEGATIVE_INFINITY) end++;
  const indices = idx.slice(start, end);
  const out = new Float32Array(end - start);
  for (let j = start; j < end; j++) out[j - start] = vals[j];
  return { indices, scores: out };
}

/** The `k` best of `scores[offset, offset + n)`; indices are relative to `offset`. */
export function selectTop(scores: Float32Array, k: number, offset = 0, n = scores.length - offset): TopK {
  if (k <= 0 || n <= 0) return { indices: new Int32Array(0), scores: new Float32Array(0) };
  const fast = kernelSelect(scores, k, offset, n);
  if (fast !== null) return fast;
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
