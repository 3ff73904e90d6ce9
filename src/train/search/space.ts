/**
 * Search-space dimensions as the samplers see them: numeric parameters live in a continuous
 * "internal" interval (log-transformed for log ranges; integers widened by half a step on each
 * side and rounded back), categorical parameters are indices into their choices.
 */
import type { ParamDistribution, SearchSpace } from '../../algorithms/types.js';
import { SearchError } from '../../errors/index.js';
import type { Rng } from './rng.js';

export type ParamValue = number | string | boolean;

export interface NumericDomain {
  kind: 'int' | 'float';
  low: number;
  high: number;
  log: boolean;
  /** Internal interval [lo, hi] sampled by the estimators. */
  lo: number;
  hi: number;
}

export function validateSearchSpace(owner: string, space: SearchSpace): void {
  for (const [name, d] of Object.entries(space)) {
    const where = `search space of ${owner}, parameter '${name}'`;
    if (d.kind === 'categorical') {
      if (d.choices.length === 0) throw new SearchError(`${where}: categorical choices must not be empty`);
      continue;
    }
    if (!Number.isFinite(d.low) || !Number.isFinite(d.high) || d.low > d.high) {
      throw new SearchError(`${where}: needs finite low <= high, got [${d.low}, ${d.high}]`);
    }
    if (d.kind === 'int' && (!Number.isInteger(d.low) || !Number.isInteger(d.high))) {
      throw new SearchError(`${where}: integer bounds must be integers, got [${d.low}, ${d.high}]`);
    }
    if (d.log && (d.kind === 'int' ? d.low < 1 : d.low <= 0)) {
      throw new SearchError(`${where}: a log range needs low ${d.kind === 'int' ? '>= 1' : '> 0'}, got ${d.low}`);
    }
  }
}

export function numericDomain(d: Extract<ParamDistribution, { kind: 'int' | 'float' }>): NumericDomain {
  const log = d.log === true;
  const lowEdge = d.kind === 'int' ? d.low - 0.5 : d.low;
  const highEdge = d.kind === 'int' ? d.high + 0.5 : d.high;
  return {
    kind: d.kind,
    low: d.low,
    high: d.high,
    log,
    lo: log ? Math.log(lowEdge) : lowEdge,
    hi: log ? Math.log(highEdge) : highEdge,
  };
}

/** Map an internal coordinate back to a parameter value inside [low, high]. */
export function fromInternal(dom: NumericDomain, x: number): number {
  let v = dom.log ? Math.exp(x) : x;
  if (dom.kind === 'int') v = Math.round(v);
  return Math.min(dom.high, Math.max(dom.low, v));
}

/** Internal coordinate of a value (clamped to the range first). */
export function toInternal(dom: NumericDomain, value: number): number {
  const v = Math.min(dom.high, Math.max(dom.low, value));
  return dom.log ? Math.log(v) : v;
}

/** The internal interval an integer value occupies: [v − ½, v + ½], transformed. */
export function intBin(dom: NumericDomain, value: number): [number, number] {
  const a = value - 0.5;
  const b = value + 0.5;
  return dom.log ? [Math.log(a), Math.log(b)] : [a, b];
}

/** Index of a stored value among the choices, or −1 (values from another search space). */
export function choiceIndex(choices: readonly ParamValue[], value: unknown): number {
  for (let i = 0; i < choices.length; i++) if (choices[i] === value) return i;
  return -1;
}

/** Numeric value of a stored parameter, or null when it is not a usable number for the domain. */
export function numericValue(dom: NumericDomain, value: unknown): number | null {
  if (typeof value !== 'number' || !Number.isFinite(value)) return null;
  if (value < dom.low || value > dom.high) return null;
  return value;
}

/** One uniform draw (uniform in log space for log ranges, exactly uniform over integers otherwise). */
export function sampleUniform(rng: Rng, d: ParamDistribution): ParamValue {
  if (d.kind === 'categorical') return d.choices[rng.nextInt(d.choices.length)];
  if (d.kind === 'int' && !d.log) return d.low + rng.nextInt(d.high - d.low + 1);
  const dom = numericDomain(d);
  if (dom.kind === 'float' && dom.lo === dom.hi) return d.low;
  return fromInternal(dom, dom.lo + rng.nextFloat() * (dom.hi - dom.lo));
}
