import { describe, expect, it } from 'vitest';
import { symmetricEigen, tridiagonalize, tridiagonalQr } from '../../src/linalg/eigen.js';
import { eigenKernels } from '../../src/linalg/eigen-kernels.js';
import { Rng } from '../../src/linalg/random.js';
import { releaseShared, sharedF64 } from '../../src/linalg/resident.js';

/** Symmetric n × n: a Gram matrix of `rows` random rows (rank ≤ rows) plus `shift`·I. */
function gramLike(rng: Rng, n: number, rows: number, shift: number): Float64Array {
  const F = Float64Array.from({ length: rows * n }, () => rng.nextNormal());
  const G = new Float64Array(n * n);
  for (let r = 0; r < rows; r++)
    for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) G[i * n + j] += F[r * n + i] * F[r * n + j];
  for (let i = 0; i < n; i++) G[i * n + i] += shift;
  return G;
}

describe('eigendecomposition kernels against their TypeScript twins', () => {
  it('loads the compiled module', () => {
    expect(eigenKernels()).not.toBeNull();
  });

  for (const [n, rows, shift] of [
    [25, 40, 0],
    [64, 20, 0], // rank-deficient, like a Gram matrix with more factors than rows
    [131, 300, -50], // indefinite, odd size
  ]) {
    it(`tridiagonalisation and QR steps agree at n=${n} (rank ≤ ${rows})`, () => {
      const kern = eigenKernels();
      if (!kern) throw new Error('eigen kernels not built');
      const A = gramLike(new Rng(n), n, rows, shift);
      // twin
      const T = A.slice();
      const W = new Float64Array(n * n);
      for (let i = 0; i < n; i++) W[i * n + i] = 1;
      const d = new Float64Array(n);
      const e = new Float64Array(n - 1);
      tridiagonalize(T, n, W, d, e);
      // kernel
      const hT = sharedF64(n * n);
      const hW = sharedF64(n * n);
      const vec = sharedF64(5 * n);
      hT.set(A);
      for (let i = 0; i < n; i++) hW[i * n + i] = 1;
      const at = (i: number): number => vec.byteOffset + i * n * 8;
      kern.sym_tridiag_f64(hT.byteOffset, n, hW.byteOffset, at(0), at(1), at(2), at(3), at(4));
      const scale = Math.max(...A.map(Math.abs));
      // Past the rank, the reflections act on rounding noise and the two roundings part ways (at
      // the 1e-6 level): compare the steps exactly only for full-rank matrices.
      if (rows >= n) {
        for (let i = 0; i < n; i++) expect(Math.abs(vec[i] - d[i]) / scale).toBeLessThan(1e-12);
        for (let i = 0; i < n - 1; i++)
          expect(Math.abs(Math.abs(vec[n + i]) - Math.abs(e[i])) / scale).toBeLessThan(1e-12);
        for (let i = 0; i < n * n; i++) expect(Math.abs(hW[i] - W[i])).toBeLessThan(1e-11);
      }
      tridiagonalQr(d, e, n, W);
      expect(kern.tridiag_qr_f64(at(0), at(1), n, hW.byteOffset)).toBe(0);
      const tw = Array.from(d).sort((a, b) => a - b);
      const kw = Array.from(vec.subarray(0, n)).sort((a, b) => a - b);
      const tol = rows >= n ? 1e-10 : 1e-5;
      for (let i = 0; i < n; i++) expect(Math.abs(kw[i] - tw[i]) / scale).toBeLessThan(tol);
      for (const a of [hT, hW, vec]) releaseShared(a);
    });
  }

  it('symmetricEigen through the kernels reconstructs a rank-deficient Gram matrix with orthonormal vectors', () => {
    const n = 48;
    const A = gramLike(new Rng(5), n, 30, 0);
    const { values, vectors } = symmetricEigen(A, n);
    const scale = Math.max(...A.map(Math.abs));
    for (let a = 0; a < n; a++) {
      for (let b = 0; b < n; b++) {
        let s = 0;
        let o = 0;
        for (let i = 0; i < n; i++) {
          s += values[i] * vectors[i * n + a] * vectors[i * n + b];
          o += vectors[a * n + i] * vectors[b * n + i];
        }
        expect(Math.abs(s - A[a * n + b]) / scale).toBeLessThan(1e-9);
        expect(Math.abs(o - (a === b ? 1 : 0))).toBeLessThan(1e-11);
      }
    }
    for (let i = 1; i < n; i++) expect(values[i]).toBeLessThanOrEqual(values[i - 1]);
    expect(Math.abs(values[n - 1]) / scale).toBeLessThan(1e-5); // rank 30 < 48
  });
});
