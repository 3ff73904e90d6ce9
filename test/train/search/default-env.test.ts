import { describe, expect, it } from 'vitest';
import { Evaluator } from '../../../src/algorithms/evaluator.js';
import { CANONICAL_CLASSES } from '../../../src/algorithms/registry.js';
import { csrFromCoo } from '../../../src/linalg/csr.js';
import { createEvaluator, getRecommenderSpec } from '../../../src/train/search/default-env.js';
import { runSearch } from '../../../src/train/search/index.js';
import { validateSearchSpace } from '../../../src/train/search/space.js';

describe('the product trial environment', () => {
  it('knows every canonical class, each with a search space the samplers accept', () => {
    for (const c of CANONICAL_CLASSES) {
      const spec = getRecommenderSpec(c);
      expect(spec.className).toBe(c);
      expect(() => validateSearchSpace(c, spec.searchSpace)).not.toThrow();
    }
    const m = csrFromCoo(3, 4, [0, 1, 2], [0, 1, 2]);
    expect(createEvaluator({ groundTruth: m, offset: 0, cutoff: 2, metric: 'recall', trainMatrix: m })).toBeInstanceOf(
      Evaluator,
    );
  });

  it('is what runSearch uses when no environment is given', async () => {
    // Users 0–9 like items 0–4, users 10–19 items 5–9; users 16–19 hold out one liked item each.
    const rows: number[] = [];
    const cols: number[] = [];
    const gtRows: number[] = [];
    const gtCols: number[] = [];
    for (let u = 0; u < 20; u++) {
      const base = u < 10 ? 0 : 5;
      for (let k = 0; k < 5; k++) {
        if (u >= 16 && k === u % 5) {
          gtRows.push(u - 16);
          gtCols.push(base + k);
        } else {
          rows.push(u);
          cols.push(base + k);
        }
      }
    }
    const train = csrFromCoo(20, 10, rows, cols);
    const res = await runSearch({
      studyName: 'default-env',
      classes: ['TopPopRecommender', 'CosineKNNRecommender'],
      budgets: { TopPopRecommender: 1, CosineKNNRecommender: 3 },
      nTrials: 4,
      seed: 1,
      trainMatrix: train,
      evaluation: { groundTruth: csrFromCoo(4, 10, gtRows, gtCols), offset: 16, cutoff: 2, metric: 'hit' },
    });
    expect(res.n_completed).toBe(4);
    expect(res.best_class).toBe('CosineKNNRecommender');
    expect(res.best_score).toBe(1);
  }, 30_000);
});
