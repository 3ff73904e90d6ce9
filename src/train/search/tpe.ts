/**
 * Tree-structured Parzen Estimator sampler, written after Optuna's independent TPE.
 *
 * - Start-up: parameters are drawn uniformly (log-uniform for log ranges) until enough trials have
 *   finished (below).
 * - Split: finished trials are ranked and the best gamma(n) = min(ceil(0.1·n), 25) form the "good"
 *   set l, the rest the "bad" set g. COMPLETE trials rank by objective value (ties → lower number).
 *   PRUNED trials fill remaining good places only when too few trials completed, ranked by their
 *   last report: later step first, then better value; pruned trials that never reported (budget
 *   gate, per-trial timeout) rank last, so they act as bad observations.
 * - Each parameter gets its own pair of estimators (parzen.ts); 24 candidates are drawn from l and
 *   the one maximising l(x)/g(x) is kept.
 *
 * Conditional parameters: a study mixes algorithms whose parameters share names with unrelated
 * ranges (`reg` is [1e-4, 0.1] for IALS and [1, 1e4] for DenseSLIM). A class's parameters are
 * therefore modelled only from that class's finished trials, ranked among themselves, and its
 * start-up phase ends once the class has min(n_startup_trials, ceil(budget / 2)) finished trials
 * (so small per-class budgets still get model-based trials). The algorithm choice itself (sampled
 * only when the enqueued blocks are used up) is modelled over all finished trials with the plain
 * n_startup_trials threshold.
 *
 * Every trial draws from its own stream seeded by (seed, trial number), so with parallelism 1 the
 * suggestions are a pure function of the seed and the study history.
 */
import type { ParamDistribution, SearchSpace } from '../../algorithms/types.js';
import { CategoricalParzen, NumericParzen, PRIOR_WEIGHT } from './parzen.js';
import { deriveSeed, Rng } from './rng.js';
import { choiceIndex, numericDomain, numericValue, type ParamValue, sampleUniform } from './space.js';
import { CLASS_PARAM, isFinished, type TrialParams, type TrialRecord, trialClass } from './trial.js';

export interface TpeOptions {
  seed: number;
  /** Finished trials before the model takes over (Optuna default 10). */
  nStartupTrials?: number;
  /** Candidates drawn from l(x) per parameter (Optuna default 24). */
  nEiCandidates?: number;
  priorWeight?: number;
  /** Size of the good set for n finished trials. */
  gamma?: (n: number) => number;
}

export function defaultGamma(n: number): number {
  return Math.min(Math.ceil(0.1 * n), 25);
}

/** Ranking key of a pruned trial: [−last step, value at it]; never-reported trials rank last. */
function prunedKey(t: TrialRecord): [number, number] {
  if (t.intermediate.length === 0) return [1, 0];
  let step = Number.NEGATIVE_INFINITY;
  let value = Number.NaN;
  for (const [s, v] of t.intermediate) {
    if (s >= step) {
      step = s;
      value = v;
    }
  }
  return [-step, Number.isNaN(value) ? Number.POSITIVE_INFINITY : value];
}

function objectiveKey(t: TrialRecord): number {
  return t.value === null || Number.isNaN(t.value) ? Number.POSITIVE_INFINITY : t.value;
}

/** Split finished trials (any order) into good and bad sets, each sorted by trial number. */
export function splitTrials(
  trials: readonly TrialRecord[],
  nGood: number,
): { good: TrialRecord[]; bad: TrialRecord[] } {
  const complete = trials.filter((t) => t.state === 'COMPLETE');
  const pruned = trials.filter((t) => t.state === 'PRUNED');
  complete.sort((a, b) => objectiveKey(a) - objectiveKey(b) || a.number - b.number);
  const good = complete.slice(0, nGood);
  const bad = complete.slice(nGood);
  const rest = Math.max(0, nGood - good.length);
  if (pruned.length > 0) {
    const keyed = pruned.map((t) => ({ t, k: prunedKey(t) }));
    keyed.sort((a, b) => a.k[0] - b.k[0] || a.k[1] - b.k[1] || a.t.number - b.t.number);
    keyed.forEach(({ t }, i) => {
      (i < rest ? good : bad).push(t);
    });
  }
  good.sort((a, b) => a.number - b.number);
  bad.sort((a, b) => a.number - b.number);
  return { good, bad };
}

