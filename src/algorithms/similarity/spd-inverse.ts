/**
 * Unblocked inverse of a small dense symmetric positive-definite matrix through its Cholesky
 * factor, in float64, row-major, in place (used directly below ~160 rows and for the pivot blocks
 * of the blocked sweep in ./spd-sweep.ts). Every step is a dot product of contiguous row segments:
 *   1. G = L·Lᵀ (row-oriented Cholesky, four rows finished together),
 *   2. T = L⁻ᵀ, row a of T = column a of L⁻¹ (forward substitution per column),
 *   3. G⁻¹ = L⁻ᵀ·L⁻¹, entry (a,b) = T[a,:]·T[b,:].
 */
import { TrainingError } from '../../errors/index.js';

/** Lower Cholesky factor of the SPD matrix `A` (n × n, row-major), written over A's lower triangle. */
export function choleskyInPlace(A: Float64Array, n: number): void {
  for (let i = 0; i < n; i++) {
    const ri = i * n;
    for (let j = 0; j <= i; j++) {
      const rj = j * n;
      let s = A[ri + j];
      let k = 0;
      for (; k + 3 < j; k += 4) {
        s -=
          A[ri + k] * A[rj + k] +
          A[ri + k + 1] * A[rj + k + 1] +
          A[ri + k + 2] * A[rj + k + 2] +
          A[ri + k + 3] * A[rj + k + 3];
      }
      for (; k < j; k++) s -= A[ri + k] * A[rj + k];
      if (j === i) {
        if (!(s > 0) || !Number.isFinite(s)) {
          throw new TrainingError(`matrix is not positive definite (pivot ${i} = ${s})`, 'not_positive_definite');
        }
        A[ri + i] = Math.sqrt(s);
      } else {
        A[ri + j] = s / A[rj + j];
      }
    }
  }
}

/**
 * Row-blocked variant of `choleskyInPlace` for large n: rows i0..i0+3 are finished together so
 * each earlier row j is read once per four rows.
 */
export function choleskyBlockedInPlace(A: Float64Array, n: number): void {
  let i0 = 0;
  for (; i0 + 3 < n; i0 += 4) {
    const r0 = i0 * n;
    const r1 = r0 + n;
    const r2 = r1 + n;
    const r3 = r2 + n;
    // Columns j < i0: shared by the four rows.
    for (let j = 0; j < i0; j++) {
      const rj = j * n;
      let s0 = A[r0 + j];
      let s1 = A[r1 + j];
      let s2 = A[r2 + j];
      let s3 = A[r3 + j];
      for (let k = 0; k < j; k++) {
        const l = A[rj + k];
        s0 -= A[r0 + k] * l;
        s1 -= A[r1 + k] * l;
        s2 -= A[r2 + k] * l;
        s3 -= A[r3 + k] * l;
      }
      const d = A[rj + j];
      A[r0 + j] = s0 / d;
      A[r1 + j] = s1 / d;
      A[r2 + j] = s2 / d;
      A[r3 + j] = s3 / d;
    }
    // The 4 × 4 diagonal block.
    for (let i = i0; i < i0 + 4; i++) finishRow(A, n, i, i0);
  }
  for (let i = i0; i < n; i++) finishRow(A, n, i, 0);
}

/** Columns j in [from, i] of row i (earlier columns already done). */
function finishRow(A: Float64Array, n: number, i: number, from: number): void {
  const ri = i * n;
  for (let j = from; j <= i; j++) {
    const rj = j * n;
    let s = A[ri + j];
    for (let k = 0; k < j; k++) s -= A[ri + k] * A[rj + k];
    if (j === i) {
      if (!(s > 0) || !Number.isFinite(s)) {
        throw new TrainingError(`matrix is not positive definite (pivot ${i} = ${s})`, 'not_positive_definite');
      }
      A[ri + i] = Math.sqrt(s);
    } else {
      A[ri + j] = s / A[rj + j];
    }
  }
}

/**
 * Replace the SPD matrix `A` (n × n, row-major) by its inverse (full, symmetric), in place: L lives
 * in the lower triangle, T = L⁻ᵀ is built in the upper triangle (L's diagonal kept aside), and the
 * inverse overwrites both as T's rows fall out of use. Extra memory: one length-n vector.
 */
export function spdInverseInPlace(A: Float64Array, n: number): void {
  choleskyBlockedInPlace(A, n);
  const diag = new Float64Array(n);
  for (let i = 0; i < n; i++) diag[i] = A[i * n + i];
  // T[a,k] = (δ_ak − Σ_{j=a}^{k-1} L[k,j]·T[a,j]) / L[k,k] for k ≥ a: row a of T, upper triangle.
  for (let a = 0; a < n; a++) {
    const ra = a * n;
    A[ra + a] = 1 / diag[a];
    for (let k = a + 1; k < n; k++) {
      const rk = k * n;
      let s = 0;
      let j = a;
      for (; j + 3 < k; j += 4) {
        s +=
          A[rk + j] * A[ra + j] +
          A[rk + j + 1] * A[ra + j + 1] +
          A[rk + j + 2] * A[ra + j + 2] +
          A[rk + j + 3] * A[ra + j + 3];
      }
      for (; j < k; j++) s += A[rk + j] * A[ra + j];
      A[ra + k] = -s / diag[k];
    }
  }
  // G⁻¹[a,b] = Σ_{k ≥ b} T[a,k]·T[b,k] for b ≥ a. Row a of T is needed only for row a of the
  // result, and entry (a,b) only for columns ≤ b, so ascending b can overwrite it in place.
  for (let a = 0; a < n; a++) {
    const ra = a * n;
    for (let b = a; b < n; b++) {
      const rb = b * n;
      let s = 0;
      let k = b;
      for (; k + 3 < n; k += 4) {
        s +=
          A[ra + k] * A[rb + k] +
          A[ra + k + 1] * A[rb + k + 1] +
          A[ra + k + 2] * A[rb + k + 2] +
          A[ra + k + 3] * A[rb + k + 3];
      }
      for (; k < n; k++) s += A[ra + k] * A[rb + k];
      A[ra + b] = s;
      A[rb + a] = s;
    }
  }
}
