/**
 * Eigendecomposition of a small dense symmetric matrix (float64): Householder reduction to
 * tridiagonal form, then implicit symmetric QR steps with Wilkinson shifts. O(n³); used on the
 * (k + oversampling)² matrices of the randomized SVD and on IALS's K × K Gram matrices. From
 * `WASM_MIN_N` up both steps run in the float64 SIMD kernels of ./wasm/assembly/eigen.ts (same
 * steps, same order); the functions here are their TypeScript twins.
 */
import { eigenKernels } from './eigen-kernels.js';
import { releaseShared, sharedF64 } from './resident.js';

/** Below this size the copies into the kernel heap cost more than the kernels save. */
const WASM_MIN_N = 24;

export interface SymmetricEigen {
  /** eigenvalues, descending */
  values: Float64Array;
  /** eigenvectors as rows (row i belongs to values[i]), n × n row-major */
  vectors: Float64Array;
}

/** Eigenvalues and eigenvectors of the symmetric n × n matrix `A` (row-major, not modified). */
export function symmetricEigen(A: Float64Array, n: number): SymmetricEigen {
  const T = A.slice(0, n * n);
  // W accumulates Qᵀ (rows are the transformed basis vectors), so the final eigenvectors are rows.
  const W = new Float64Array(n * n);
  for (let i = 0; i < n; i++) W[i * n + i] = 1;
  const d = new Float64Array(n);
  const e = new Float64Array(Math.max(0, n - 1));
  const kern = n >= WASM_MIN_N ? eigenKernels() : null;
  if (kern) decomposeInHeap(kern, T, n, W, d, e);
  else {
    tridiagonalize(T, n, W, d, e);
    tridiagonalQr(d, e, n, W);
  }
  // sort descending (selection of rows; n is small)
  const order = Array.from({ length: n }, (_, i) => i).sort((a, b) => d[b] - d[a] || a - b);
  const values = new Float64Array(n);
  const vectors = new Float64Array(n * n);
  for (let k = 0; k < n; k++) {
    values[k] = d[order[k]];
    vectors.set(W.subarray(order[k] * n, order[k] * n + n), k * n);
  }
  return { values, vectors };
}

/** Both steps in the WebAssembly kernels, on heap copies of T, W, d and e. */
function decomposeInHeap(
  kern: NonNullable<ReturnType<typeof eigenKernels>>,
  T: Float64Array,
  n: number,
  W: Float64Array,
  d: Float64Array,
  e: Float64Array,
): void {
  const hT = sharedF64(n * n);
  const hW = sharedF64(n * n);
  const vec = sharedF64(5 * n);
  try {
    hT.set(T);
    hW.set(W);
    const at = (i: number): number => vec.byteOffset + i * n * 8;
    kern.sym_tridiag_f64(hT.byteOffset, n, hW.byteOffset, at(0), at(1), at(2), at(3), at(4));
    if (kern.tridiag_qr_f64(at(0), at(1), n, hW.byteOffset) !== 0) {
      throw new Error('symmetricEigen: QR iteration did not converge');
    }
    d.set(vec.subarray(0, n));
    e.set(vec.subarray(n, 2 * n - 1));
    W.set(hW);
  } finally {
    releaseShared(hT);
    releaseShared(hW);
    releaseShared(vec);
  }
}

