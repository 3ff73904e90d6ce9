import { describe, expect, it } from 'vitest';
import { TopPopRecommender, topPopSpec } from '../../src/algorithms/top-pop.js';
import { csrFromCoo } from '../../src/linalg/csr.js';

describe('TopPopRecommender', () => {
  const X = csrFromCoo(3, 4, [0, 0, 1, 2, 2, 2], [1, 3, 1, 0, 1, 1], [1, 2, 1, 1, 1, 1]);

  it('scores every user and every history by the column sums', async () => {
    const model = topPopSpec.create(X, {});
    await model.fit();
    const out = new Float32Array(2 * 4);
    model.scoreUsers(Int32Array.from([0, 2]), out);
    expect(Array.from(out)).toEqual([1, 4, 0, 2, 1, 4, 0, 2]);
    expect(Array.from(model.scoreHistory(Int32Array.from([3])))).toEqual([1, 4, 0, 2]);
    expect(model.learntConfig()).toEqual({});
    expect(() => model.scoreUsers(Int32Array.from([0, 1]), new Float32Array(4))).toThrow(RangeError);
  });

  it('saves popularity as float64 and loads it back', async () => {
    const model = new TopPopRecommender(X, 3, 4);
    await model.fit();
    const saved = model.save();
    expect(saved).toMatchObject({ algorithm: 'TopPopRecommender', params: {} });
    expect(saved.arrays.popularity.dtype).toBe('float64');
    expect(Array.from(saved.arrays.popularity.data as Float64Array)).toEqual([1, 4, 0, 2]);
    const loaded = topPopSpec.load(saved, X);
    expect(Array.from(loaded.scoreHistory(new Int32Array(0)))).toEqual([1, 4, 0, 2]);
    const bad = {
      ...saved,
      arrays: { popularity: { dtype: 'float64' as const, shape: [3], data: new Float64Array(3) } },
    };
    expect(() => topPopSpec.load(bad, X)).toThrow(/popularity/);
  });

  it('refuses to score before fit', () => {
    expect(() => new TopPopRecommender(X, 3, 4).scoreHistory(new Int32Array(0))).toThrow(/fit/);
    expect(topPopSpec.searchSpace).toEqual({});
    expect(topPopSpec.aliases).toContain('TopPop');
  });
});
