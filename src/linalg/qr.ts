/**
 * Orthonormal bases of the column space of tall float64 matrices (m × l, m ≥ l, row-major with
 * row stride ld): CholeskyQR (one or two passes, using the Gram and GEMM kernels) with Householder
 * QR as the fallback for numerically rank-deficient input.
 */
import { choleskyFactor, upperTriangularInverse } from './cholesky.js';
import { gemmNN64, gram64 } from './kernels.js';

/**
 * Replace Y by an m × l matrix Q with orthonormal columns and the same column space. `passes`
 * CholeskyQR passes (2 gives orthogonality to working precision); falls back to Householder when a
 * Gram matrix is not numerically positive definite. Returns the method used.
 */
export function orthonormalize(
  Y: Float64Array,
  m: number,
  l: number,
  ld: number,
  passes = 2,
): 'cholesky' | 'householder' {
  if (m < l) throw new RangeError(`orthonormalize: needs rows ≥ columns, got ${m} × ${l}`);
  const G = new Float64Array(l * l);
  const tmp = new Float64Array(m * ld);
  for (let pass = 0; pass < passes; pass++) {
    gram64(Y, ld, l, 0, m, G);
    // relative floor: a pivot below this means the columns are (numerically) dependent
    let maxDiag = 0;
    for (let i = 0; i < l; i++) maxDiag = Math.max(maxDiag, G[i * l + i]);
    if (!(maxDiag > 0) || !choleskyFactor(G, l) || !pivotsAbove(G, l, Math.sqrt(maxDiag) * 1e-7)) {
      householderQ(Y, m, l, ld);
      return 'householder';
    }
    // R = Lᵀ (upper); Y ← Y R⁻¹
    const R = new Float64Array(l * l);
    for (let i = 0; i < l; i++) for (let j = 0; j <= i; j++) R[j * l + i] = G[i * l + j];
    const Rinv = upperTriangularInverse(R, l);
    gemmNN64(m, l, l, Y, ld, Rinv, l, tmp, ld);
    Y.set(tmp.subarray(0, m * ld));
  }
  return 'cholesky';
}

function pivotsAbove(L: Float64Array, l: number, floor: number): boolean {
  for (let i = 0; i < l; i++) if (!(L[i * l + i] > floor)) return false;
  return true;
}

/** Replace Y (m × l) by the thin Q of its Householder QR factorisation. */
export function householderQ(Y: Float64Array, m: number, l: number, ld: number): void {
  const vs = new Float64Array(m * l); // reflector j stored in column-major slot j (entries j..m-1)
  const active = new Uint8Array(l);
  for (let j = 0; j < l; j++) {
    let norm2 = 0;
    for (let i = j; i < m; i++) norm2 += Y[i * ld + j] * Y[i * ld + j];
    const norm = Math.sqrt(norm2);
    if (norm === 0) continue;
    const x0 = Y[j * ld + j];
    const alpha = x0 > 0 ? -norm : norm;
    const v = vs.subarray(j * m, (j + 1) * m);
    for (let i = j; i < m; i++) v[i] = Y[i * ld + j];
    v[j] -= alpha;
    let vn2 = 0;
    for (let i = j; i < m; i++) vn2 += v[i] * v[i];
    if (vn2 === 0) continue;
    const inv = 1 / Math.sqrt(vn2);
    for (let i = j; i < m; i++) v[i] *= inv;
    active[j] = 1;
    // apply H = I − 2vvᵀ to the remaining columns of Y
    for (let c = j; c < l; c++) {
      let s = 0;
      for (let i = j; i < m; i++) s += v[i] * Y[i * ld + c];
      s *= 2;
      for (let i = j; i < m; i++) Y[i * ld + c] -= s * v[i];
    }
  }
  // Q = H_0 … H_{l−1} [I; 0], applied right to left
  for (let i = 0; i < m; i++) for (let c = 0; c < l; c++) Y[i * ld + c] = i === c ? 1 : 0;
  for (let j = l - 1; j >= 0; j--) {
    if (!active[j]) continue;
    const v = vs.subarray(j * m, (j + 1) * m);
    for (let c = 0; c < l; c++) {
      let s = 0;
      for (let i = j; i < m; i++) s += v[i] * Y[i * ld + c];
      if (s === 0) continue;
      s *= 2;
      for (let i = j; i < m; i++) Y[i * ld + c] -= s * v[i];
    }
  }
}
