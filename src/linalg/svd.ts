/**
 * Randomized truncated SVD of a sparse matrix (Halko, Martinsson & Tropp): Gaussian range finder
 * with `oversamples` extra columns and `nIter` power iterations, then the exact SVD of the small
 * projected matrix through the eigendecomposition of its l × l Gram matrix. Seeded, float64.
 *
 * The range finder runs on A = X or Xᵀ, whichever has fewer rows, so every orthonormalisation
 * (CholeskyQR, Householder fallback) works on the short side:
 *   Y = A·Ω; repeat: Y ← orth(A·(Aᵀ·Y)); Q = Y;  W = Aᵀ·Q;  S = Qᵀ·(A·W) = B·Bᵀ = E·Λ·Eᵀ.
 * Right singular vectors of X: V = W·E·Λ^{-1/2} when A = X, V = Q·E when A = Xᵀ.
 */
import { type CsrMatrix, transpose } from './csr.js';
import { symmetricEigen } from './eigen.js';
import { gemmNN64 } from './kernels.js';
import { orthonormalize } from './qr.js';
import { Rng } from './random.js';
import { releaseShared, sharedF64 } from './resident.js';
import { shareCsr, spmmParallel } from './spmm-task.js';

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
  /** threads for the sparse products (default 1); results do not depend on it */
  threads?: number;
}

/**
 * The top-k right singular vectors and values of X (rows × cols). k must be ≤ min(rows, cols);
 * components beyond the numerical rank come back as zero vectors with zero singular value, which
 * leaves the projector X·V·Vᵀ unchanged.
 */
export async function randomizedSvd(X: CsrMatrix, k: number, opts: RandomizedSvdOptions = {}): Promise<TruncatedSvd> {
  const maxL = Math.min(X.rows, X.cols);
  if (!(k >= 1) || k > maxL) throw new RangeError(`randomizedSvd: k = ${k} must be in [1, ${maxL}]`);
  const nIter = opts.nIter ?? 5;
  let l = Math.min(k + (opts.oversamples ?? 10), maxL);
  if (l % 2 === 1 && l < maxL) l++; // even widths keep the float64 SIMD kernels on their fast path
  const ld = l + (l % 2);
  const threads = opts.threads ?? 1;
  const sX = shareCsr(X);
  const sXT = shareCsr(opts.XT ?? transpose(X));
  const onX = X.rows <= X.cols;
  const A = onX ? sX : sXT;
  const AT = onX ? sXT : sX;
  const mul = (M: CsrMatrix, D: Float64Array, out: Float64Array) => spmmParallel(M, D, ld, ld, out, ld, threads);
  const m = A.rows;
  const n = A.cols;
  const rng = new Rng(opts.seed ?? 0);

  // heap-resident work matrices: the kernels use them in place
  const omega = sharedF64(n * ld);
  const Y = sharedF64(m * ld);
  const Z = sharedF64(n * ld);
  try {
    for (let i = 0; i < n; i++) for (let c = 0; c < l; c++) omega[i * ld + c] = rng.nextNormal();
    await mul(A, omega, Y);
    orthonormalize(Y, m, l, ld, nIter === 0 ? 2 : 1);
    for (let it = 0; it < nIter; it++) {
      await mul(AT, Y, Z);
      await mul(A, Z, Y);
      orthonormalize(Y, m, l, ld, it === nIter - 1 ? 2 : 1);
    }
    // W = Aᵀ·Q (in Z), T = A·W (in omega's first m rows), S = Qᵀ·T
    await mul(AT, Y, Z);
    const T = omega.subarray(0, m * ld);
    await mul(A, Z, T);
    const S = new Float64Array(l * l);
    for (let r = 0; r < m; r++) {
      const o = r * ld;
      for (let i = 0; i < l; i++) {
        const q = Y[o + i];
        if (q === 0) continue;
        for (let j = 0; j < l; j++) S[i * l + j] += q * T[o + j];
      }
    }
    for (let i = 0; i < l; i++)
      for (let j = 0; j < i; j++) S[i * l + j] = S[j * l + i] = (S[i * l + j] + S[j * l + i]) / 2;
    const { values, vectors } = symmetricEigen(S, l);
    const s = new Float64Array(k);
    const floor = Math.max(values[0], 0) * 1e-12;
    const coef = new Float64Array(l * k); // E_k (Λ_k^{-1/2} when A = X), l × k
    for (let c = 0; c < k; c++) {
      const lam = values[c];
      if (!(lam > floor)) continue;
      s[c] = Math.sqrt(lam);
      const f = onX ? 1 / s[c] : 1;
      for (let j = 0; j < l; j++) coef[j * k + c] = vectors[c * l + j] * f;
    }
    const V = new Float64Array(X.cols * k);
    gemmNN64(X.cols, k, l, onX ? Z : Y, ld, coef, k, V, k);
    return { k, V, s };
  } finally {
    sX.release();
    sXT.release();
    releaseShared(omega);
    releaseShared(Y);
    releaseShared(Z);
  }
}
