import { CholeskyDecomposition, EigenvalueDecomposition, inverse, Matrix, SingularValueDecomposition } from 'ml-matrix';
import { afterAll, describe, expect, it } from 'vitest';
import { conjugateGradient, SingularSystemError } from '../../src/linalg/cg.js';
import {
  choleskyFactor,
  choleskySolve,
  solveSpd,
  spdInverse,
  upperTriangularInverse,
} from '../../src/linalg/cholesky.js';
import { csrFromCoo } from '../../src/linalg/csr.js';
import { spmm } from '../../src/linalg/dense.js';
import { symmetricEigen } from '../../src/linalg/eigen.js';
import { closePools } from '../../src/linalg/pool.js';
import { householderQ, orthonormalize } from '../../src/linalg/qr.js';
import { Rng } from '../../src/linalg/random.js';
import { releaseShared, sharedF64 } from '../../src/linalg/resident.js';
import { shareCsr, spmmParallel } from '../../src/linalg/spmm-task.js';
import { randomizedSvd } from '../../src/linalg/svd.js';

function randomSpd(rng: Rng, n: number, shift = 0.5): Float64Array {
  const B = new Float64Array(n * n);
  for (let i = 0; i < n * n; i++) B[i] = rng.nextNormal();
  const A = new Float64Array(n * n);
  for (let i = 0; i < n; i++)
    for (let j = 0; j < n; j++) {
      let s = 0;
      for (let t = 0; t < n; t++) s += B[i * n + t] * B[j * n + t];
      A[i * n + j] = s + (i === j ? shift : 0);
    }
  return A;
}

function toMatrix(a: Float64Array, rows: number, cols: number): Matrix {
  const m = new Matrix(rows, cols);
  for (let i = 0; i < rows; i++) for (let j = 0; j < cols; j++) m.set(i, j, a[i * cols + j]);
  return m;
}

function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let d = 0;
  for (let i = 0; i < a.length; i++) d = Math.max(d, Math.abs(a[i] - b[i]));
  return d;
}

afterAll(async () => {
  await closePools();
});

