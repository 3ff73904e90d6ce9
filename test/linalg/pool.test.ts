import { afterAll, describe, expect, it } from 'vitest';
import { closePools, getPool, rangesByCost, rowCostPrefix } from '../../src/linalg/pool.js';
import { releaseShared, sharedF32 } from '../../src/linalg/resident.js';
import { addToRange, failing, holdRange, kernelDot } from './fixtures/pool-tasks.js';

afterAll(async () => {
  await closePools();
});

describe('rangesByCost', () => {
  it('balances by cost, not by index count', () => {
    // one very heavy row at the front, then many light ones
    const indptr = [0, 1000];
    for (let r = 0; r < 1000; r++) indptr.push(indptr[indptr.length - 1] + 1);
    const ranges = rangesByCost(indptr, 2);
    expect(ranges).toEqual([
      [0, 1],
      [1, 1001],
    ]);
  });

  it('covers [0, n) contiguously with near-equal cost', () => {
    const prefix = [0];
    for (let i = 0; i < 500; i++) prefix.push(prefix[i] + 1 + (i % 7) * 3);
    const ranges = rangesByCost(prefix, 8);
    expect(ranges.length).toBe(8);
    expect(ranges[0][0]).toBe(0);
    expect(ranges[ranges.length - 1][1]).toBe(500);
    for (let i = 1; i < ranges.length; i++) expect(ranges[i][0]).toBe(ranges[i - 1][1]);
    const total = prefix[500];
    for (const [s, e] of ranges) expect(Math.abs(prefix[e] - prefix[s] - total / 8)).toBeLessThanOrEqual(20);
  });

  it('handles degenerate inputs', () => {
    expect(rangesByCost([0], 4)).toEqual([]);
    const free = rangesByCost([0, 0, 0], 4); // zero cost: any covering split is fine
    expect(free[0][0]).toBe(0);
    expect(free[free.length - 1][1]).toBe(2);
    expect(rangesByCost([0, 5, 6], 10)).toEqual([
      [0, 1],
      [1, 2],
    ]);
  });

  it('rowCostPrefix adds a per-row overhead to the nnz', () => {
    expect(Array.from(rowCostPrefix([0, 3, 3, 4], 2))).toEqual([0, 5, 7, 10]);
  });
});

describe('worker pool', () => {
  it('runs tasks on the pool threads over shared memory, results in range order', async () => {
    const x = sharedF32(1000);
    const pool = getPool(2);
    const ranges = rangesByCost(
      Array.from({ length: 1001 }, (_, i) => i),
      8,
    );
    const results = await pool.run(addToRange, { x, f: 2.5 }, ranges);
    expect(results.map((r) => [r.start, r.end])).toEqual(ranges.map((r) => [...r]));
    for (const r of results) expect(r.threadId === 0 || r.threadId === 1).toBe(true);
    expect(results.every((r) => r.kernels)).toBe(true);
    expect(x.every((v) => v === 2.5)).toBe(true);
    releaseShared(x);
  });

  it('the calling thread and the worker both claim ranges of one run', async () => {
    const pool = getPool(2);
    await pool.warm();
    const ranges = Array.from({ length: 8 }, (_, i) => [i, i + 1] as const);
    const results = await pool.run(holdRange, { ms: 25 }, ranges);
    expect(results.map((r) => r.start)).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
    const threads = new Set(results.map((r) => r.threadId));
    expect(threads).toEqual(new Set([0, 1]));
  });

  it('workers address the kernel heap with the same pointers as the main thread', async () => {
    const x = sharedF32(1000).fill(3);
    const ones = sharedF32(1000).fill(1);
    const parts = await getPool(2).run(kernelDot, { x, ones }, [
      [0, 400],
      [400, 1000],
    ]);
    expect(parts).toEqual([1200, 1800]);
    releaseShared(x);
    releaseShared(ones);
  });

  it('one thread runs inline with the same results', async () => {
    const x = sharedF32(10);
    const res = await getPool(1).run(addToRange, { x, f: 1 }, [
      [0, 4],
      [4, 10],
    ]);
    expect(res.map((r) => r.threadId)).toEqual([0, 0]);
    expect(Array.from(x)).toEqual(new Array(10).fill(1));
    releaseShared(x);
  });

  it('propagates a task error and stays usable', async () => {
    const pool = getPool(2);
    await expect(
      pool.run(failing, null, [
        [0, 1],
        [1, 2],
        [2, 3],
      ]),
    ).rejects.toThrow(/range starting at [12] fails/);
    const x = sharedF32(4);
    await pool.run(addToRange, { x, f: 1 }, [[0, 4]]);
    expect(Array.from(x)).toEqual([1, 1, 1, 1]);
    releaseShared(x);
  });

  it('serves concurrent runs from one pool and can be warmed up', async () => {
    const pool = getPool(2);
    await pool.warm();
    const xs = [sharedF32(300), sharedF32(300), sharedF32(300)];
    const ranges = rangesByCost(
      Array.from({ length: 301 }, (_, i) => i),
      6,
    );
    await Promise.all(xs.map((x, k) => pool.run(addToRange, { x, f: k + 1 }, ranges)));
    xs.forEach((x, k) => {
      expect(x.every((v) => v === k + 1)).toBe(true);
      releaseShared(x);
    });
  });

  it('restarts workers after closePools', async () => {
    await closePools();
    const x = sharedF32(2);
    await getPool(2).run(addToRange, { x, f: 4 }, [
      [0, 1],
      [1, 2],
    ]);
    expect(Array.from(x)).toEqual([4, 4]);
    releaseShared(x);
  });
});
