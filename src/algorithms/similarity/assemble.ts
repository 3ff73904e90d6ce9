/**
 * Planning and assembly around `computeProductRows`: split the output rows into chunks of about
 * equal work, and stitch the computed chunks back into one CSR matrix.
 */
import type { CsrMatrix } from '../../linalg/csr.js';
import type { ProductChunk } from './sparse-product.js';

/**
 * Split rows 0..n-1 into at most `parts` contiguous chunks whose summed cost is about equal.
 * Contiguity keeps each chunk's reads local; balance comes from the cost, not the row count, so a
 * block of popular items does not land on one thread.
 */
export function planChunks(cost: Float64Array, parts: number): Int32Array[] {
  const n = cost.length;
  let total = 0;
  for (let i = 0; i < n; i++) total += cost[i];
  const chunks: Int32Array[] = [];
  if (n === 0) return chunks;
  const target = total / Math.max(1, parts);
  let start = 0;
  let acc = 0;
  for (let i = 0; i < n; i++) {
    acc += cost[i];
    if (acc >= target && chunks.length < parts - 1) {
      chunks.push(range(start, i + 1));
      start = i + 1;
      acc = 0;
    }
  }
  if (start < n) chunks.push(range(start, n));
  return chunks;
}

function range(start: number, end: number): Int32Array {
  const r = new Int32Array(end - start);
  for (let i = 0; i < r.length; i++) r[i] = start + i;
  return r;
}

/** Stitch chunks (covering every row exactly once, any order) into a CSR matrix. */
export function assembleCsr(nRows: number, nCols: number, chunks: readonly ProductChunk[]): CsrMatrix {
  const rowLen = new Int32Array(nRows);
  const where = new Int32Array(nRows).fill(-1);
  const offsetInChunk = new Int32Array(nRows);
  for (let c = 0; c < chunks.length; c++) {
    const ch = chunks[c];
    let off = 0;
    for (let r = 0; r < ch.rows.length; r++) {
      const row = ch.rows[r];
      rowLen[row] = ch.counts[r];
      where[row] = c;
      offsetInChunk[row] = off;
      off += ch.counts[r];
    }
  }
  const indptr = new Int32Array(nRows + 1);
  for (let r = 0; r < nRows; r++) indptr[r + 1] = indptr[r] + rowLen[r];
  const total = indptr[nRows];
  const indices = new Int32Array(total);
  const data = new Float32Array(total);
  for (let r = 0; r < nRows; r++) {
    const c = where[r];
    if (c < 0) continue;
    const src = offsetInChunk[r];
    const len = rowLen[r];
    indices.set(chunks[c].cols.subarray(src, src + len), indptr[r]);
    data.set(chunks[c].vals.subarray(src, src + len), indptr[r]);
  }
  return { rows: nRows, cols: nCols, indptr, indices, data };
}