describe('Cholesky, SPD inverse and CG against ml-matrix', () => {
  it('factor and solve equal ml-matrix for random SPD systems', () => {
    const rng = new Rng(11);
    for (const n of [1, 2, 7, 33]) {
      const A = randomSpd(rng, n);
      const b = Float64Array.from({ length: n }, () => rng.nextNormal());
      const L = A.slice();
      expect(choleskyFactor(L, n)).toBe(true);
      const ref = new CholeskyDecomposition(toMatrix(A, n, n)).lowerTriangularMatrix;
      for (let i = 0; i < n; i++) for (let j = 0; j <= i; j++) expect(L[i * n + j]).toBeCloseTo(ref.get(i, j), 9);
      const x = b.slice();
      choleskySolve(L, n, x);
      const xr = new CholeskyDecomposition(toMatrix(A, n, n)).solve(Matrix.columnVector(Array.from(b)));
      for (let i = 0; i < n; i++) expect(x[i]).toBeCloseTo(xr.get(i, 0), 8);
      expect(maxAbsDiff(solveSpd(A, n, b)!, x)).toBe(0);
    }
  });

  it('rejects matrices that are not positive definite', () => {
    const A = Float64Array.from([1, 2, 2, 1]);
    expect(choleskyFactor(A.slice(), 2)).toBe(false);
    expect(spdInverse(A, 2)).toBeNull();
    expect(solveSpd(A, 2, [1, 1])).toBeNull();
  });

  it('spdInverse equals ml-matrix inverse and is symmetric', () => {
    const rng = new Rng(12);
    const n = 25;
    const A = randomSpd(rng, n);
    const inv = spdInverse(A, n)!;
    const ref = inverse(toMatrix(A, n, n));
    for (let i = 0; i < n; i++)
      for (let j = 0; j < n; j++) {
        expect(inv[i * n + j]).toBeCloseTo(ref.get(i, j), 8);
        expect(inv[i * n + j]).toBe(inv[j * n + i]);
      }
  });

  it('upperTriangularInverse inverts R', () => {
    const rng = new Rng(13);
    const n = 9;
    const R = new Float64Array(n * n);
    for (let i = 0; i < n; i++)
      for (let j = i; j < n; j++) R[i * n + j] = i === j ? 1 + rng.nextFloat() : rng.nextNormal();
    const X = upperTriangularInverse(R, n);
    for (let i = 0; i < n; i++)
      for (let j = 0; j < n; j++) {
        let s = 0;
        for (let t = 0; t < n; t++) s += R[i * n + t] * X[t * n + j];
        expect(s).toBeCloseTo(i === j ? 1 : 0, 12);
      }
  });

  it('conjugate gradient reaches the exact solution in n steps and stops at tolerance', () => {
    const rng = new Rng(14);
    const n = 12;
    const A = randomSpd(rng, n, 5);
    const b = Float64Array.from({ length: n }, () => rng.nextNormal());
    const mv = (p: Float64Array, out: Float64Array) => {
      for (let i = 0; i < n; i++) {
        let s = 0;
        for (let j = 0; j < n; j++) s += A[i * n + j] * p[j];
        out[i] = s;
      }
    };
    const x = new Float64Array(n);
    conjugateGradient(mv, b, x, 4 * n);
    expect(maxAbsDiff(x, solveSpd(A, n, b)!)).toBeLessThan(1e-8);
    // warm start at the solution: zero iterations
    expect(conjugateGradient(mv, b, solveSpd(A, n, b)!, 3, 1e-18)).toBe(0);
    // one step from zero = steepest descent step along b
    const x1 = new Float64Array(n);
    conjugateGradient(mv, b, x1, 1);
    const Ab = new Float64Array(n);
    mv(b, Ab);
    let bb = 0;
    let bAb = 0;
    for (let i = 0; i < n; i++) {
      bb += b[i] * b[i];
      bAb += b[i] * Ab[i];
    }
    for (let i = 0; i < n; i++) expect(x1[i]).toBeCloseTo((bb / bAb) * b[i], 12);
  });

  it('conjugate gradient reports a singular system', () => {
    const mv = (p: Float64Array, out: Float64Array) => {
      out[0] = -p[0];
      out[1] = -p[1];
    };
    expect(() => conjugateGradient(mv, [1, 1], new Float64Array(2), 3)).toThrow(SingularSystemError);
    expect(() => conjugateGradient(mv, [1, 1], new Float64Array(2), 3)).toThrow(
      'Conjugate-gradient solver encountered a singular system.',
    );
  });
});

