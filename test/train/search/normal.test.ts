import { describe, expect, it } from 'vitest';
import {
  erfc,
  logNormCdf,
  logNormMass,
  normCdf,
  normQuantile,
  sampleStdTruncNormal,
} from '../../../src/train/search/normal.js';
import { deriveSeed, Rng, uniformSource } from '../../../src/train/search/rng.js';

describe('normal distribution helpers', () => {
  it('match reference values of erfc and Φ', () => {
    // Reference values: erfc(0.5), erfc(1), erfc(2), erfc(3.5), erfc(6) and Φ(−1.96), Φ(1).
    expect(erfc(0.5)).toBeCloseTo(0.4795001221869535, 14);
    expect(erfc(1)).toBeCloseTo(0.15729920705028513, 14);
    expect(erfc(2)).toBeCloseTo(0.004677734981047266, 15);
    expect(erfc(3.5) / 7.430983723414128e-7).toBeCloseTo(1, 10);
    expect(erfc(6) / 2.1519736712498913e-17).toBeCloseTo(1, 10);
    expect(erfc(-1)).toBeCloseTo(2 - 0.15729920705028513, 14);
    expect(normCdf(-1.96)).toBeCloseTo(0.024997895148220435, 13);
    expect(normCdf(1)).toBeCloseTo(0.8413447460685429, 14);
  });

  it('keeps log Φ finite and accurate deep in the lower tail', () => {
    // log Φ(−40) ≈ −804.608442013754
    expect(logNormCdf(-40)).toBeCloseTo(-804.608442013754, 8);
    expect(logNormCdf(0)).toBeCloseTo(Math.log(0.5), 14);
    expect(logNormCdf(10)).toBeCloseTo(-7.61985302416047e-24, 30);
  });

  it('inverts Φ to near machine precision, including tiny probabilities', () => {
    for (const p of [1e-300, 1e-20, 1e-6, 0.01, 0.3, 0.5, 0.7, 0.99, 1 - 1e-12]) {
      const z = normQuantile(p);
      if (p < 0.5) expect(Math.exp(logNormCdf(z)) / p).toBeCloseTo(1, 10);
      else expect(normCdf(z)).toBeCloseTo(p, 13);
    }
    expect(normQuantile(0.975)).toBeCloseTo(1.959963984540054, 12);
    expect(normQuantile(0)).toBe(Number.NEGATIVE_INFINITY);
  });

  it('computes interval masses in either tail without cancellation', () => {
    expect(Math.exp(logNormMass(-1, 1))).toBeCloseTo(0.6826894921370859, 14);
    // Same mass mirrored.
    expect(logNormMass(30, 31)).toBeCloseTo(logNormMass(-31, -30), 9);
    expect(Number.isFinite(logNormMass(30, 31))).toBe(true);
    expect(logNormMass(2, 1)).toBe(Number.NEGATIVE_INFINITY);
  });

  it('samples truncated normals inside the bounds with the right mean', () => {
    const rng = new Rng(123);
    const n = 40000;
    let sum = 0;
    for (let i = 0; i < n; i++) {
      const x = sampleStdTruncNormal(rng, -0.5, 2);
      expect(x >= -0.5 && x <= 2).toBe(true);
      sum += x;
    }
    // E[X | −0.5 ≤ X ≤ 2] = (φ(−0.5) − φ(2)) / (Φ(2) − Φ(−0.5)) ≈ 0.445744; the standard error is ~0.003.
    expect(Math.abs(sum / n - 0.445744)).toBeLessThan(0.01);
    for (let i = 0; i < 100; i++) {
      const x = sampleStdTruncNormal(rng, 8, 9);
      expect(x >= 8 && x <= 9).toBe(true);
    }
  });
});

describe('seeded streams', () => {
  it('derive distinct, reproducible seeds', () => {
    expect(deriveSeed(42, 1)).toBe(deriveSeed(42, 1));
    expect(deriveSeed(42, 1)).not.toBe(deriveSeed(42, 2));
    expect(deriveSeed(42, 1, 0)).not.toBe(deriveSeed(42, 1, 1));
    expect(deriveSeed(42, 1)).not.toBe(deriveSeed(43, 1));
    const a = uniformSource(5);
    const b = uniformSource(5);
    const xs = Array.from({ length: 5 }, a);
    expect(xs).toEqual(Array.from({ length: 5 }, b));
    for (const x of xs) expect(x >= 0 && x < 1).toBe(true);
  });
});
