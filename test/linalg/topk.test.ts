import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { maskRow, topK } from '../../src/linalg/topk.js';

/** Oracle: full sort by (score desc, index asc) over the unmasked finite entries. */
function naiveTopK(scores: number[], k: number, exclude?: Uint8Array): number[] {
  return scores
    .map((v, i) => [v, i] as const)
    .filter(([v, i]) => v > Number.NEGATIVE_INFINITY && !exclude?.[i])
    .sort((a, b) => b[0] - a[0] || a[1] - b[1])
    .slice(0, k)
    .map(([, i]) => i);
}

describe('topK', () => {
  it('breaks ties by the lower index', () => {
    expect(Array.from(topK([1, 3, 3, 2, 3], 2))).toEqual([1, 2]);
    expect(Array.from(topK([5, 5, 5, 5], 3))).toEqual([0, 1, 2]);
    expect(Array.from(topK([0, 0, 1, 0], 4))).toEqual([2, 0, 1, 3]);
  });

  it('never returns -Infinity, NaN or excluded entries, and may return fewer than k', () => {
    const s = [Number.NEGATIVE_INFINITY, 2, Number.NaN, 1, Number.NEGATIVE_INFINITY];
    expect(Array.from(topK(s, 10))).toEqual([1, 3]);
    expect(Array.from(topK(s, 10, { exclude: Uint8Array.from([0, 1, 0, 0, 0]) }))).toEqual([3]);
    expect(topK([], 3).length).toBe(0);
    expect(topK([1, 2], 0).length).toBe(0);
  });

  it('works on a window of a larger buffer', () => {
    const buf = Float32Array.from([9, 9, 1, 4, 4, 2, 9]);
    expect(Array.from(topK(buf, 2, { offset: 2, n: 4 }))).toEqual([1, 2]);
  });

  it('equals a full sort on random inputs with many ties', () => {
    fc.assert(
      fc.property(
        fc.array(fc.oneof(fc.integer({ min: -3, max: 3 }), fc.constant(Number.NEGATIVE_INFINITY)), { maxLength: 60 }),
        fc.integer({ min: 0, max: 70 }),
        fc.array(fc.boolean(), { maxLength: 60 }),
        (scores, k, ex) => {
          const exclude = Uint8Array.from(scores.map((_, i) => (ex[i] ? 1 : 0)));
          expect(Array.from(topK(scores, k))).toEqual(naiveTopK(scores, k));
          expect(Array.from(topK(scores, k, { exclude }))).toEqual(naiveTopK(scores, k, exclude));
        },
      ),
      { numRuns: 300 },
    );
  });

  it('maskRow sets the seen items of one CSR row to -Infinity', () => {
    const scores = new Float32Array(8).fill(1);
    const mask = { indptr: Int32Array.from([0, 2, 3]), indices: Int32Array.from([1, 3, 0]) };
    maskRow(scores, 4, mask, 0);
    expect(Array.from(scores)).toEqual([1, 1, 1, 1, 1, Number.NEGATIVE_INFINITY, 1, Number.NEGATIVE_INFINITY]);
  });
});
