import { afterAll, describe, expect, it } from 'vitest';
import { sparseProductTopK } from '../../../src/algorithms/similarity/run-product.js';
import type { ProductInput } from '../../../src/algorithms/similarity/sparse-product.js';
import { type CsrMatrix, csrFromCoo, transpose } from '../../../src/linalg/csr.js';
import { closePools } from '../../../src/linalg/pool.js';
import { Rng } from '../../../src/linalg/random.js';

afterAll(() => closePools());

/** X·Xᵀ-style input over a random users × items matrix large enough for the worker path. */
function productInput(users: number, items: number, density: number, topK: number): ProductInput {
  const rng = new Rng(3);
  const rows: number[] = [];
  const cols: number[] = [];
  for (let u = 0; u < users; u++) {
    for (let i = 0; i < items; i++) {
      if (rng.nextFloat() < density) {
        rows.push(u);
        cols.push(i);
      }
    }
  }
  const X = csrFromCoo(users, items, Int32Array.from(rows), Int32Array.from(cols));
  const Xt = transpose(X);
  const rightData = new Float64Array(X.indices.length);
  for (let p = 0; p < rightData.length; p++) rightData[p] = 0.5 + rng.nextFloat();
  return {
    nRows: items,
    nCols: items,
    leftIndptr: Xt.indptr,
    leftIndices: Xt.indices,
    leftData: Float64Array.from(Xt.data),
    rightIndptr: X.indptr,
    rightIndices: X.indices,
    rightData,
    topK,
    dropDiagonalAfterTopK: false,
  };
}

function expectSameMatrix(a: CsrMatrix, b: CsrMatrix): void {
  expect([a.rows, a.cols]).toEqual([b.rows, b.cols]);
  expect(Array.from(a.indptr)).toEqual(Array.from(b.indptr));
  expect(Array.from(a.indices)).toEqual(Array.from(b.indices));
  expect(Array.from(a.data)).toEqual(Array.from(b.data));
}

describe('sparseProductTopK', () => {
  // 300 users × 1500 items at 10%: about 20M multiply-adds, above the worker threshold
  const input = productInput(300, 1500, 0.1, 40);

  it('computes the same matrix on the calling thread and across workers', async () => {
    const inline = await sparseProductTopK(input, 1);
    const pooled = await sparseProductTopK(input, 2);
    expect(inline.indptr[inline.rows]).toBe(1500 * 40);
    expectSameMatrix(pooled, inline);
  });

  it('builds the transpose directly from the chunks, rows sorted by column', async () => {
    const plain = await sparseProductTopK(input, 2);
    for (const threads of [1, 2]) {
      const T = await sparseProductTopK(input, threads, true);
      expectSameMatrix(T, transpose(plain));
      let unsorted = 0;
      for (let r = 0; r < T.rows; r++) {
        for (let p = T.indptr[r] + 1; p < T.indptr[r + 1]; p++) if (T.indices[p] <= T.indices[p - 1]) unsorted++;
      }
      expect(unsorted).toBe(0);
    }
  });
});
