/**
 * Univariate Parzen estimators of the TPE sampler (after Optuna's design).
 *
 * Numeric: a mixture of normals truncated to the internal interval, one kernel per observation
 * plus a wide prior kernel at the centre. A kernel's bandwidth is the larger gap to its sorted
 * neighbours (the outermost kernels use their inner gap only), clipped to
 * [range / min(100, kernels + 1), range] ("magic clip"). Integers are scored by the probability
 * mass of their unit bin, so rounding does not distort the density ratio.
 *
 * Categorical: every observation is a kernel putting `prior_weight / kernels` on each choice plus
 * 1 on its own choice (normalised); the prior kernel is uniform.
 *
 * Observation weights follow Optuna's `default_weights`: 1 for up to 25 observations; beyond that
 * the oldest `n − 25` ramp linearly from 1/n to 1. The prior kernel has weight `prior_weight`.
 */
import { logNormMass, logNormPdf, sampleStdTruncNormal } from './normal.js';
import type { Rng } from './rng.js';
import { fromInternal, intBin, type NumericDomain, toInternal } from './space.js';

export const PRIOR_WEIGHT = 1.0;

/** Weights of observations in trial order (oldest first). */
export function observationWeights(n: number): Float64Array {
  const w = new Float64Array(n).fill(1);
  if (n >= 25) {
    const ramp = n - 25;
    for (let i = 0; i < ramp; i++) w[i] = ramp === 1 ? 1 / n : 1 / n + ((1 - 1 / n) * i) / (ramp - 1);
  }
  return w;
}

function normalisedLogWeights(nObs: number, priorWeight: number): Float64Array {
  const w = observationWeights(nObs);
  let total = priorWeight;
  for (let i = 0; i < nObs; i++) total += w[i];
  const out = new Float64Array(nObs + 1);
  for (let i = 0; i < nObs; i++) out[i] = Math.log(w[i] / total);
  out[nObs] = Math.log(priorWeight / total);
  return out;
}

function logSumExp(values: Float64Array, n: number): number {
  let max = Number.NEGATIVE_INFINITY;
  for (let i = 0; i < n; i++) if (values[i] > max) max = values[i];
  if (max === Number.NEGATIVE_INFINITY) return max;
  let s = 0;
  for (let i = 0; i < n; i++) s += Math.exp(values[i] - max);
  return max + Math.log(s);
}

export class NumericParzen {
  private readonly mus: Float64Array;
  private readonly sigmas: Float64Array;
  private readonly logW: Float64Array;
  /** log of each kernel's mass inside [lo, hi] (the truncation normaliser). */
  private readonly logMass: Float64Array;
  private readonly cumW: Float64Array;
  private readonly scratch: Float64Array;

  /** `values` are parameter values (not internal coordinates), oldest trial first. */
  constructor(
    private readonly dom: NumericDomain,
    values: readonly number[],
    priorWeight = PRIOR_WEIGHT,
  ) {
    const n = values.length;
    const k = n + 1;
    const range = dom.hi - dom.lo;
    this.mus = new Float64Array(k);
    this.sigmas = new Float64Array(k);
    for (let i = 0; i < n; i++) this.mus[i] = toInternal(dom, values[i]);
    if (n > 0) this.fillBandwidths(n);
    const minSigma = range / Math.min(100, k + 1);
    for (let i = 0; i < n; i++) this.sigmas[i] = Math.min(range, Math.max(minSigma, this.sigmas[i]));
    this.mus[n] = 0.5 * (dom.lo + dom.hi);
    this.sigmas[n] = range;
    this.logW = normalisedLogWeights(n, priorWeight);
    this.logMass = new Float64Array(k);
    for (let i = 0; i < k; i++) {
      this.logMass[i] = logNormMass((dom.lo - this.mus[i]) / this.sigmas[i], (dom.hi - this.mus[i]) / this.sigmas[i]);
    }
    this.cumW = new Float64Array(k);
    let acc = 0;
    for (let i = 0; i < k; i++) {
      acc += Math.exp(this.logW[i]);
      this.cumW[i] = acc;
    }
    this.scratch = new Float64Array(k);
  }

