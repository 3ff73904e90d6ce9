import { describe, expect, it } from 'vitest';
import { ialsSearchSpace } from '../../../src/algorithms/ials.js';
import { rp3betaSearchSpace } from '../../../src/algorithms/rp3beta.js';
import { fitSearchSpace } from '../../../src/train/search/data-space.js';

describe('fitSearchSpace', () => {
  it('caps latent factors at half the smaller side of the matrix', () => {
    const small = fitSearchSpace(ialsSearchSpace, { users: 3900, items: 167 });
    expect(small.n_components).toEqual({ kind: 'int', low: 4, high: 83 });
    // Other parameters are untouched.
    expect(small.alpha0).toEqual(ialsSearchSpace.alpha0);
    expect(small.reg).toEqual(ialsSearchSpace.reg);
    // A large matrix keeps the declared range, and the cap never drops below the low end.
    expect(fitSearchSpace(ialsSearchSpace, { users: 610, items: 9724 }).n_components).toEqual(
      ialsSearchSpace.n_components,
    );
    expect(fitSearchSpace(ialsSearchSpace, { users: 5, items: 3 }).n_components).toEqual({
      kind: 'int',
      low: 4,
      high: 4,
    });
  });

  it('caps neighbours per item at the number of items', () => {
    expect(fitSearchSpace(rp3betaSearchSpace, { users: 100, items: 50 }).top_k).toEqual({
      kind: 'int',
      low: 2,
      high: 50,
    });
    expect(fitSearchSpace(rp3betaSearchSpace, { users: 100, items: 5000 })).toEqual(rp3betaSearchSpace);
  });
});
