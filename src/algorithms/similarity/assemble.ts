/**
 * Stitches the chunks computed by `computeProductRows` back into one CSR matrix, as computed or
 * transposed (RP3beta selects per destination but scores per source: building the transpose straight
 * from the chunks avoids a second full-size copy of the weights).
 */
import type { CsrMatrix } from '../../linalg/csr.js';
import type { ProductChunk } from './sparse-product.js';

/**
 * W's arrays live on SharedArrayBuffers: pool workers read them in place (evaluation scores users
 * on every thread) instead of from a copy the size of W.
 */
function sabInt32(n: number): Int32Array {
  return new Int32Array(new SharedArrayBuffer(4 * n));
}

function sabFloat32(n: number): Float32Array {
  return new Float32Array(new SharedArrayBuffer(4 * n));
}

/** Where each output row's run lies: its chunk (−1 when absent), offset in that chunk and length. */
function locateRows(nRows: number, chunks: readonly ProductChunk[]) {
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
  return { rowLen, where, offsetInChunk };
}

/** Stitch chunks (covering every row exactly once, any order) into a CSR matrix. */
export function assembleCsr(nRows: number, nCols: number, chunks: readonly ProductChunk[]): CsrMatrix {
  const { rowLen, where, offsetInChunk } = locateRows(nRows, chunks);
  const indptr = new Int32Array(nRows + 1);
  for (let r = 0; r < nRows; r++) indptr[r + 1] = indptr[r] + rowLen[r];
  const total = indptr[nRows];
  const indices = sabInt32(total);
  const data = sabFloat32(total);
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

/**
 * The transpose of `assembleCsr(nRows, nCols, chunks)` (nCols × nRows), built in one pass over the
 * chunks; rows are visited in ascending order, so every output row stays sorted by column.
 */
export function assembleTransposedCsr(nRows: number, nCols: number, chunks: readonly ProductChunk[]): CsrMatrix {
  const { rowLen, where, offsetInChunk } = locateRows(nRows, chunks);
  const indptr = new Int32Array(nCols + 1);
  for (const ch of chunks) for (let p = 0; p < ch.cols.length; p++) indptr[ch.cols[p] + 1]++;
  for (let c = 0; c < nCols; c++) indptr[c + 1] += indptr[c];
  const next = indptr.slice(0, nCols);
  const indices = sabInt32(indptr[nCols]);
  const data = sabFloat32(indptr[nCols]);
  for (let r = 0; r < nRows; r++) {
    const c = where[r];
    if (c < 0) continue;
    const { cols, vals } = chunks[c];
    for (let p = offsetInChunk[r], e = p + rowLen[r]; p < e; p++) {
      const at = next[cols[p]]++;
      indices[at] = r;
      data[at] = vals[p];
    }
  }
  return { rows: nCols, cols: nRows, indptr, indices, data };
}
