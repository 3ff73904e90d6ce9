/**
 * Partial top-k selection over a dense score vector: highest score first, ties broken by the lower
 * index. Items whose score is −Infinity (masked) or NaN are never
 * selected, and neither are indices flagged in an optional exclusion mask.
 */

/** Indices of the k best entries of `scores[offset, offset + n)`, relative to `offset`. */
export function topK(
  scores: ArrayLike<number>,
  k: number,
  opts: { offset?: number; n?: number; exclude?: Uint8Array } = {},
): Int32Array {
  const offset = opts.offset ?? 0;
  const n = opts.n ?? scores.length - offset;
  const exclude = opts.exclude;
  const cap = Math.max(0, Math.min(k, n));
  if (cap === 0) return new Int32Array(0);
  // Min-heap of the current best `cap` candidates; the root is the worst one kept. "Worse" means a
  // lower score, or an equal score with a higher index.
  const heapIdx = new Int32Array(cap);
  const heapVal = new Float64Array(cap);
  let size = 0;
  let j = 0;
  // fill phase: the first `cap` selectable entries
  for (; j < n && size < cap; j++) {
    const v = scores[offset + j];
    if (!(v > Number.NEGATIVE_INFINITY)) continue; // -Infinity and NaN
    if (exclude !== undefined && exclude[j] !== 0) continue;
    // sift up: the new element moves above parents that are better than it
    let c = size++;
    while (c > 0) {
      const p = (c - 1) >> 1;
      const pv = heapVal[p];
      if (pv < v || (pv === v && heapIdx[p] > j)) break;
      heapVal[c] = pv;
      heapIdx[c] = heapIdx[p];
      c = p;
    }
    heapVal[c] = v;
    heapIdx[c] = j;
  }
  // scan phase: indices arrive in ascending order, so only a strictly higher score than the root
  // can enter (NaN and -Infinity never compare higher)
  let worst = size > 0 ? heapVal[0] : Number.POSITIVE_INFINITY;
  for (; j < n; j++) {
    const v = scores[offset + j];
    if (!(v > worst)) continue;
    if (exclude !== undefined && exclude[j] !== 0) continue;
    siftDownReplace(heapVal, heapIdx, size, v, j);
    worst = heapVal[0];
  }
  // Pop into descending order.
  const out = new Int32Array(size);
  for (let pos = size - 1; pos >= 0; pos--) {
    out[pos] = heapIdx[0];
    const lastV = heapVal[pos];
    const lastI = heapIdx[pos];
    if (pos > 0) siftDownReplace(heapVal, heapIdx, pos, lastV, lastI);
  }
  return out;
}

/** Put (v, j) at the root of a heap of `size` elements and sift it down. */
function siftDownReplace(heapVal: Float64Array, heapIdx: Int32Array, size: number, v: number, j: number): void {
  let c = 0;
  for (;;) {
    let child = 2 * c + 1;
    if (child >= size) break;
    const r = child + 1;
    if (r < size) {
      const cv = heapVal[child];
      const rv = heapVal[r];
      if (rv < cv || (rv === cv && heapIdx[r] > heapIdx[child])) child = r;
    }
    const chv = heapVal[child];
    if (v < chv || (v === chv && j > heapIdx[child])) break;
    heapVal[c] = chv;
    heapIdx[c] = heapIdx[child];
    c = child;
  }
  heapVal[c] = v;
  heapIdx[c] = j;
}

/**
 * Set the entries of a dense score row to −Infinity for the columns of CSR row `row` of `mask`
 * (the already-seen items of a user).
 */
export function maskRow(
  scores: Float32Array | Float64Array,
  offset: number,
  mask: { indptr: Int32Array; indices: Int32Array },
  row: number,
): void {
  const { indptr, indices } = mask;
  for (let p = indptr[row]; p < indptr[row + 1]; p++) scores[offset + indices[p]] = Number.NEGATIVE_INFINITY;
}
