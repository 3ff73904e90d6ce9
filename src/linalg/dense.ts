/**
 * Dense kernels on row-major flat typed arrays, in plain TypeScript. These are the reference
 * ("twin") implementations of the WebAssembly kernels in ./wasm and the fallback when WebAssembly
 * cannot be loaded. A matrix with `rows × cols` entries and row stride `ld` stores element (r, c)
 * at `r * ld + c`.
 */
import type { CsrMatrix } from './csr.js';

export type FloatArray = Float32Array | Float64Array;

/** Row-major dense matrix. `data.length ≥ rows * cols`; row stride = cols. */
export interface DenseMatrix<T extends FloatArray = Float32Array> {
  rows: number;
  cols: number;
  data: T;
}

export function denseZeros32(rows: number, cols: number): DenseMatrix<Float32Array> {
  return { rows, cols, data: new Float32Array(rows * cols) };
}

export function denseZeros64(rows: number, cols: number): DenseMatrix<Float64Array> {
  return { rows, cols, data: new Float64Array(rows * cols) };
}

/** Σ a[aOff + t] · b[bOff + t] for t < n, accumulated in float64. */
export function dot(a: ArrayLike<number>, b: ArrayLike<number>, n: number, aOff = 0, bOff = 0): number {
  let s0 = 0;
  let s1 = 0;
  let t = 0;
  for (; t + 1 < n; t += 2) {
    s0 += a[aOff + t] * b[bOff + t];
    s1 += a[aOff + t + 1] * b[bOff + t + 1];
  }
  if (t < n) s0 += a[aOff + t] * b[bOff + t];
  return s0 + s1;
}

/** y[yOff + t] += alpha · x[xOff + t] for t < n. */
export function axpy(alpha: number, x: ArrayLike<number>, y: FloatArray, n: number, xOff = 0, yOff = 0): void {
  for (let t = 0; t < n; t++) y[yOff + t] += alpha * x[xOff + t];
}

/** y = A·x for A (m × n, row stride lda). */
export function gemv(
  m: number,
  n: number,
  A: ArrayLike<number>,
  lda: number,
  x: ArrayLike<number>,
  y: FloatArray,
  aOff = 0,
): void {
  for (let r = 0; r < m; r++) y[r] = dot(A, x, n, aOff + r * lda, 0);
}

/**
 * C (m × n, row stride ldc) = A (m × k, stride lda) · Bᵀ where B is n × k (stride ldb).
 * This is the scoring product "user factors × item factorsᵀ".
 */
export function gemmNT(
  m: number,
  n: number,
  k: number,
  A: ArrayLike<number>,
  lda: number,
  B: ArrayLike<number>,
  ldb: number,
  C: FloatArray,
  ldc: number,
): void {
  for (let r = 0; r < m; r++) {
    const aOff = r * lda;
    const cOff = r * ldc;
    for (let c = 0; c < n; c++) C[cOff + c] = dot(A, B, k, aOff, c * ldb);
  }
}

/** C (m × n) = A (m × k) · B (k × n); strides lda, ldb, ldc. */
export function gemmNN(
  m: number,
  n: number,
  k: number,
  A: ArrayLike<number>,
  lda: number,
  B: ArrayLike<number>,
  ldb: number,
  C: FloatArray,
  ldc: number,
): void {
  const acc = new Float64Array(n);
  for (let r = 0; r < m; r++) {
    acc.fill(0);
    for (let t = 0; t < k; t++) {
      const a = A[r * lda + t];
      if (a === 0) continue;
      const bOff = t * ldb;
      for (let c = 0; c < n; c++) acc[c] += a * B[bOff + c];
    }
    const cOff = r * ldc;
    for (let c = 0; c < n; c++) C[cOff + c] = acc[c];
  }
}

/**
 * Gram matrix G (k × k, float64, full symmetric) = Σ_{r ∈ [r0, r1)} A[r]ᵀ A[r] for the rows of a
 * row-major A with row stride `lda`, using the first k columns.
 */
export function gram(A: ArrayLike<number>, lda: number, k: number, r0: number, r1: number, G: Float64Array): void {
  G.fill(0, 0, k * k);
  for (let r = r0; r < r1; r++) {
    const off = r * lda;
    for (let i = 0; i < k; i++) {
      const ai = A[off + i];
      if (ai === 0) continue;
      const gOff = i * k;
      for (let j = i; j < k; j++) G[gOff + j] += ai * A[off + j];
    }
  }
  for (let i = 0; i < k; i++) for (let j = 0; j < i; j++) G[i * k + j] = G[j * k + i];
}

/**
 * Sparse × dense: out[r] = Σ_p data[p] · D[indices[p]] for rows r ∈ [r0, r1) of the CSR matrix,
 * where D is row-major with `width` columns used and row stride `ldd`; out rows have stride `ldo`
 * and are indexed from r0 (out row 0 = CSR row r0) when `outRelative` is true.
 */
export function spmm(
  X: CsrMatrix,
  D: ArrayLike<number>,
  ldd: number,
  width: number,
  out: FloatArray,
  ldo: number,
  r0 = 0,
  r1 = X.rows,
  outRelative = false,
): void {
  const { indptr, indices, data } = X;
  const acc = new Float64Array(width);
  for (let r = r0; r < r1; r++) {
    acc.fill(0);
    for (let p = indptr[r]; p < indptr[r + 1]; p++) {
      const v = data[p];
      const dOff = indices[p] * ldd;
      for (let c = 0; c < width; c++) acc[c] += v * D[dOff + c];
    }
    const oOff = (outRelative ? r - r0 : r) * ldo;
    for (let c = 0; c < width; c++) out[oOff + c] = acc[c];
  }
}

/** Transpose of a row-major rows × cols matrix into a new array (cols × rows). */
export function transposeDense<T extends FloatArray>(src: T, rows: number, cols: number): T {
  const out = new (src.constructor as { new (n: number): T })(rows * cols);
  for (let r = 0; r < rows; r++) for (let c = 0; c < cols; c++) out[c * rows + r] = src[r * cols + c];
  return out;
}