  private fillBandwidths(n: number): void {
    const order = Array.from({ length: n }, (_, i) => i).sort((a, b) => this.mus[a] - this.mus[b] || a - b);
    const sorted = order.map((i) => this.mus[i]);
    for (let r = 0; r < n; r++) {
      const left = sorted[r] - (r === 0 ? this.dom.lo : sorted[r - 1]);
      const right = (r === n - 1 ? this.dom.hi : sorted[r + 1]) - sorted[r];
      let s = Math.max(left, right);
      // Endpoints are not neighbours: with two or more kernels the outermost ones use the inner gap.
      if (n >= 2 && r === 0) s = right;
      else if (n >= 2 && r === n - 1) s = left;
      this.sigmas[order[r]] = s;
    }
  }

  /** Draw `count` parameter values. */
  sample(rng: Rng, count: number): number[] {
    const out: number[] = [];
    const total = this.cumW[this.cumW.length - 1];
    for (let c = 0; c < count; c++) {
      const u = rng.nextFloat() * total;
      let j = 0;
      while (j < this.cumW.length - 1 && u >= this.cumW[j]) j++;
      const mu = this.mus[j];
      const sigma = this.sigmas[j];
      const z = sampleStdTruncNormal(rng, (this.dom.lo - mu) / sigma, (this.dom.hi - mu) / sigma);
      out.push(fromInternal(this.dom, mu + sigma * z));
    }
    return out;
  }

  /** log density (floats, internal coordinates) or log bin mass (integers) of a parameter value. */
  logPdf(value: number): number {
    const k = this.mus.length;
    const s = this.scratch;
    if (this.dom.kind === 'int') {
      const [a0, b0] = intBin(this.dom, value);
      const a = Math.max(a0, this.dom.lo);
      const b = Math.min(b0, this.dom.hi);
      for (let i = 0; i < k; i++) {
        const mu = this.mus[i];
        const sg = this.sigmas[i];
        s[i] = this.logW[i] + logNormMass((a - mu) / sg, (b - mu) / sg) - this.logMass[i];
      }
    } else {
      const x = toInternal(this.dom, value);
      for (let i = 0; i < k; i++) {
        const sg = this.sigmas[i];
        s[i] = this.logW[i] + logNormPdf((x - this.mus[i]) / sg) - Math.log(sg) - this.logMass[i];
      }
    }
    return logSumExp(s, k);
  }
}

export class CategoricalParzen {
  private readonly probs: Float64Array;
  private readonly cum: Float64Array;

  /** `indices` are choice indices, oldest trial first. */
  constructor(nChoices: number, indices: readonly number[], priorWeight = PRIOR_WEIGHT) {
    const n = indices.length;
    this.probs = new Float64Array(nChoices);
    if (n === 0) {
      this.probs.fill(1 / nChoices);
    } else {
      const kernels = n + 1;
      const logW = normalisedLogWeights(n, priorWeight);
      const base = priorWeight / kernels;
      const rowTotal = base * nChoices + 1;
      let smoothing = Math.exp(logW[n]) / nChoices; // the uniform prior kernel
      for (let i = 0; i < n; i++) {
        const w = Math.exp(logW[i]);
        smoothing += (w * base) / rowTotal;
        this.probs[indices[i]] += w / rowTotal;
      }
      for (let c = 0; c < nChoices; c++) this.probs[c] += smoothing;
    }
    this.cum = new Float64Array(nChoices);
    let acc = 0;
    for (let c = 0; c < nChoices; c++) {
      acc += this.probs[c];
      this.cum[c] = acc;
    }
  }

  sample(rng: Rng, count: number): number[] {
    const out: number[] = [];
    const total = this.cum[this.cum.length - 1];
    for (let i = 0; i < count; i++) {
      const u = rng.nextFloat() * total;
      let c = 0;
      while (c < this.cum.length - 1 && u >= this.cum[c]) c++;
      out.push(c);
    }
    return out;
  }

  logPdf(index: number): number {
    return Math.log(this.probs[index]);
  }

  probabilities(): Float64Array {
    return this.probs.slice();
  }
}
