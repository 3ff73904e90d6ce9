/**
 * Stitches the chunks computed by `computeProductRows` back into one CSR matrix.
 */
import type { CsrMatrix } from '../../linalg/csr.js';
import type { ProductChunk } from './sparse-product.js';

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
