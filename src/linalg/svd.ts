/**
 * Randomized truncated SVD of a sparse matrix (Halko, Martinsson & Tropp): Gaussian range finder
 * with `oversamples` extra columns, `nIter` power iterations re-orthonormalised at every step, then
 * the exact SVD of the small projected matrix through the eigendecomposition of its Gram matrix.
 * Seeded and deterministic; float64 throughout.
 */
import { type CsrMatrix, transpose } from './csr.js';
import { symmetricEigen } from './eigen.js';
import { gemmNN64, gram64, spmm64 } from './kernels.js';
import { orthonormalize } from './qr.js';
import { Rng } from './random.js';
import { unpin } from './resident.js';

export interface TruncatedSvd {
  /** number of components */
  k: number;
  /** right singular vectors as columns: cols(X) × k, row-major */
  V: Float64Array;
  /** singular values, descending (zero for components beyond the numerical rank) */
  s: Float64Array;
}

export interface RandomizedSvdOptions {
  nIter?: number;
  oversamples?: number;
  seed?: number;
  /** Xᵀ if the caller already has it. */
  XT?: CsrMatrix;
}

/**
 * The top-k right singular vectors and values of X (rows × cols). k must be ≤ min(rows, cols);
 * components beyond the numerical rank come back as zero vectors with zero singular value, which
 * leaves the projector X·V·Vᵀ unchanged.
 */
export function randomizedSvd(X: CsrMatrix, k: number, opts: RandomizedSvdOptions = {}): TruncatedSvd {
  const m = X.rows;
  const n = X.cols;
  if (!(k >= 1) || k > Math.min(m, n))
    throw new RangeError(`randomizedSvd: k = ${k} must be in [1, ${Math.min(m, n)}]`);
  const nIter = opts.nIter ?? 5;
  const maxL = Math.min(m, n);
  let l = Math.min(k + (opts.oversamples ?? 10), maxL);
  if (l % 2 === 1 && l < maxL) l++; // even widths keep the float64 SIMD kernels on their fast path
  const ld = l + (l % 2);
  const XT = opts.XT ?? transpose(X);
  const rng = new Rng(opts.seed ?? 0);

  const omega = new Float64Array(n * ld);
  for (let i = 0; i < n; i++) for (let c = 0; c < l; c++) omega[i * ld + c] = rng.nextNormal();
  const Y = new Float64Array(m * ld); // m × l
  const Z = new Float64Array(n * ld); // n × l
  try {
    spmm64(X, omega, ld, ld, Y, ld);
    orthonormalize(Y, m, l, ld, 1);
    for (let it = 0; it < nIter; it++) {
      spmm64(XT, Y, ld, ld, Z, ld);
      orthonormalize(Z, n, l, ld, 1);
      spmm64(X, Z, ld, ld, Y, ld);
      orthonormalize(Y, m, l, ld, it === nIter - 1 ? 2 : 1);
    }
    if (nIter === 0) orthonormalize(Y, m, l, ld, 2);
    // Bᵀ = Xᵀ Q (n × l); B Bᵀ = (XᵀQ)ᵀ(XᵀQ) = E Λ Eᵀ; V = Bᵀ E Λ^{-1/2}
    spmm64(XT, Y, ld, ld, Z, ld);
  } finally {
    unpin(X.indptr);
    unpin(X.indices);
    unpin(X.data);
    unpin(XT.indptr);
    unpin(XT.indices);
    unpin(XT.data);
  }
  const G = new Float64Array(ld * ld);
  gram64(Z, ld, ld, 0, n, G);
  // the padding column (if any) is zero; decompose the leading l × l block
  const Gl = new Float64Array(l * l);
  for (let i = 0; i < l; i++) for (let j = 0; j < l; j++) Gl[i * l + j] = G[i * ld + j];
  const { values, vectors } = symmetricEigen(Gl, l);
  const s = new Float64Array(k);
  const V = new Float64Array(n * k);
  const floor = Math.max(values[0], 0) * 1e-12;
  const coef = new Float64Array(l * k); // E Λ^{-1/2}, l × k
  for (let c = 0; c < k; c++) {
    const lam = values[c];
    if (!(lam > floor)) continue;
    s[c] = Math.sqrt(lam);
    const inv = 1 / s[c];
    for (let j = 0; j < l; j++) coef[j * k + c] = vectors[c * l + j] * inv;
  }
  gemmNN64(n, k, l, Z, ld, coef, k, V, k);
  return { k, V, s };
}
