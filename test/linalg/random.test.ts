import { describe, expect, it } from 'vitest';
import { fillNormal, Rng } from '../../src/linalg/random.js';

describe('Rng', () => {
  it('is deterministic per seed and differs between seeds', () => {
    const a = new Rng(42);
    const b = new Rng(42);
    const c = new Rng(43);
    const sa = Array.from({ length: 20 }, () => a.nextU32());
    expect(Array.from({ length: 20 }, () => b.nextU32())).toEqual(sa);
    expect(Array.from({ length: 20 }, () => c.nextU32())).not.toEqual(sa);
  });

  it('draws uniform floats in [0, 1) and unbiased integers', () => {
    const rng = new Rng(7);
    const counts = new Array(6).fill(0);
    let sum = 0;
    const n = 60000;
    for (let i = 0; i < n; i++) {
      const f = rng.nextFloat();
      expect(f).toBeGreaterThanOrEqual(0);
      expect(f).toBeLessThan(1);
      sum += f;
      counts[rng.nextInt(6)]++;
    }
    expect(sum / n).toBeCloseTo(0.5, 2);
    for (const c of counts) expect(Math.abs(c - n / 6)).toBeLessThan(400);
    expect(() => rng.nextInt(0)).toThrow(RangeError);
  });

  it('samples normals with the requested spread', () => {
    const out = new Float64Array(40000);
    fillNormal(new Rng(3), out, 0.5);
    let m = 0;
    let v = 0;
    for (const x of out) m += x;
    m /= out.length;
    for (const x of out) v += (x - m) ** 2;
    v /= out.length;
    expect(Math.abs(m)).toBeLessThan(0.01);
    expect(Math.sqrt(v)).toBeCloseTo(0.5, 2);
  });

  it('shuffles into a permutation', () => {
    const a = Array.from({ length: 50 }, (_, i) => i);
    new Rng(1).shuffle(a);
    expect([...a].sort((x, y) => x - y)).toEqual(Array.from({ length: 50 }, (_, i) => i));
    expect(a).not.toEqual(Array.from({ length: 50 }, (_, i) => i));
  });
});
