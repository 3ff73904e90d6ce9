import { describe, expect, it } from 'vitest';
import type { SearchSpace } from '../../../src/algorithms/types.js';
import { CategoricalParzen, NumericParzen, observationWeights } from '../../../src/train/search/parzen.js';
import { Rng } from '../../../src/train/search/rng.js';
import { numericDomain } from '../../../src/train/search/space.js';
import { defaultGamma, splitTrials, TpeSampler } from '../../../src/train/search/tpe.js';
import type { TrialParams, TrialRecord } from '../../../src/train/search/trial.js';

const SPACE: SearchSpace = {
  lr: { kind: 'float', low: 1e-5, high: 1, log: true },
  n: { kind: 'int', low: 1, high: 512 },
  depth: { kind: 'int', low: 1, high: 1000, log: true },
  kind: { kind: 'categorical', choices: ['a', 'b', 'c', 'd'] },
  y: { kind: 'float', low: -5, high: 5 },
};

/** Maximum 0.5 at lr=1e-3, n=380, depth≈32, kind=c, y=1.2. */
function objective(p: TrialParams): number {
  return (
    -((Math.log10(Number(p.lr)) + 3) ** 2) / 4 -
    ((Number(p.n) - 380) / 128) ** 2 -
    (Math.log10(Number(p.depth)) - 1.5) ** 2 -
    (Number(p.y) - 1.2) ** 2 / 4 +
    (p.kind === 'c' ? 0.5 : 0)
  );
}

function record(number: number, params: TrialParams, score: number, cls = 'X'): TrialRecord {
  return {
    number,
    state: 'COMPLETE',
    className: cls,
    value: -score,
    params,
    userAttrs: { recommender_class_name: cls },
    intermediate: [],
    startedAt: '',
    finishedAt: '',
  };
}

function runStudy(sampler: TpeSampler, nTrials: number): { best: number; history: TrialRecord[] } {
  const history: TrialRecord[] = [];
  let best = Number.NEGATIVE_INFINITY;
  for (let i = 0; i < nTrials; i++) {
    const params = sampler.sampleParams(i, 'X', SPACE, history);
    const s = objective(params);
    best = Math.max(best, s);
    history.push(record(i, params, s));
  }
  return { best, history };
}

