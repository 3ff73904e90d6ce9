/**
 * Cholesky factorisation, solves and the inverse of symmetric positive-definite matrices, in
 * float64, row-major n × n. The factor L (lower triangle, A = L·Lᵀ) is computed row by row so each
 * inner product runs over two contiguous row prefixes.
 */

/**
 * Overwrite the lower triangle of `A` with its Cholesky factor L (the strict upper triangle is left
 * as it was). Returns false, with A partly overwritten, when A is not positive definite.
 */
export function choleskyFactor(A: Float64Array, n: number): boolean {
  for (let i = 0; i < n; i++) {
    const ri = i * n;
    for (let j = 0; j <= i; j++) {
      const rj = j * n;
      let s = A[ri + j];
      let t = 0;
      for (; t + 3 < j; t += 4) {
        s -=
          A[ri + t] * A[rj + t] +
          A[ri + t + 1] * A[rj + t + 1] +
          A[ri + t + 2] * A[rj + t + 2] +
          A[ri + t + 3] * A[rj + t + 3];
      }
      for (; t < j; t++) s -= A[ri + t] * A[rj + t];
      if (j === i) {
        if (!(s > 0) || !Number.isFinite(s)) return false;
        A[ri + i] = Math.sqrt(s);
      } else {
        A[ri + j] = s / A[rj + j];
      }
    }
  }
  return true;
}

/** Solve L·Lᵀ·x = b in place (b becomes x), L from `choleskyFactor`. */
export function choleskySolve(L: Float64Array, n: number, b: Float64Array): void {
  // L y = b
  for (let i = 0; i < n; i++) {
    const ri = i * n;
    let s = b[i];
    for (let t = 0; t < i; t++) s -= L[ri + t] * b[t];
    b[i] = s / L[ri + i];
  }
  // Lᵀ x = y
  for (let i = n - 1; i >= 0; i--) {
    let s = b[i];
    for (let t = i + 1; t < n; t++) s -= L[t * n + i] * b[t];
    b[i] = s / L[i * n + i];
  }
}

/** Solve A x = b for SPD A (not modified); returns x, or null when A is not positive definite. */
export function solveSpd(A: Float64Array, n: number, b: ArrayLike<number>): Float64Array | null {
  const L = A.slice(0, n * n);
  if (!choleskyFactor(L, n)) return null;
  const x = Float64Array.from(b as ArrayLike<number>);
  choleskySolve(L, n, x);
  return x;
}

/**
 * Inverse of the SPD matrix `A` (n × n, not modified) as a new full symmetric matrix, or null when
 * A is not positive definite. Steps: L = chol(A); the columns of L⁻¹ by forward substitution, each
 * stored as a contiguous row; A⁻¹ = L⁻ᵀ·L⁻¹, whose entries are dot products of two such rows.
 */
export function spdInverse(A: Float64Array, n: number): Float64Array | null {
  const L = A.slice(0, n * n);
  if (!choleskyFactor(L, n)) return null;
  // Ut = (L⁻¹)ᵀ stored row-major: row c of Ut = column c of L⁻¹, non-zero from index c on.
  const Ut = new Float64Array(n * n);
  for (let c = 0; c < n; c++) {
    const rc = c * n;
    Ut[rc + c] = 1 / L[c * n + c];
    for (let i = c + 1; i < n; i++) {
      const ri = i * n;
      let s = 0;
      for (let t = c; t < i; t++) s -= L[ri + t] * Ut[rc + t];
      Ut[rc + i] = s / L[ri + i];
    }
  }
  // (A⁻¹)[a, b] = Σ_t L⁻¹[t, a]·L⁻¹[t, b] = Σ_{t ≥ max(a,b)} Ut[a, t]·Ut[b, t]
  const inv = new Float64Array(n * n);
  for (let a = 0; a < n; a++) {
    const ra = a * n;
    for (let b = a; b < n; b++) {
      const rb = b * n;
      let s = 0;
      for (let t = b; t < n; t++) s += Ut[ra + t] * Ut[rb + t];
      inv[ra + b] = s;
      inv[rb + a] = s;
    }
  }
  return inv;
}

/** Inverse of an upper-triangular R (n × n, row-major) as a new upper-triangular matrix. */
export function upperTriangularInverse(R: Float64Array, n: number): Float64Array {
  const X = new Float64Array(n * n);
  for (let j = n - 1; j >= 0; j--) {
    X[j * n + j] = 1 / R[j * n + j];
    for (let i = j - 1; i >= 0; i--) {
      let s = 0;
      for (let t = i + 1; t <= j; t++) s += R[i * n + t] * X[t * n + j];
      X[i * n + j] = -s / R[i * n + i];
    }
  }
  return X;
}
