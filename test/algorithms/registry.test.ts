import { describe, expect, it } from 'vitest';
import {
  ALGORITHM_NAMES,
  ALGORITHM_SPECS,
  CANONICAL_CLASSES,
  createRecommender,
  getAlgorithmSpec,
  loadRecommender,
  MODEL_FORMATS,
  resolveAlgorithmName,
} from '../../src/algorithms/index.js';
import { ArtifactError, UnknownAlgorithmError } from '../../src/errors/index.js';
import { randomCounts } from './helpers.js';

describe('algorithm registry', () => {
  it('holds one spec per canonical class, keyed by its own class name', () => {
    expect(Object.keys(ALGORITHM_SPECS).sort()).toEqual([...CANONICAL_CLASSES].sort());
    for (const cls of CANONICAL_CLASSES) expect(ALGORITHM_SPECS[cls].className).toBe(cls);
  });

  it('resolves aliases, class names and name + "Recommender" in any case', () => {
    expect(resolveAlgorithmName('IALS')).toBe('IALSRecommender');
    expect(resolveAlgorithmName('ials')).toBe('IALSRecommender');
    expect(resolveAlgorithmName('CosinekNN')).toBe('CosineKNNRecommender');
    expect(resolveAlgorithmName('cosineknn')).toBe('CosineKNNRecommender');
    expect(resolveAlgorithmName('rp3betarecommender')).toBe('RP3betaRecommender');
    expect(resolveAlgorithmName('DENSESLIM')).toBe('DenseSLIMRecommender');
    expect(resolveAlgorithmName('TruncatedSVD')).toBe('TruncatedSVDRecommender');
    expect(resolveAlgorithmName('bprfm')).toBe('BPRFMRecommender');
    expect(resolveAlgorithmName('TopPopRecommender')).toBe('TopPopRecommender');
    expect(getAlgorithmSpec('RP3beta')).toBe(ALGORITHM_SPECS.RP3betaRecommender);
  });

  it('rejects other names with the unknown_algorithm message listing aliases and classes', () => {
    try {
      resolveAlgorithmName('SLIM');
      expect.unreachable();
    } catch (e) {
      expect(e).toBeInstanceOf(UnknownAlgorithmError);
      expect((e as UnknownAlgorithmError).code).toBe('unknown_algorithm');
      expect((e as Error).message).toBe(
        "Unknown or unsupported algorithm 'SLIM'. Supported aliases: ['BPRFM', 'CosineKNN', 'CosinekNN', 'DenseSLIM', 'IALS', 'RP3beta', 'TopPop', 'TruncatedSVD'] or full class names: ['BPRFMRecommender', 'CosineKNNRecommender', 'DenseSLIMRecommender', 'IALSRecommender', 'RP3betaRecommender', 'TopPopRecommender', 'TruncatedSVDRecommender'].",
      );
    }
    expect(() => resolveAlgorithmName('SLIMRecommender')).toThrow(UnknownAlgorithmError);
  });

  it('declares the reference search spaces of the item-based models', () => {
    expect(ALGORITHM_SPECS.CosineKNNRecommender.searchSpace).toEqual({
      top_k: { kind: 'int', low: 4, high: 1000 },
      shrinkage: { kind: 'float', low: 0, high: 1000 },
      feature_weighting: { kind: 'categorical', choices: ['NONE', 'TF_IDF', 'BM_25'] },
      normalize: { kind: 'categorical', choices: [false, true] },
    });
    expect(ALGORITHM_SPECS.RP3betaRecommender.searchSpace).toEqual({
      beta: { kind: 'float', low: 1e-5, high: 0.5, log: true },
      top_k: { kind: 'int', low: 2, high: 1000 },
      normalize_weight: { kind: 'categorical', choices: [true, false] },
    });
    expect(ALGORITHM_SPECS.DenseSLIMRecommender.searchSpace).toEqual({
      reg: { kind: 'float', low: 1, high: 1e4, log: true },
    });
    expect(ALGORITHM_SPECS.TopPopRecommender.searchSpace).toEqual({});
    // Shared parameter names keep one meaning per class: every range is well-formed.
    for (const spec of Object.values(ALGORITHM_SPECS)) {
      for (const [name, d] of Object.entries(spec.searchSpace)) {
        if (d.kind === 'categorical') expect(d.choices.length, name).toBeGreaterThan(0);
        else expect(d.low, `${spec.className}.${name}`).toBeLessThanOrEqual(d.high);
      }
    }
  });

  it('creates models with defaults filled in and reloads them from their saved form', async () => {
    const X = randomCounts(20, 12, 0.3, 4, 2);
    for (const name of ['CosineKNN', 'RP3beta', 'DenseSLIM', 'TopPop']) {
      const model = createRecommender(name, X, name === 'DenseSLIM' ? { reg: 10 } : {});
      await model.fit();
      const copy = loadRecommender(model.save(), X);
      expect(copy.className).toBe(model.className);
      const users = Int32Array.from([0, 5, 19]);
      const a = new Float32Array(3 * 12);
      const b = new Float32Array(3 * 12);
      model.scoreUsers(users, a);
      copy.scoreUsers(users, b);
      expect(Array.from(b), name).toEqual(Array.from(a));
    }
    const knn = createRecommender('cosineknn', X, { top_k: 7 }) as unknown as { params: Record<string, unknown> };
    expect(knn.params).toMatchObject({ top_k: 7, shrinkage: 0, feature_weighting: 'NONE', normalize: false });
  });

  it('falls back to exactly the declared defaults when a parameter is absent', async () => {
    // The defaults table and the fallbacks of each model's parameter reader are one table: a model
    // given no parameters scores like one given its spec's defaults spelled out.
    const X = randomCounts(16, 10, 0.35, 4, 3);
    const users = Int32Array.from([0, 7, 15]);
    for (const cls of CANONICAL_CLASSES) {
      const spec = ALGORITHM_SPECS[cls];
      const implicit = spec.create(X, {});
      const explicit = spec.create(X, { ...spec.defaults });
      await implicit.fit();
      await explicit.fit();
      const a = new Float32Array(users.length * X.cols);
      const b = new Float32Array(users.length * X.cols);
      implicit.scoreUsers(users, a);
      explicit.scoreUsers(users, b);
      expect(Array.from(a), cls).toEqual(Array.from(b));
      const scoresSomething = a.some((v) => v !== 0);
      expect(scoresSomething, cls).toBe(true);
    }
  });

  it('refuses a saved model whose algorithm is not a canonical class', () => {
    const X = randomCounts(3, 3, 0.5, 1);
    const saved = { algorithm: 'CosineKNN', modelFormatVersion: 1, params: {}, arrays: {} } as never;
    expect(() => loadRecommender(saved, X)).toThrow(ArtifactError);
  });

  it('refuses a saved model of another layout version as version skew', async () => {
    const X = randomCounts(6, 5, 0.5, 3);
    const model = createRecommender('TopPop', X);
    await model.fit();
    const saved = model.save();
    expect(saved.modelFormatVersion).toBe(ALGORITHM_SPECS.TopPopRecommender.modelFormatVersion);
    const err = (() => {
      try {
        loadRecommender({ ...saved, modelFormatVersion: saved.modelFormatVersion + 1 }, X);
      } catch (e) {
        return e;
      }
    })();
    expect(err).toBeInstanceOf(ArtifactError);
    expect((err as ArtifactError).reason).toBe('version_skew');
  });

  it('derives names, aliases and loadable formats from the specs alone', () => {
    for (const cls of CANONICAL_CLASSES) {
      const spec = ALGORITHM_SPECS[cls];
      expect(MODEL_FORMATS.get(cls)).toEqual([spec.modelFormatVersion]);
      for (const alias of spec.aliases) expect(resolveAlgorithmName(alias)).toBe(cls);
      expect(new RegExp(ALGORITHM_NAMES.pattern).test(cls)).toBe(true);
    }
    expect(Object.values(ALGORITHM_NAMES.aliases).every((c) => CANONICAL_CLASSES.includes(c))).toBe(true);
  });
});