describe('TPE sampler', () => {
  it('finds better configurations than random search on a mixed synthetic space', () => {
    const seeds = Array.from({ length: 12 }, (_, i) => 1000 + i * 7);
    let tpeRegret = 0;
    let randomRegret = 0;
    let wins = 0;
    for (const seed of seeds) {
      const tpe = runStudy(new TpeSampler({ seed }), 80).best;
      const rnd = runStudy(new TpeSampler({ seed, nStartupTrials: Number.POSITIVE_INFINITY }), 80).best;
      tpeRegret += 0.5 - tpe;
      randomRegret += 0.5 - rnd;
      if (tpe > rnd) wins++;
    }
    expect(tpeRegret / seeds.length).toBeLessThan(0.5 * (randomRegret / seeds.length));
    expect(wins).toBeGreaterThanOrEqual(10);
  });

  it('is deterministic for a seed and differs across seeds', () => {
    const a = runStudy(new TpeSampler({ seed: 7 }), 25).history.map((t) => t.params);
    const b = runStudy(new TpeSampler({ seed: 7 }), 25).history.map((t) => t.params);
    const c = runStudy(new TpeSampler({ seed: 8 }), 25).history.map((t) => t.params);
    expect(a).toEqual(b);
    expect(a).not.toEqual(c);
  });

  it('keeps every suggestion inside its range, integers integral, categoricals from the choices', () => {
    const { history } = runStudy(new TpeSampler({ seed: 3 }), 40);
    for (const t of history) {
      const p = t.params;
      expect(p.lr).toBeGreaterThanOrEqual(1e-5);
      expect(p.lr).toBeLessThanOrEqual(1);
      expect(Number.isInteger(p.n) && (p.n as number) >= 1 && (p.n as number) <= 512).toBe(true);
      expect(Number.isInteger(p.depth) && (p.depth as number) >= 1 && (p.depth as number) <= 1000).toBe(true);
      expect(['a', 'b', 'c', 'd']).toContain(p.kind);
      expect(p.y).toBeGreaterThanOrEqual(-5);
      expect(p.y).toBeLessThanOrEqual(5);
    }
  });

  it('concentrates model-based suggestions near the good region of a parameter', () => {
    // History: x near 0.8 scores well, elsewhere poorly.
    const space: SearchSpace = { x: { kind: 'float', low: 0, high: 1 } };
    const rng = new Rng(5);
    const history: TrialRecord[] = [];
    for (let i = 0; i < 40; i++) {
      const x = rng.nextFloat();
      history.push(record(i, { x }, -Math.abs(x - 0.8)));
    }
    const sampler = new TpeSampler({ seed: 11 });
    const picks = Array.from({ length: 30 }, (_, k) => sampler.sampleParams(100 + k, 'X', space, history).x as number);
    const near = picks.filter((x) => Math.abs(x - 0.8) < 0.15).length;
    expect(near).toBeGreaterThanOrEqual(24);
  });

  it('models a class only from its own trials (shared names with unrelated ranges)', () => {
    const space: SearchSpace = { reg: { kind: 'float', low: 1, high: 1e4, log: true } };
    const own: TrialRecord[] = [];
    const rng = new Rng(9);
    for (let i = 0; i < 20; i++) {
      const reg = 10 ** (rng.nextFloat() * 4);
      own.push(record(i, { reg }, -Math.abs(Math.log10(reg) - 3), 'DenseSLIMRecommender'));
    }
    // IALS trials share the name `reg` (range 1e-4..1e-1) and score better than every DenseSLIM trial.
    const mixed = [...own];
    for (let i = 20; i < 50; i++) mixed.push(record(i, { reg: 1e-3 * (1 + (i % 7)) }, 5, 'IALSRecommender'));
    const sampler = new TpeSampler({ seed: 2 });
    for (let k = 0; k < 10; k++) {
      const alone = sampler.sampleParams(100 + k, 'DenseSLIMRecommender', space, own);
      const withOthers = sampler.sampleParams(100 + k, 'DenseSLIMRecommender', space, mixed);
      expect(withOthers).toEqual(alone);
    }
    // And the model phase is really in use: the picks differ from start-up (uniform) draws.
    const uniform = new TpeSampler({ seed: 2, nStartupTrials: Number.POSITIVE_INFINITY });
    expect(sampler.sampleParams(100, 'DenseSLIMRecommender', space, own)).not.toEqual(
      uniform.sampleParams(100, 'DenseSLIMRecommender', space, own),
    );
  });

  it('samples uniformly during start-up, ending it early for small class budgets', () => {
    const space: SearchSpace = { x: { kind: 'float', low: 0, high: 1 } };
    const history = [0.9, 0.91, 0.92].map((x, i) => record(i, { x }, x));
    const big = new TpeSampler({ seed: 1 });
    const startup = big.sampleParams(3, 'X', space, history, 100).x;
    const random = new TpeSampler({ seed: 1, nStartupTrials: Number.POSITIVE_INFINITY }).sampleParams(
      3,
      'X',
      space,
      history,
    ).x;
    expect(startup).toBe(random);
    // Budget 6 → start-up of 3 trials: with 3 finished trials the model is already used.
    const modelled = big.sampleParams(3, 'X', space, history, 6).x;
    expect(modelled).not.toBe(random);
  });

  it('chooses the algorithm from the classes offered, preferring the one that scored well', () => {
    const history: TrialRecord[] = [];
    for (let i = 0; i < 30; i++) {
      const cls = i % 2 === 0 ? 'A' : 'B';
      const r = record(i, { recommender_class_name: cls }, cls === 'B' ? 1 : 0, cls);
      history.push(r);
    }
    const sampler = new TpeSampler({ seed: 4 });
    const picks = Array.from({ length: 20 }, (_, k) => sampler.sampleClass(100 + k, ['A', 'B'], history));
    expect(picks.filter((c) => c === 'B').length).toBeGreaterThanOrEqual(17);
    expect(new Set(picks.map((c) => ['A', 'B'].includes(c)))).toEqual(new Set([true]));
  });
});