export class TpeSampler {
  readonly seed: number;
  private readonly nStartup: number;
  private readonly nCandidates: number;
  private readonly priorWeight: number;
  private readonly gamma: (n: number) => number;

  constructor(opts: TpeOptions) {
    this.seed = opts.seed;
    this.nStartup = opts.nStartupTrials ?? 10;
    this.nCandidates = opts.nEiCandidates ?? 24;
    this.priorWeight = opts.priorWeight ?? PRIOR_WEIGHT;
    this.gamma = opts.gamma ?? defaultGamma;
  }

  /** Choose the algorithm of a trial that has no enqueued class. */
  sampleClass(trialNumber: number, classes: readonly string[], history: readonly TrialRecord[]): string {
    const rng = new Rng(deriveSeed(this.seed, trialNumber, 0));
    const dist: ParamDistribution = { kind: 'categorical', choices: classes };
    const finished = history.filter((t) => isFinished(t) && typeof t.params[CLASS_PARAM] === 'string');
    if (finished.length < this.nStartup) return sampleUniform(rng, dist) as string;
    return this.sampleOne(rng, CLASS_PARAM, dist, finished) as string;
  }

  /**
   * Sample every parameter of `space` for one trial of `className`. `budget` is the class's trial
   * budget (it shortens the start-up phase for small budgets).
   */
  sampleParams(
    trialNumber: number,
    className: string,
    space: SearchSpace,
    history: readonly TrialRecord[],
    budget = Number.POSITIVE_INFINITY,
  ): TrialParams {
    const rng = new Rng(deriveSeed(this.seed, trialNumber, 1));
    const own = history.filter(
      (t) => t.number !== trialNumber && isFinished(t) && trialClass(t) === className && hasAnyParam(t, space),
    );
    const startup = Math.min(this.nStartup, Math.max(1, Math.ceil(budget / 2)));
    const out: TrialParams = {};
    for (const [name, dist] of Object.entries(space)) {
      out[name] = own.length < startup ? sampleUniform(rng, dist) : this.sampleOne(rng, name, dist, own);
    }
    return out;
  }

  private sampleOne(rng: Rng, name: string, dist: ParamDistribution, finished: readonly TrialRecord[]): ParamValue {
    const { good, bad } = splitTrials(finished, this.gamma(finished.length));
    if (dist.kind === 'categorical') {
      const idx = (ts: TrialRecord[]): number[] =>
        ts.map((t) => choiceIndex(dist.choices, t.params[name])).filter((i) => i >= 0);
      const l = new CategoricalParzen(dist.choices.length, idx(good), this.priorWeight);
      const g = new CategoricalParzen(dist.choices.length, idx(bad), this.priorWeight);
      const cands = l.sample(rng, this.nCandidates);
      return dist.choices[argmaxRatio(cands, (c) => l.logPdf(c) - g.logPdf(c))];
    }
    const dom = numericDomain(dist);
    if (dom.lo === dom.hi) return dist.low;
    const vals = (ts: TrialRecord[]): number[] =>
      ts.map((t) => numericValue(dom, t.params[name])).filter((v): v is number => v !== null);
    const l = new NumericParzen(dom, vals(good), this.priorWeight);
    const g = new NumericParzen(dom, vals(bad), this.priorWeight);
    const cands = l.sample(rng, this.nCandidates);
    return argmaxRatio(cands, (c) => l.logPdf(c) - g.logPdf(c));
  }
}

function hasAnyParam(t: TrialRecord, space: SearchSpace): boolean {
  for (const name of Object.keys(space)) if (name in t.params) return true;
  return Object.keys(space).length === 0;
}

function argmaxRatio<T>(cands: readonly T[], score: (c: T) => number): T {
  let best = cands[0];
  let bestScore = Number.NEGATIVE_INFINITY;
  for (const c of cands) {
    const s = score(c);
    if (s > bestScore) {
      best = c;
      bestScore = s;
    }
  }
  return best;
}