describe('eigen, QR and randomized SVD against ml-matrix', () => {
  it('symmetricEigen matches ml-matrix eigenvalues and reconstructs A', () => {
    const rng = new Rng(21);
    for (const n of [1, 2, 5, 40]) {
      const A = randomSpd(rng, n, -1); // indefinite in general
      const { values, vectors } = symmetricEigen(A, n);
      const ref = new EigenvalueDecomposition(toMatrix(A, n, n), { assumeSymmetric: true }).realEigenvalues
        .slice()
        .sort((a, b) => b - a);
      for (let i = 0; i < n; i++) expect(values[i]).toBeCloseTo(ref[i], 8);
      // A = Σ λ_i v_i v_iᵀ and rows orthonormal
      for (let a = 0; a < n; a++)
        for (let b = 0; b < n; b++) {
          let s = 0;
          let o = 0;
          for (let i = 0; i < n; i++) {
            s += values[i] * vectors[i * n + a] * vectors[i * n + b];
            o += vectors[a * n + i] * vectors[b * n + i];
          }
          expect(s).toBeCloseTo(A[a * n + b], 8);
          expect(o).toBeCloseTo(a === b ? 1 : 0, 10);
        }
    }
  });

  it('orthonormalize keeps the column space (CholeskyQR2 and Householder fallback)', () => {
    const rng = new Rng(22);
    const m = 200;
    const l = 6;
    const ld = 8;
    for (const deficient of [false, true]) {
      const Y = new Float64Array(m * ld);
      for (let i = 0; i < m; i++) for (let c = 0; c < l; c++) Y[i * ld + c] = rng.nextNormal();
      if (deficient) for (let i = 0; i < m; i++) Y[i * ld + 5] = Y[i * ld + 0] + Y[i * ld + 1];
      const orig = Y.slice();
      const method = orthonormalize(Y, m, l, ld, 2);
      expect(method).toBe(deficient ? 'householder' : 'cholesky');
      for (let a = 0; a < l; a++)
        for (let b = 0; b < l; b++) {
          let s = 0;
          for (let i = 0; i < m; i++) s += Y[i * ld + a] * Y[i * ld + b];
          expect(s).toBeCloseTo(a === b ? 1 : 0, 10);
        }
      // every original column lies in span(Q): ‖y − QQᵀy‖ ≈ 0
      for (let c = 0; c < l; c++) {
        const coef = new Float64Array(l);
        for (let a = 0; a < l; a++) for (let i = 0; i < m; i++) coef[a] += Y[i * ld + a] * orig[i * ld + c];
        let res = 0;
        for (let i = 0; i < m; i++) {
          let proj = 0;
          for (let a = 0; a < l; a++) proj += Y[i * ld + a] * coef[a];
          res += (orig[i * ld + c] - proj) ** 2;
        }
        expect(Math.sqrt(res)).toBeLessThan(1e-8);
      }
    }
    const Z = Float64Array.from([3, 0, 4, 0, 0, 0]);
    householderQ(Z, 3, 2, 2);
    expect(Math.abs(Z[0] * Z[1] + Z[2] * Z[3] + Z[4] * Z[5])).toBeLessThan(1e-12);
  });

  it('randomizedSvd finds the singular values and a near-optimal rank-k subspace (vs ml-matrix)', async () => {
    const rng = new Rng(23);
    const rows = 80;
    const cols = 50;
    const r: number[] = [];
    const c: number[] = [];
    for (let t = 0; t < 900; t++) {
      r.push(rng.nextInt(rows));
      c.push(Math.min(cols - 1, Math.floor(rng.nextFloat() ** 2 * cols)));
    }
    const X = csrFromCoo(rows, cols, r, c);
    const dense = new Matrix(rows, cols);
    for (let i = 0; i < rows; i++)
      for (let p = X.indptr[i]; p < X.indptr[i + 1]; p++) dense.set(i, X.indices[p], X.data[p]);
    const ref = new SingularValueDecomposition(dense, { autoTranspose: true });
    const k = 8;
    const svd = await randomizedSvd(X, k, { seed: 0 });
    // randomized with a slowly decaying spectrum (σ8 = 5.8, σ19 = 4.1): leading values within 1e-3
    for (let i = 0; i < k; i++) expect(Math.abs(svd.s[i] / ref.diagonal[i] - 1)).toBeLessThan(1e-3);
    // the residual ‖X − X·V·Vᵀ‖_F is within a hair of the optimal rank-k residual
    const Vr = ref.rightSingularVectors;
    const residual = (V: (j: number, t: number) => number): number => {
      let sq = 0;
      for (let i = 0; i < rows; i++) {
        const z = new Float64Array(k);
        for (let p = X.indptr[i]; p < X.indptr[i + 1]; p++)
          for (let t = 0; t < k; t++) z[t] += X.data[p] * V(X.indices[p], t);
        for (let j = 0; j < cols; j++) {
          let approx = 0;
          for (let t = 0; t < k; t++) approx += z[t] * V(j, t);
          sq += (dense.get(i, j) - approx) ** 2;
        }
      }
      return Math.sqrt(sq);
    };
    const mine = residual((j, t) => svd.V[j * k + t]);
    const best = residual((j, t) => Vr.get(j, t));
    expect(mine).toBeGreaterThanOrEqual(best * (1 - 1e-9));
    expect(mine / best).toBeLessThan(1 + 1e-3);
    // deterministic per seed
    const again = await randomizedSvd(X, k, { seed: 0, threads: 2 });
    expect(Array.from(again.V)).toEqual(Array.from(svd.V));
  });

  it('spmmParallel on 2 threads equals the single-thread twin exactly', async () => {
    const rng = new Rng(31);
    const r: number[] = [];
    const c: number[] = [];
    for (let t = 0; t < 30000; t++) {
      r.push(rng.nextInt(500));
      c.push(rng.nextInt(300));
    }
    const X = shareCsr(csrFromCoo(500, 300, r, c));
    const width = 40;
    const D = sharedF64(300 * width);
    for (let i = 0; i < D.length; i++) D[i] = rng.nextNormal();
    const out = sharedF64(500 * width);
    await spmmParallel(X, D, width, width, out, width, 2);
    const ref = new Float64Array(500 * width);
    spmm(X, D, width, width, ref, width);
    expect(maxAbsDiff(out, ref)).toBeLessThan(1e-9);
    const again = sharedF64(500 * width);
    await spmmParallel(X, D, width, width, again, width, 1);
    expect(Array.from(again)).toEqual(Array.from(out));
    for (const a of [D, out, again]) releaseShared(a);
    X.release();
  });

  it('randomizedSvd is exact when the rank fits in k + oversamples', async () => {
    const rng = new Rng(24);
    const rows = 60;
    const cols = 40;
    const patterns = Array.from({ length: 12 }, () =>
      Array.from({ length: cols }, () => (rng.nextFloat() < 0.2 ? 1 + rng.nextInt(3) : 0)),
    );
    const r: number[] = [];
    const c: number[] = [];
    const v: number[] = [];
    for (let i = 0; i < rows; i++) {
      const pat = patterns[i % 12];
      for (let j = 0; j < cols; j++) {
        if (pat[j] === 0) continue;
        r.push(i);
        c.push(j);
        v.push(pat[j] * (1 + (i % 5)));
      }
    }
    const X = csrFromCoo(rows, cols, r, c, v);
    const dense = new Matrix(rows, cols);
    for (let t = 0; t < r.length; t++) dense.set(r[t], c[t], v[t]);
    const ref = new SingularValueDecomposition(dense, { autoTranspose: true });
    const k = 6;
    expect(ref.diagonal[k - 1] - ref.diagonal[k]).toBeGreaterThan(1e-2);
    const svd = await randomizedSvd(X, k, { seed: 3, nIter: 2 });
    for (let i = 0; i < k; i++) expect(svd.s[i]).toBeCloseTo(ref.diagonal[i], 8);
    const Vr = ref.rightSingularVectors;
    for (let a = 0; a < cols; a++)
      for (let b = 0; b < cols; b++) {
        let p1 = 0;
        let p2 = 0;
        for (let t = 0; t < k; t++) {
          p1 += svd.V[a * k + t] * svd.V[b * k + t];
          p2 += Vr.get(a, t) * Vr.get(b, t);
        }
        expect(p1).toBeCloseTo(p2, 8);
      }
  });

  it('randomizedSvd of a rank-deficient matrix returns zero components beyond the rank', async () => {
    // rank 2: every row is one of two patterns
    const r: number[] = [];
    const c: number[] = [];
    for (let i = 0; i < 10; i++) {
      const cols = i % 2 === 0 ? [0, 1, 2] : [3, 4];
      for (const j of cols) {
        r.push(i);
        c.push(j);
      }
    }
    const X = csrFromCoo(10, 6, r, c);
    const svd = await randomizedSvd(X, 4, { seed: 1 });
    expect(svd.s[0]).toBeCloseTo(Math.sqrt(15), 8);
    expect(svd.s[1]).toBeCloseTo(Math.sqrt(10), 8);
    expect(svd.s[2]).toBe(0);
    expect(svd.s[3]).toBe(0);
    for (let j = 0; j < 6; j++) expect(svd.V[j * 4 + 2]).toBe(0);
  });
});
