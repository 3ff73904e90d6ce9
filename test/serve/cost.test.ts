/** Estimated scoring cost (src/serve/scoring/cost.ts) and the executors that act on it. */
import { describe, expect, it } from 'vitest';
import type { SavedModel } from '../../src/algorithms/types.js';
import { csrFromCoo } from '../../src/linalg/csr.js';
import {
  costModel,
  DEFAULT_INLINE_BUDGET_NS,
  knownUsersCost,
  profilesCost,
  splitByCost,
} from '../../src/serve/scoring/cost.js';
import { InlineExecutor } from '../../src/serve/scoring/executor.js';
import type { ServingModel } from '../../src/serve/scoring/model.js';
import { SharedModel } from '../../src/serve/scoring/shared-model.js';
import { factorModel } from './helpers/model.js';

/** Shape-only model: the cost model never builds the recommender. */
function shaped(algorithm: SavedModel['algorithm'], nUsers: number, nItems: number, k: number): ServingModel {
  const seen = csrFromCoo(
    nUsers,
    nItems,
    Array.from({ length: nUsers }, (_, u) => u),
    Array.from({ length: nUsers }, (_, u) => u % nItems),
  );
  const saved: SavedModel = {
    algorithm,
    modelFormatVersion: 1,
    params: { n_components: k },
    arrays: {
      user_factors: { dtype: 'float32', shape: [nUsers, k], data: new Float32Array(nUsers * k) },
      item_factors: { dtype: 'float32', shape: [nItems, k], data: new Float32Array(nItems * k) },
    },
  };
  const ids = (p: string, n: number) => Array.from({ length: n }, (_, i) => `${p}${i}`);
  return new SharedModel(saved, seen, ids('u', nUsers), ids('i', nItems));
}

const job = (n: number) => ({
  items: Int32Array.from({ length: n }, (_, i) => i),
  weights: new Float32Array(n).fill(1),
  limit: 10,
});

describe('scoring cost', () => {
  it('one known user of a 9,724-item, 64-factor model is cheap enough for the event loop', () => {
    const m = shaped('IALSRecommender', 610, 9724, 64);
    expect(costModel(m).knownUser(0)).toBeLessThan(DEFAULT_INLINE_BUDGET_NS);
    expect(
      knownUsersCost(
        m,
        Int32Array.from({ length: 32 }, (_, i) => i),
      ),
    ).toBeGreaterThan(DEFAULT_INLINE_BUDGET_NS);
  });

  it('a fold-in on 180 items with 262 factors is not, although it scores few pairs', () => {
    const m = shaped('IALSRecommender', 40, 180, 262);
    // 256 × 180 scores used to count as cheap; each element is a 262 × 262 solve.
    expect(costModel(m).knownUser(0)).toBeLessThan(DEFAULT_INLINE_BUDGET_NS);
    expect(costModel(m).profile(job(3))).toBeGreaterThan(DEFAULT_INLINE_BUDGET_NS);
    expect(profilesCost(m, [job(3), job(3)])).toBeCloseTo(2 * costModel(m).profile(job(3)));
  });

  it('a longer history costs more; a known user without extra items costs a plain ranking', () => {
    const m = shaped('IALSRecommender', 40, 2000, 64);
    const c = costModel(m);
    expect(c.profile(job(100))).toBeGreaterThan(c.profile(job(3)));
    expect(c.profile({ ...job(0), user: 1 })).toBe(c.knownUser(1));
    expect(c.profile({ ...job(3), allowed: new Uint8Array(2000) })).toBeGreaterThan(c.profile(job(3)));
  });

  it('splits a batch into runs of similar cost', () => {
    expect(splitByCost([1, 1, 1, 1], 2)).toEqual([2, 4]);
    expect(splitByCost([9, 1, 1, 1], 2)).toEqual([1, 4]);
    expect(splitByCost([1, 1, 1], 1)).toEqual([3]);
    expect(splitByCost([5], 2)).toEqual([1]);
  });
});

describe('inline executor', () => {
  const model = factorModel({
    userIds: ['u1', 'u2', 'u3', 'u4'],
    itemIds: ['a', 'b', 'c'],
    userFactors: [[1], [2], [3], [4]],
    itemFactors: [[3], [2], [1]],
    seen: [],
  });

  it('gives the event loop a turn between slices of a long batch, with the same results', async () => {
    // A budget below one job's cost makes every job its own slice.
    const sliced = new InlineExecutor(0);
    let turned = false;
    setImmediate(() => {
      turned = true;
    });
    const users = Int32Array.from([0, 1, 2, 3]);
    const limits = Int32Array.from([2, 2, 2, 2]);
    const known = await sliced.rankKnownUsers('m', model, users, limits);
    const profiles = await sliced.rankProfiles('m', model, [job(1), job(2), job(1)]);
    // Without slices the whole call would settle in microtasks, before any immediate runs.
    expect(turned).toBe(true);
    const whole = new InlineExecutor();
    expect(known).toEqual(await whole.rankKnownUsers('m', model, users, limits));
    expect(profiles).toEqual(await whole.rankProfiles('m', model, [job(1), job(2), job(1)]));
    expect(known.map((t) => [...t.indices])).toEqual([
      [0, 1],
      [0, 1],
      [0, 1],
      [0, 1],
    ]);
  });
});
