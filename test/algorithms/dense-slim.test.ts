import { inverse, Matrix } from 'ml-matrix';
import { describe, expect, it } from 'vitest';
import {
  chooseEaseRoute,
  computeDenseSlimWeights,
  DenseSLIMRecommender,
  denseSlimSpec,
  easeWeightsByItems,
  easeWeightsByUsers,
} from '../../src/algorithms/dense-slim.js';
import {
  choleskyBlockedInPlace,
  choleskyInPlace,
  spdInverseInPlace,
} from '../../src/algorithms/similarity/spd-inverse.js';
import { TrainingError } from '../../src/errors/index.js';
import type { CsrMatrix } from '../../src/linalg/csr.js';
import { expectClose, matmul, randomCounts, rng, toDense } from './helpers.js';

/** Naive EASE through a general-purpose inverse. */
function naiveEase(X: CsrMatrix, reg: number): number[] {
  const D = new Matrix(toDense(X));
  const G = D.transpose().mmul(D);
  for (let i = 0; i < X.cols; i++) G.set(i, i, G.get(i, i) + reg);
  const P = inverse(G);
  const n = X.cols;
  const W: number[] = [];
  for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) W.push(i === j ? 0 : -P.get(i, j) / P.get(j, j));
  return W;
}

function randomSpd(n: number, seed: number): Float64Array {
  const r = rng(seed);
  const B = Array.from({ length: n }, () => Array.from({ length: n }, () => r() - 0.5));
  const A = new Float64Array(n * n);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < n; j++) {
      let s = i === j ? n : 0;
      for (let k = 0; k < n; k++) s += B[i][k] * B[j][k];
      A[i * n + j] = s;
    }
  }
  return A;
}

describe('SPD inverse', () => {
  for (const n of [1, 3, 4, 7, 33]) {
    it(`inverts a random ${n}×${n} SPD matrix (A·A⁻¹ = I)`, () => {
      const A = randomSpd(n, n);
      const inv = A.slice();
      spdInverseInPlace(inv, n);
      const ref = inverse(new Matrix(Array.from({ length: n }, (_, i) => Array.from(A.subarray(i * n, i * n + n)))));
      expectClose(inv, ref.to1DArray(), 1e-10);
      for (let i = 0; i < n; i++) expect(inv[i * n + (n - 1 - i)]).toBe(inv[(n - 1 - i) * n + i]);
    });
  }

  it('blocked and plain Cholesky factors agree', () => {
    const n = 13;
    const A = randomSpd(n, 5);
    const a = A.slice();
    choleskyInPlace(a, n);
    const blocked = A.slice();
    choleskyBlockedInPlace(blocked, n);
    for (let i = 0; i < n; i++)
      expectClose(blocked.subarray(i * n, i * n + i + 1), a.subarray(i * n, i * n + i + 1), 1e-12);
    const L = Array.from({ length: n }, (_, i) => Array.from({ length: n }, (_, j) => (j <= i ? a[i * n + j] : 0)));
    const LLt = matmul(
      L,
      L.map((_, i) => L.map((row) => row[i])),
    );
    expectClose(LLt.flat(), Array.from(A), 1e-12);
  });

  it('rejects a matrix that is not positive definite', () => {
    const A = Float64Array.from([1, 2, 2, 1]);
    expect(() => spdInverseInPlace(A, 2)).toThrow(TrainingError);
  });
});

describe('DenseSLIM weights', () => {
  it('item route matches a naive inverse (more users than items)', () => {
    const X = randomCounts(40, 12, 0.3, 21, 2);
    expect(chooseEaseRoute(X)).toBe('items');
    expectClose(easeWeightsByItems(X, 3), naiveEase(X, 3), 1e-5);
  });

  it('user route (Woodbury) matches a naive inverse (fewer users than items)', async () => {
    const X = randomCounts(9, 30, 0.3, 22, 3);
    expect(chooseEaseRoute(X)).toBe('users');
    expectClose(await easeWeightsByUsers(X, 2), naiveEase(X, 2), 1e-5);
  });

  it('both routes agree on the same matrix, including empty users and items', async () => {
    const X = randomCounts(20, 20, 0.15, 23, 2);
    const a = easeWeightsByItems(X, 10);
    const b = await easeWeightsByUsers(X, 10);
    expectClose(a, b, 1e-5);
    expectClose(await computeDenseSlimWeights(X, { reg: 10 }), a, 1e-5);
    expectClose(await computeDenseSlimWeights(X, { reg: 10 }, 2, 'users'), a, 1e-5);
  });
});

describe('DenseSLIMRecommender', () => {
  const X = randomCounts(15, 10, 0.35, 24, 2);

  it('scores X[u]·W, folds in histories, explains and round-trips as a dense W', async () => {
    const m = new DenseSLIMRecommender(X, { reg: 5 });
    await m.fit();
    const W = m.W!;
    const Wd = Array.from({ length: 10 }, (_, i) => Array.from(W.subarray(i * 10, i * 10 + 10)));
    for (let i = 0; i < 10; i++) expect(Wd[i][i]).toBe(0);
    const expected = matmul(toDense(X), Wd);
    const out = new Float32Array(10);
    m.scoreUsers(Int32Array.from([4]), out);
    expectClose(out, expected[4], 1e-6);

    const saved = m.save();
    expect(saved.arrays.W.shape).toEqual([10, 10]);
    const loaded = denseSlimSpec.load(saved, X);
    const h = Int32Array.from([1, 2]);
    expect(Array.from(loaded.scoreHistory(h))).toEqual(Array.from(m.scoreHistory(h)));
    const ex = loaded.explain!(h, 5, 1);
    const best = Math.abs(Wd[1][5]) > 0 && Wd[1][5] >= Wd[2][5] ? 1 : 2;
    expect(ex[0].itemIndex).toBe(best);
  });

  it('rejects a non-positive reg', () => {
    expect(() => new DenseSLIMRecommender(X, { reg: 0 })).toThrow(/reg/);
  });
});
