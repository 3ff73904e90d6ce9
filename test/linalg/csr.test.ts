import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { type CsrMatrix, cachedTranspose, csrFromCoo, nnz, sliceRows, transpose } from '../../src/linalg/csr.js';

function dense(m: CsrMatrix): number[][] {
  const out = Array.from({ length: m.rows }, () => new Array<number>(m.cols).fill(0));
  for (let r = 0; r < m.rows; r++)
    for (let p = m.indptr[r]; p < m.indptr[r + 1]; p++) out[r][m.indices[p]] += m.data[p];
  return out;
}

function expectWellFormed(m: CsrMatrix): void {
  expect(m.indptr[0]).toBe(0);
  expect(m.indptr[m.rows]).toBe(m.indices.length);
  expect(m.data.length).toBe(m.indices.length);
  for (let r = 0; r < m.rows; r++) {
    for (let p = m.indptr[r] + 1; p < m.indptr[r + 1]; p++) expect(m.indices[p]).toBeGreaterThan(m.indices[p - 1]);
  }
}

type Entry = [number, number, number];

/** CSR from (row, col, value) triples, with or without the values. */
function fromEntries(rows: number, cols: number, entries: Entry[], weighted: boolean): CsrMatrix {
  const r = entries.map((e) => e[0]);
  const c = entries.map((e) => e[1]);
  return weighted
    ? csrFromCoo(
        rows,
        cols,
        r,
        c,
        entries.map((e) => e[2]),
      )
    : csrFromCoo(rows, cols, r, c);
}

const coo = fc
  .record({ rows: fc.integer({ min: 1, max: 12 }), cols: fc.integer({ min: 1, max: 12 }) })
  .chain(({ rows, cols }) =>
    fc.record({
      rows: fc.constant(rows),
      cols: fc.constant(cols),
      entries: fc.array(
        fc.tuple(
          fc.integer({ min: 0, max: rows - 1 }),
          fc.integer({ min: 0, max: cols - 1 }),
          fc.integer({ min: 1, max: 5 }),
        ),
        { maxLength: 60 },
      ),
    }),
  );

describe('csrFromCoo', () => {
  it('equals the dense sum of the triples, with sorted unique columns per row', () => {
    fc.assert(
      fc.property(coo, ({ rows, cols, entries }) => {
        const m = fromEntries(rows, cols, entries, true);
        expectWellFormed(m);
        const want = Array.from({ length: rows }, () => new Array<number>(cols).fill(0));
        for (const [r, c, v] of entries) want[r][c] += v;
        expect(dense(m)).toEqual(want);
        expect(nnz(m)).toBe(want.flat().filter((v) => v !== 0).length);
      }),
    );
  });

  it('counts pairs when no values are given (the unweighted path)', () => {
    fc.assert(
      fc.property(coo, ({ rows, cols, entries }) => {
        const m = fromEntries(rows, cols, entries, false);
        expectWellFormed(m);
        const want = Array.from({ length: rows }, () => new Array<number>(cols).fill(0));
        for (const [r, c] of entries) want[r][c] += 1;
        expect(dense(m)).toEqual(want);
      }),
    );
  });

  it('counts repeated pairs when no values are given', () => {
    const m = csrFromCoo(2, 3, [1, 0, 1, 1], [2, 1, 2, 0]);
    expect(Array.from(m.indptr)).toEqual([0, 1, 3]);
    expect(Array.from(m.indices)).toEqual([1, 0, 2]);
    expect(Array.from(m.data)).toEqual([1, 1, 2]);
  });

  it('rejects out-of-range indices and mismatched lengths', () => {
    expect(() => csrFromCoo(2, 2, [2], [0])).toThrow(/row index 2 out of range/);
    expect(() => csrFromCoo(2, 2, [0], [-1])).toThrow(/column index -1 out of range/);
    expect(() => csrFromCoo(2, 2, [0, 1], [0])).toThrow(/differ in length/);
  });
});

describe('transpose and sliceRows', () => {
  it('transposes and slices consistently with the dense form', () => {
    fc.assert(
      fc.property(coo, ({ rows, cols, entries }) => {
        const m = fromEntries(rows, cols, entries, true);
        const t = transpose(m);
        expectWellFormed(t);
        const d = dense(m);
        expect(dense(t)).toEqual(d[0].map((_, c) => d.map((row) => row[c])));
        const lo = Math.floor(rows / 3);
        const hi = rows - Math.floor(rows / 4);
        const s = sliceRows(m, lo, hi);
        expectWellFormed(s);
        expect(dense(s)).toEqual(d.slice(lo, hi));
      }),
    );
  });

  it('cachedTranspose computes the transpose once per matrix object', () => {
    const m = csrFromCoo(3, 4, [0, 1, 2, 2], [3, 0, 1, 3]);
    const t = cachedTranspose(m);
    expect(dense(t)).toEqual(dense(transpose(m)));
    expect(cachedTranspose(m)).toBe(t);
    const copy = csrFromCoo(3, 4, [0, 1, 2, 2], [3, 0, 1, 3]);
    expect(cachedTranspose(copy)).not.toBe(t);
  });
});
