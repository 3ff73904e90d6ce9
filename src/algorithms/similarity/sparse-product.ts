/**
 * Row-by-row sparse product `S = L · R` with a per-row top-k, the shared engine of CosineKNN and
 * RP3beta. `L` is output-rows × users (CSR), `R` is users × output-columns (CSR). Each output row
 * is accumulated in a dense float64 scratch row plus a list of touched columns, so memory stays
 * O(columns) per thread instead of O(columns²).
 *
 * Everything here works on plain typed arrays so a worker thread can run the same code on
 * shared buffers.
 */
import { type CandidateMarks, TopKSelector } from './top-k.js';

export interface ProductInput {
  /** Output rows (= rows of L). */
  nRows: number;
  /** Output columns (= columns of R). */
  nCols: number;
  leftIndptr: Int32Array;
  leftIndices: Int32Array;
  leftData: Float64Array;
  rightIndptr: Int32Array;
  rightIndices: Int32Array;
  rightData: Float64Array;
  /**
   * Cosine denominator: when both are set, S[a,b] /= rowNorms[a]·colNorms[b] + denominatorShift.
   */
  rowNorms?: Float64Array;
  colNorms?: Float64Array;
  denominatorShift?: number;
  /** Multiply every entry of row a by rowScale[a] (applied after the cosine denominator). */
  rowScale?: Float64Array;
  /** Entries kept per row (among non-zero entries; ties go to the smaller column). */
  topK: number;
  /** Remove S[a,a] after the top-k (so it may have used one of the k slots). */
  dropDiagonalAfterTopK: boolean;
}

/** The kept entries of a set of output rows, rows listed in `rows` order. */
export interface ProductChunk {
  rows: Int32Array;
  counts: Int32Array;
  cols: Int32Array;
  vals: Float32Array;
}

/** Multiply-add operations needed for each output row: the balancing weight for parallel runs. */
export function rowCosts(input: ProductInput): Float64Array {
  const { nRows, leftIndptr, leftIndices, rightIndptr } = input;
  const cost = new Float64Array(nRows);
  for (let a = 0; a < nRows; a++) {
    let c = 1;
    for (let p = leftIndptr[a]; p < leftIndptr[a + 1]; p++) {
      const u = leftIndices[p];
      c += rightIndptr[u + 1] - rightIndptr[u];
    }
    cost[a] = c;
  }
  return cost;
}

/** Compute the given output rows (any order). */
export function computeProductRows(input: ProductInput, rows: Int32Array): ProductChunk {
  const { nCols, leftIndptr, leftIndices, leftData, rightIndptr, rightIndices, rightData } = input;
  const { rowNorms, colNorms, rowScale, dropDiagonalAfterTopK } = input;
  const shift = input.denominatorShift ?? 0;
  const topK = Math.max(0, Math.min(input.topK, nCols));
  const scratch = new Float64Array(nCols);
  const touched = new Int32Array(nCols);
  const mark = new Int32Array(nCols).fill(-1);
  const selector = new TopKSelector(topK);
  const marks: CandidateMarks = { mark, stamp: -1, nCols };

  // Exact room: a row keeps at most min(topK, its multiply-add count) entries, so the output is
  // allocated once and never grown or copied (a chunk can be tens of megabytes).
  let capacity = 0;
  for (let r = 0; r < rows.length; r++) {
    const a = rows[r];
    let bound = 0;
    for (let p = leftIndptr[a]; p < leftIndptr[a + 1] && bound < topK; p++) {
      const u = leftIndices[p];
      bound += rightIndptr[u + 1] - rightIndptr[u];
    }
    capacity += Math.min(topK, bound);
  }
  const cols = new Int32Array(capacity);
  const vals = new Float32Array(capacity);
  const counts = new Int32Array(rows.length);
  let used = 0;

  for (let r = 0; r < rows.length; r++) {
    const a = rows[r];
    let nTouched = 0;
    for (let p = leftIndptr[a]; p < leftIndptr[a + 1]; p++) {
      const u = leftIndices[p];
      const lv = leftData[p];
      for (let q = rightIndptr[u]; q < rightIndptr[u + 1]; q++) {
        const b = rightIndices[q];
        if (mark[b] !== a) {
          mark[b] = a;
          touched[nTouched++] = b;
          scratch[b] = lv * rightData[q];
        } else {
          scratch[b] += lv * rightData[q];
        }
      }
    }
    if (rowNorms !== undefined && colNorms !== undefined) {
      const na = rowNorms[a];
      for (let t = 0; t < nTouched; t++) {
        const b = touched[t];
        scratch[b] /= na * colNorms[b] + shift;
      }
    }
    if (rowScale !== undefined) {
      const s = rowScale[a];
      for (let t = 0; t < nTouched; t++) scratch[touched[t]] *= s;
    }
    marks.stamp = a;
    let n = selector.selectFromScratch(touched, nTouched, scratch, cols, vals, used, marks);
    if (dropDiagonalAfterTopK) n = removeColumn(cols, vals, used, n, a);
    counts[r] = n;
    used += n;
  }
  // Views, not copies: the slack (rows with zeros or repeated columns) is small.
  return { rows, counts, cols: cols.subarray(0, used), vals: vals.subarray(0, used) };
}

/** Drop column `col` from the sorted run [start, start+n); returns the new length. */
function removeColumn(cols: Int32Array, vals: Float32Array, start: number, n: number, col: number): number {
  for (let p = start; p < start + n; p++) {
    if (cols[p] === col) {
      cols.copyWithin(p, p + 1, start + n);
      vals.copyWithin(p, p + 1, start + n);
      return n - 1;
    }
    if (cols[p] > col) break;
  }
  return n;
}
