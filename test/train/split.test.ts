import { describe, expect, it } from 'vitest';
import { exitCodeFor, SplitError } from '../../src/errors/index.js';
import { type CsrMatrix, nnz } from '../../src/linalg/csr.js';
import { type SplitInput, splitInteractions } from '../../src/train/split.js';

/** Deterministic generator for tests (mulberry32). */
function seeded(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function input(pairs: [number, number, number?][], nUsers: number, nItems: number): SplitInput {
  return {
    nRows: pairs.length,
    nUsers,
    nItems,
    userIndex: Int32Array.from(pairs.map((p) => p[0])),
    itemIndex: Int32Array.from(pairs.map((p) => p[1])),
    timeMs: pairs.every((p) => p[2] !== undefined) ? Float64Array.from(pairs.map((p) => p[2] as number)) : null,
  };
}

function rowItems(m: CsrMatrix, r: number): number[] {
  return Array.from(m.indices.subarray(m.indptr[r], m.indptr[r + 1]));
}

/** 20 users × 10 items each, user u interacts with items (u + k) % 30 at time k. */
function grid(): SplitInput {
  const pairs: [number, number, number][] = [];
  for (let u = 0; u < 20; u++) for (let k = 0; k < 10; k++) pairs.push([u, (u + k) % 30, k * 1000]);
  return input(pairs, 20, 30);
}

describe('random split', () => {
  it('holds out floor(N_u * h) items per validation user and keeps the rest for training', () => {
    const data = grid();
    const s = splitInteractions(data, { scheme: 'random', heldoutRatio: 0.2, testUserRatio: 1, random: seeded(42) });
    expect(s.valOffset).toBe(0);
    expect(s.search.rows).toBe(20);
    expect(s.groundTruth.rows).toBe(20);
    for (let r = 0; r < 20; r++) {
      const train = rowItems(s.search, r);
      const held = rowItems(s.groundTruth, r);
      expect(held).toHaveLength(2);
      expect(train).toHaveLength(8);
      const u = s.rowUsers[r];
      const all = [...train, ...held].sort((a, b) => a - b);
      const expected = Array.from({ length: 10 }, (_, k) => (u + k) % 30).sort((a, b) => a - b);
      expect(all).toEqual(expected);
    }
  });

  it('is identical for the same seed and differs for another seed', () => {
    const a = splitInteractions(grid(), { scheme: 'random', heldoutRatio: 0.3, testUserRatio: 1, random: seeded(1) });
    const b = splitInteractions(grid(), { scheme: 'random', heldoutRatio: 0.3, testUserRatio: 1, random: seeded(1) });
    const c = splitInteractions(grid(), { scheme: 'random', heldoutRatio: 0.3, testUserRatio: 1, random: seeded(2) });
    expect(Array.from(a.groundTruth.indices)).toEqual(Array.from(b.groundTruth.indices));
    expect(Array.from(a.rowUsers)).toEqual(Array.from(b.rowUsers));
    expect(Array.from(a.groundTruth.indices)).not.toEqual(Array.from(c.groundTruth.indices));
  });

  it('puts train-only users first when test_user_ratio < 1', () => {
    const s = splitInteractions(grid(), {
      scheme: 'random',
      heldoutRatio: 0.2,
      testUserRatio: 0.25,
      random: seeded(3),
    });
    expect(s.valOffset).toBe(15);
    expect(s.groundTruth.rows).toBe(5);
    for (let r = 0; r < 15; r++) expect(rowItems(s.search, r)).toHaveLength(10);
  });

  it('drops duplicate pairs before splitting and ignores the time column', () => {
    const pairs: [number, number, number][] = [];
    for (let k = 0; k < 10; k++) pairs.push([0, k, k]);
    pairs.push([0, 3, 99], [0, 3, 100]);
    const s = splitInteractions(input(pairs, 1, 10), {
      scheme: 'random',
      heldoutRatio: 0.5,
      testUserRatio: 1,
      random: seeded(9),
    });
    expect(nnz(s.search) + nnz(s.groundTruth)).toBe(10);
    expect(Math.max(...s.search.data, ...s.groundTruth.data)).toBe(1);
  });

  it('fails with split_error when nothing can be held out', () => {
    const pairs: [number, number][] = [
      [0, 0],
      [1, 1],
    ];
    const run = () =>
      splitInteractions(input(pairs, 2, 2), {
        scheme: 'random',
        heldoutRatio: 0.1,
        testUserRatio: 1,
        random: seeded(1),
      });
    expect(run).toThrow(SplitError);
    expect(run).toThrow(/empty held-out test set/);
    try {
      run();
    } catch (err) {
      expect(exitCodeFor(err)).toBe(4);
    }
  });
});

describe('time_user split', () => {
  it('holds out each validation user’s most recent interactions, ties in source order', () => {
    const pairs: [number, number, number][] = [
      [0, 0, 5],
      [0, 1, 1],
      [0, 2, 9],
      [0, 3, 9],
      [0, 4, 3],
    ];
    const s = splitInteractions(input(pairs, 1, 5), {
      scheme: 'time_user',
      heldoutRatio: 0.4,
      testUserRatio: 1,
      random: seeded(1),
    });
    expect(rowItems(s.groundTruth, 0)).toEqual([2, 3]);
    expect(rowItems(s.search, 0)).toEqual([0, 1, 4]);
    const tie = splitInteractions(input(pairs, 1, 5), {
      scheme: 'time_user',
      heldoutRatio: 0.2,
      testUserRatio: 1,
      random: seeded(1),
    });
    // Equal timestamps: the later source row counts as more recent.
    expect(rowItems(tie.groundTruth, 0)).toEqual([3]);
  });

  it('needs a time column', () => {
    expect(() =>
      splitInteractions(input([[0, 0]], 1, 1), {
        scheme: 'time_user',
        heldoutRatio: 0.5,
        testUserRatio: 1,
        random: seeded(1),
        timeColumn: 'ts',
      }),
    ).toThrow(/split failed: .*'ts'/);
  });
});

describe('time_global split', () => {
  it('holds out every row at or after the (1-h) quantile for validation users', () => {
    // times 0..9 for user 0, 10..19 for user 1: the 0.8 quantile of 0..19 is 15.2.
    const pairs: [number, number, number][] = [];
    for (let k = 0; k < 10; k++) pairs.push([0, k, k]);
    for (let k = 0; k < 10; k++) pairs.push([1, k, 10 + k]);
    const s = splitInteractions(input(pairs, 2, 10), {
      scheme: 'time_global',
      heldoutRatio: 0.2,
      testUserRatio: 1,
      random: seeded(1),
    });
    expect(s.valOffset).toBe(1);
    expect(Array.from(s.rowUsers)).toEqual([0, 1]);
    expect(rowItems(s.search, 0)).toHaveLength(10);
    expect(rowItems(s.groundTruth, 0)).toEqual([6, 7, 8, 9]);
    expect(rowItems(s.search, 1)).toEqual([0, 1, 2, 3, 4, 5]);
  });

  it('counts repeated rows instead of de-duplicating them', () => {
    const pairs: [number, number, number][] = [
      [0, 0, 1],
      [0, 0, 2],
      [0, 1, 10],
    ];
    const s = splitInteractions(input(pairs, 1, 2), {
      scheme: 'time_global',
      heldoutRatio: 0.3,
      testUserRatio: 1,
      random: seeded(1),
    });
    expect(Array.from(s.search.data)).toEqual([2]);
    expect(rowItems(s.groundTruth, 0)).toEqual([1]);
  });

  it('rejects empty data', () => {
    expect(() =>
      splitInteractions(input([], 0, 0), {
        scheme: 'time_global',
        heldoutRatio: 0.2,
        testUserRatio: 1,
        random: seeded(1),
      }),
    ).toThrow(/requires at least one interaction/);
  });

  it('moves a share of validatable users into training when test_user_ratio < 1', () => {
    const pairs: [number, number, number][] = [];
    for (let u = 0; u < 10; u++) for (let k = 0; k < 4; k++) pairs.push([u, k, k]);
    const s = splitInteractions(input(pairs, 10, 4), {
      scheme: 'time_global',
      heldoutRatio: 0.25,
      testUserRatio: 0.3,
      random: seeded(5),
    });
    expect(s.groundTruth.rows).toBe(3);
    expect(s.valOffset).toBe(7);
  });
});