describe('good/bad split', () => {
  it('uses gamma(n) = min(ceil(n/10), 25)', () => {
    expect([1, 9, 10, 11, 100, 250, 251, 1000].map(defaultGamma)).toEqual([1, 1, 1, 2, 10, 25, 25, 25]);
  });

  it('ranks completed trials by value, then pruned ones by last step and value, never-reported last', () => {
    const mk = (number: number, state: TrialRecord['state'], value: number | null, inter: Array<[number, number]>) => ({
      ...record(number, {}, 0),
      state,
      value,
      intermediate: inter,
    });
    const trials = [
      mk(0, 'COMPLETE', -0.3, []),
      mk(1, 'PRUNED', null, [[4, -0.2]]),
      mk(2, 'PRUNED', null, [
        [4, -0.1],
        [9, -0.15],
      ]),
      mk(3, 'PRUNED', null, []),
      mk(4, 'COMPLETE', -0.5, []),
      mk(5, 'PRUNED', null, [[9, -0.05]]),
    ];
    const { good, bad } = splitTrials(trials, 4);
    // Both completes, then pruned trials that reached step 9 (better value first).
    expect(good.map((t) => t.number)).toEqual([0, 2, 4, 5]);
    expect(bad.map((t) => t.number)).toEqual([1, 3]);
    const small = splitTrials(trials, 1);
    expect(small.good.map((t) => t.number)).toEqual([4]);
  });
});

describe('Parzen estimators', () => {
  it('weights observations like Optuna: flat up to 25, then a ramp for the oldest', () => {
    expect(Array.from(observationWeights(3))).toEqual([1, 1, 1]);
    const w = observationWeights(30);
    expect(w[0]).toBeCloseTo(1 / 30, 12);
    expect(w[4]).toBeCloseTo(1, 12);
    expect(Array.from(w.slice(5))).toEqual(new Array(25).fill(1));
    for (let i = 1; i < 5; i++) expect(w[i]).toBeGreaterThan(w[i - 1]);
  });

  it('integer bin masses sum to one over the range', () => {
    const dom = numericDomain({ kind: 'int', low: 1, high: 40, log: true });
    const p = new NumericParzen(dom, [3, 7, 7, 30]);
    let total = 0;
    for (let v = 1; v <= 40; v++) total += Math.exp(p.logPdf(v));
    expect(total).toBeCloseTo(1, 9);
  });

  it('float densities integrate to one over the internal interval', () => {
    const dom = numericDomain({ kind: 'float', low: -2, high: 3 });
    const p = new NumericParzen(dom, [-1.9, 0.1, 0.2, 2.5]);
    const n = 20000;
    let total = 0;
    for (let i = 0; i < n; i++) total += Math.exp(p.logPdf(-2 + ((i + 0.5) * 5) / n)) * (5 / n);
    expect(total).toBeCloseTo(1, 4);
  });

  it('categorical probabilities are smoothed counts with the prior', () => {
    const c = new CategoricalParzen(3, [0, 0, 2]);
    const probs = Array.from(c.probabilities());
    expect(probs.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 12);
    expect(probs[0]).toBeGreaterThan(probs[2]);
    expect(probs[2]).toBeGreaterThan(probs[1]);
    expect(probs[1]).toBeGreaterThan(0);
    expect(Array.from(new CategoricalParzen(4, []).probabilities())).toEqual([0.25, 0.25, 0.25, 0.25]);
  });
});
