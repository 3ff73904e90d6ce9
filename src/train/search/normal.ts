/**
 * Standard normal CDF, its logarithm, its inverse and truncated-normal helpers, precise in both
 * tails (the TPE sampler evaluates densities many bandwidths away from a kernel's centre).
 *
 * erf is summed from its everywhere-positive series erf(x) = 2/√π·e^(−x²)·Σ 2ⁿx^(2n+1)/(2n+1)!!
 * (no cancellation) for |x| < 3; above that erfc comes from its continued fraction, which also
 * yields log erfc without underflow.
 */
import type { Rng } from './rng.js';

const SQRT1_2 = Math.SQRT1_2;
const LOG_SQRT_2PI = 0.5 * Math.log(2 * Math.PI);
const SQRT_PI = Math.sqrt(Math.PI);
const SERIES_LIMIT = 3;

function erfSeries(x: number): number {
  const x2 = x * x;
  let term = x;
  let sum = x;
  for (let n = 1; n < 200; n++) {
    term *= (2 * x2) / (2 * n + 1);
    sum += term;
    if (term < sum * 1e-17) break;
  }
  return (2 / SQRT_PI) * Math.exp(-x2) * sum;
}

/** e^(x²)·erfc(x) for x ≥ 3, by the modified Lentz evaluation of the continued fraction. */
function erfcxLarge(x: number): number {
  // erfc(x) = e^(−x²)/√π · 1/(x + (1/2)/(x + 1/(x + (3/2)/(x + 2/(x + …)))))
  const tiny = 1e-300;
  let f = x;
  let c = x;
  let d = 0;
  for (let n = 1; n < 500; n++) {
    const a = n / 2;
    d = x + a * d;
    if (Math.abs(d) < tiny) d = tiny;
    c = x + a / c;
    if (Math.abs(c) < tiny) c = tiny;
    d = 1 / d;
    const delta = c * d;
    f *= delta;
    if (Math.abs(delta - 1) < 1e-16) break;
  }
  return 1 / (f * SQRT_PI);
}

export function erfc(x: number): number {
  if (x < 0) return 2 - erfc(-x);
  if (x < SERIES_LIMIT) return 1 - erfSeries(x);
  return Math.exp(-x * x) * erfcxLarge(x);
}

/** log erfc(x), finite for any finite x. */
function logErfc(x: number): number {
  if (x < SERIES_LIMIT) return Math.log(erfc(x));
  return -x * x + Math.log(erfcxLarge(x));
}

/** Φ(z). */
export function normCdf(z: number): number {
  return 0.5 * erfc(-z * SQRT1_2);
}

/** log Φ(z), finite far into the lower tail. */
export function logNormCdf(z: number): number {
  if (z > 0) return Math.log1p(-0.5 * erfc(z * SQRT1_2));
  return Math.log(0.5) + logErfc(-z * SQRT1_2);
}

/** log φ(z). */
export function logNormPdf(z: number): number {
  return -0.5 * z * z - LOG_SQRT_2PI;
}

/** log(Φ(b) − Φ(a)) for a < b, accurate when both sit in the same tail. */
export function logNormMass(a: number, b: number): number {
  if (!(b > a)) return Number.NEGATIVE_INFINITY;
  if (b <= 0) {
    const lb = logNormCdf(b);
    return lb + Math.log1p(-Math.exp(logNormCdf(a) - lb));
  }
  if (a >= 0) {
    const la = logNormCdf(-a);
    return la + Math.log1p(-Math.exp(logNormCdf(-b) - la));
  }
  return Math.log1p(-normCdf(a) - normCdf(-b));
}

/** Φ⁻¹(p) for 0 < p ≤ 0.5, refined by Newton steps on log Φ so tiny p keep full precision. */
function normQuantileLower(p: number): number {
  // Starting point: the classic rational approximation for the lower tail (abs. error < 5e-3).
  const t = Math.sqrt(-2 * Math.log(p));
  let x = -(t - (2.515517 + t * (0.802853 + t * 0.010328)) / (1 + t * (1.432788 + t * (0.189269 + t * 0.001308))));
  const logP = Math.log(p);
  for (let i = 0; i < 8; i++) {
    const lc = logNormCdf(x);
    // d/dx log Φ(x) = φ(x)/Φ(x)
    const slope = Math.exp(logNormPdf(x) - lc);
    const step = (lc - logP) / slope;
    x -= step;
    if (Math.abs(step) < 1e-14 * (1 + Math.abs(x))) break;
  }
  return x;
}

/** Φ⁻¹(p) for 0 < p < 1. */
export function normQuantile(p: number): number {
  if (!(p > 0 && p < 1)) {
    if (p === 0) return Number.NEGATIVE_INFINITY;
    if (p === 1) return Number.POSITIVE_INFINITY;
    return Number.NaN;
  }
  return p <= 0.5 ? normQuantileLower(p) : -normQuantileLower(1 - p);
}

/**
 * A draw from N(0,1) truncated to [a, b] (standardised bounds, a < b) by inverting the CDF. The
 * side of zero the draw lands on is chosen first, so each side is inverted in its own precise tail.
 */
export function sampleStdTruncNormal(rng: Rng, a: number, b: number): number {
  if (!(b > a)) return a;
  const u = rng.nextFloat();
  let x: number;
  if (b <= 0) {
    const pa = normCdf(a);
    const pb = normCdf(b);
    x = normQuantile(pa + u * (pb - pa));
  } else if (a >= 0) {
    const qa = normCdf(-a);
    const qb = normCdf(-b);
    x = -normQuantile(qb + u * (qa - qb));
  } else {
    const lower = 0.5 - normCdf(a); // mass on [a, 0)
    const upper = 0.5 - normCdf(-b); // mass on [0, b]
    const m = u * (lower + upper);
    x = m < lower ? normQuantile(normCdf(a) + m) : -normQuantile(0.5 - (m - lower));
  }
  if (!Number.isFinite(x)) x = a + u * (b - a);
  return Math.min(b, Math.max(a, x));
}
