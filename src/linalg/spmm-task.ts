/**
 * Sparse × dense products (float64) split over the worker pool by row ranges balanced by nnz.
 * Every output row depends only on its own CSR row, so the result is identical for any thread count.
 */
import type { CsrMatrix } from './csr.js';
import { spmm } from './dense.js';
import { defineTask, getPool, rangesByCost, rowCostPrefix, type TaskContext } from './pool.js';
import { isResident, releaseShared, toShared } from './resident.js';

export interface SpmmArgs {
  rows: number;
  cols: number;
  indptr: Int32Array;
  indices: Int32Array;
  data: Float32Array;
  D: Float64Array;
  ldd: number;
  width: number;
  out: Float64Array;
  ldo: number;
  resident: boolean;
}

/** Pool task: rows [start, end) of out = X·D (row r of out for CSR row r). */
export const spmmRows = defineTask(
  import.meta.url,
  'spmmRows',
  (a: SpmmArgs, start: number, end: number, ctx: TaskContext) => {
    const k = ctx.kernels;
    if (k && a.resident) {
      k.spmm_f64(
        a.indptr.byteOffset,
        a.indices.byteOffset,
        a.data.byteOffset,
        a.D.byteOffset,
        a.ldd,
        a.width,
        a.out.byteOffset,
        a.ldo,
        start,
        end,
        0,
      );
      return;
    }
    const X: CsrMatrix = { rows: a.rows, cols: a.cols, indptr: a.indptr, indices: a.indices, data: a.data };
    spmm(X, a.D, a.ldd, a.width, a.out, a.ldo, start, end, false);
  },
);

/** A CSR matrix whose arrays workers can read (kernel heap or SharedArrayBuffer); `release()` frees it. */
export interface SharedCsr extends CsrMatrix {
  release(): void;
}

export function shareCsr(X: CsrMatrix): SharedCsr {
  const indptr = toShared(X.indptr);
  const indices = toShared(X.indices);
  const data = toShared(X.data);
  return {
    rows: X.rows,
    cols: X.cols,
    indptr,
    indices,
    data,
    release() {
      releaseShared(indptr);
      releaseShared(indices);
      releaseShared(data);
    },
  };
}

/**
 * out = X·D over `threads` threads. X must come from `shareCsr`, D and out must be shared (heap)
 * arrays (`sharedF64`); `width` and the strides even for the SIMD kernel.
 */
export async function spmmParallel(
  X: CsrMatrix,
  D: Float64Array,
  ldd: number,
  width: number,
  out: Float64Array,
  ldo: number,
  threads: number,
): Promise<void> {
  const nz = X.indptr[X.rows];
  // small products are not worth a worker round trip
  const pool = getPool(nz * width < 1_000_000 ? 1 : threads);
  const ranges = rangesByCost(rowCostPrefix(X.indptr, 1), pool.size * 4);
  const args: SpmmArgs = {
    rows: X.rows,
    cols: X.cols,
    indptr: X.indptr,
    indices: X.indices,
    data: X.data,
    D,
    ldd,
    width,
    out,
    ldo,
    resident:
      isResident(X.indices) && isResident(D) && isResident(out) && width % 2 === 0 && ldd % 2 === 0 && ldo % 2 === 0,
  };
  await pool.run(spmmRows, args, ranges);
}