/** Reduce symmetric T (overwritten) to tridiagonal (d, e) by Householder reflections H_k, W ← H_k W. */
export function tridiagonalize(T: Float64Array, n: number, W: Float64Array, d: Float64Array, e: Float64Array): void {
  const v = new Float64Array(n);
  const p = new Float64Array(n);
  const t = new Float64Array(n);
  for (let k = 0; k + 2 < n; k++) {
    // x = T[k+1.., k]
    let norm2 = 0;
    for (let i = k + 1; i < n; i++) norm2 += T[i * n + k] * T[i * n + k];
    const norm = Math.sqrt(norm2);
    const x0 = T[(k + 1) * n + k];
    if (norm === 0) continue;
    const alpha = x0 > 0 ? -norm : norm;
    // v = x − alpha·e1, normalised
    v.fill(0);
    for (let i = k + 1; i < n; i++) v[i] = T[i * n + k];
    v[k + 1] -= alpha;
    let vn2 = 0;
    for (let i = k + 1; i < n; i++) vn2 += v[i] * v[i];
    if (vn2 === 0) continue;
    const inv = 1 / Math.sqrt(vn2);
    for (let i = k + 1; i < n; i++) v[i] *= inv;
    // trailing block update: T' = T − 2 v wᵀ − 2 w vᵀ with p = T v, w = p − (vᵀp) v
    let vp = 0;
    for (let i = k + 1; i < n; i++) {
      let s = 0;
      const ri = i * n;
      for (let j = k + 1; j < n; j++) s += T[ri + j] * v[j];
      p[i] = s;
      vp += v[i] * s;
    }
    for (let i = k + 1; i < n; i++) p[i] -= vp * v[i];
    for (let i = k + 1; i < n; i++) {
      const ri = i * n;
      const vi = v[i];
      const wi = p[i];
      for (let j = k + 1; j < n; j++) T[ri + j] -= 2 * (vi * p[j] + wi * v[j]);
    }
    T[(k + 1) * n + k] = alpha;
    T[k * n + k + 1] = alpha;
    for (let i = k + 2; i < n; i++) {
      T[i * n + k] = 0;
      T[k * n + i] = 0;
    }
    // W ← H W = W − 2 v (vᵀ W)
    t.fill(0);
    for (let i = k + 1; i < n; i++) {
      const vi = v[i];
      const ri = i * n;
      for (let j = 0; j < n; j++) t[j] += vi * W[ri + j];
    }
    for (let i = k + 1; i < n; i++) {
      const f = 2 * v[i];
      const ri = i * n;
      for (let j = 0; j < n; j++) W[ri + j] -= f * t[j];
    }
  }
  for (let i = 0; i < n; i++) d[i] = T[i * n + i];
  for (let i = 0; i + 1 < n; i++) e[i] = T[(i + 1) * n + i];
}

/**
 * Diagonalise the symmetric tridiagonal (d, e) in place by implicit QR steps with Wilkinson shifts,
 * applying every rotation to the rows of W.
 */
export function tridiagonalQr(d: Float64Array, e: Float64Array, n: number, W: Float64Array): void {
  const eps = 2.220446049250313e-16;
  let hi = n - 1;
  let iterations = 0;
  const maxIterations = 60 * Math.max(1, n);
  while (hi > 0) {
    if (Math.abs(e[hi - 1]) <= eps * (Math.abs(d[hi - 1]) + Math.abs(d[hi])) || e[hi - 1] === 0) {
      e[hi - 1] = 0;
      hi--;
      continue;
    }
    if (++iterations > maxIterations) throw new Error('symmetricEigen: QR iteration did not converge');
    let lo = hi - 1;
    while (lo > 0 && Math.abs(e[lo - 1]) > eps * (Math.abs(d[lo - 1]) + Math.abs(d[lo]))) lo--;
    // Wilkinson shift from the trailing 2 × 2 block
    const dd = (d[hi - 1] - d[hi]) / 2;
    const b = e[hi - 1];
    const denom = dd + (dd >= 0 ? 1 : -1) * Math.sqrt(dd * dd + b * b);
    const mu = denom === 0 ? d[hi] : d[hi] - (b * b) / denom;
    let x = d[lo] - mu;
    let z = e[lo];
    for (let k = lo; k < hi; k++) {
      // Gram-type matrices stay far from overflow, so the plain root is safe (Math.hypot is slow)
      const r = Math.sqrt(x * x + z * z);
      const c = r === 0 ? 1 : x / r;
      const s = r === 0 ? 0 : z / r;
      if (k > lo) e[k - 1] = r;
      // rotate the 2 × 2 block [a b; b cc] in plane (k, k+1): P M Pᵀ with P = [c s; −s c]
      const a = d[k];
      const bb = e[k];
      const cc = d[k + 1];
      d[k] = c * c * a + 2 * c * s * bb + s * s * cc;
      d[k + 1] = s * s * a - 2 * c * s * bb + c * c * cc;
      e[k] = c * s * (cc - a) + (c * c - s * s) * bb;
      if (k + 1 < hi) {
        z = s * e[k + 1];
        e[k + 1] = c * e[k + 1];
      }
      x = e[k];
      // W rows k, k+1 ← P applied on the left
      const rk = k * n;
      const rk1 = rk + n;
      for (let j = 0; j < n; j++) {
        const wk = W[rk + j];
        const wk1 = W[rk1 + j];
        W[rk + j] = c * wk + s * wk1;
        W[rk1 + j] = -s * wk + c * wk1;
      }
    }
  }
}
