/**
 * Conjugate gradient for a symmetric positive-definite system M x = b given only the product
 * y = M p, in float64. This is the textbook iteration the IALS solver uses; the
 * per-row IALS kernel in ./ials-kernel.ts inlines the same steps with M = A + λI + Σ c v vᵀ.
 */

export class SingularSystemError extends Error {
  override name = 'SingularSystemError';
  constructor() {
    super('Conjugate-gradient solver encountered a singular system.');
  }
}

/**
 * Improve `x` in place by at most `maxSteps` iterations, starting from its current value. Stops
 * early once ‖r‖² ≤ `tol`. Throws SingularSystemError when pᵀMp is not positive and finite.
 * Returns the number of iterations run.
 */
export function conjugateGradient(
  matvec: (p: Float64Array, out: Float64Array) => void,
  b: ArrayLike<number>,
  x: Float64Array,
  maxSteps: number,
  tol = 1e-20,
): number {
  const n = x.length;
  const r = new Float64Array(n);
  const p = new Float64Array(n);
  const ap = new Float64Array(n);
  matvec(x, ap);
  let rr = 0;
  for (let i = 0; i < n; i++) {
    r[i] = b[i] - ap[i];
    p[i] = r[i];
    rr += r[i] * r[i];
  }
  let steps = 0;
  while (steps < maxSteps) {
    if (rr <= tol) break;
    matvec(p, ap);
    let d = 0;
    for (let i = 0; i < n; i++) d += p[i] * ap[i];
    if (!(d > 0) || !Number.isFinite(d)) throw new SingularSystemError();
    const alpha = rr / d;
    let rrNew = 0;
    for (let i = 0; i < n; i++) {
      x[i] += alpha * p[i];
      r[i] -= alpha * ap[i];
      rrNew += r[i] * r[i];
    }
    steps++;
    if (rrNew <= tol) break;
    const beta = rrNew / rr;
    for (let i = 0; i < n; i++) p[i] = r[i] + beta * p[i];
    rr = rrNew;
  }
  return steps;
}
