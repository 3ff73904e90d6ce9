import { inverse, Matrix } from 'ml-matrix';
import { afterAll, describe, expect, it } from 'vitest';
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
import { allocSpdMatrix, spdInverseBlocked } from '../../src/algorithms/similarity/spd-sweep.js';
import { TrainingError } from '../../src/errors/index.js';
import type { CsrMatrix } from '../../src/linalg/csr.js';
import { closePools } from '../../src/linalg/pool.js';
import { ntF64, recsysKernels } from '../../src/linalg/recsys-kernels.js';
import { releaseShared, sharedF64 } from '../../src/linalg/resident.js';
import { wasmRuntime } from '../../src/linalg/wasm/runtime.js';
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

describe('blocked SPD inverse (block sweeps)', () => {
  afterAll(closePools);
  const n = 300; // two full 128-blocks and a partial one
  const A = randomSpd(n, 77);
  const ref = inverse(
    new Matrix(Array.from({ length: n }, (_, i) => Array.from(A.subarray(i * n, i * n + n)))),
  ).to1DArray();

  it('matches a general-purpose inverse on the kernel heap, on one and two threads', async () => {
    for (const threads of [1, 2]) {
      const G = allocSpdMatrix(n);
      try {
        // Only the lower triangle is read: poison the upper one.
        for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) G[i * n + j] = j <= i ? A[i * n + j] : Number.NaN;
        await spdInverseBlocked(G, n, threads);
        expectClose(G, ref, 1e-9);
      } finally {
        releaseShared(G);
      }
    }
  });

  it('gives the same inverse through the TypeScript twin on plain shared memory', async () => {
    const G = new Float64Array(new SharedArrayBuffer(n * n * 8));
    G.set(A);
    await spdInverseBlocked(G, n, 2);
    expectClose(G, ref, 1e-9);
  });

  it('rejects a matrix that is not positive definite', async () => {
    const G = allocSpdMatrix(n);
    try {
      G.set(A);
      G[200 * n + 200] = -5;
      await expect(spdInverseBlocked(G, n, 1)).rejects.toThrow(TrainingError);
    } finally {
      releaseShared(G);
    }
  });

  it('runs the SIMD kernel and agrees with its TypeScript twin', () => {
    const rt = wasmRuntime();
    expect(rt).not.toBeNull();
    const kernel = recsysKernels(rt!.memory);
    expect(kernel).not.toBeNull();
    const r = rng(5);
    const m = 11;
    const cols = 9;
    const k = 6;
    const Am = sharedF64(m * k).map(() => r() - 0.5);
    const Bm = sharedF64(cols * k).map(() => r() - 0.5);
    const A2 = sharedF64(m * k);
    A2.set(Am);
    const B2 = sharedF64(cols * k);
    B2.set(Bm);
    for (const lowerFrom of [-1, 0, 3]) {
      const C1 = sharedF64(m * cols);
      const C2 = new Float64Array(m * cols);
      for (let i = 0; i < C1.length; i++) C1[i] = C2[i] = i * 0.01;
      kernel!.nt_f64(m, cols, k, A2.byteOffset, k, B2.byteOffset, k, C1.byteOffset, cols, 1, -1, lowerFrom);
      ntF64(m, cols, k, Am, 0, k, Bm, 0, k, C2, 0, cols, 1, -1, lowerFrom);
      for (let i = 0; i < m; i++) {
        const jEnd = lowerFrom >= 0 ? Math.min(cols, lowerFrom + i + 1) : cols;
        for (let j = 0; j < jEnd; j++) expect(C1[i * cols + j]).toBeCloseTo(C2[i * cols + j], 12);
      }
      releaseShared(C1);
    }
    for (const a of [A2, B2]) releaseShared(a);
  });
});

describe('DenseSLIM weights', () => {
  it('item route matches a naive inverse (more users than items)', async () => {
    const X = randomCounts(40, 12, 0.3, 21, 2);
    expect(chooseEaseRoute(X)).toBe('items');
    expectClose(await easeWeightsByItems(X, 3), naiveEase(X, 3), 1e-5);
  });

  it('user route (Woodbury) matches a naive inverse (fewer users than items)', async () => {
    const X = randomCounts(9, 30, 0.3, 22, 3);
    expect(chooseEaseRoute(X)).toBe('users');
    expectClose(await easeWeightsByUsers(X, 2), naiveEase(X, 2), 1e-5);
  });

  it('both routes agree on the same matrix, including empty users and items', async () => {
    const X = randomCounts(20, 20, 0.15, 23, 2);
    const a = await easeWeightsByItems(X, 10);
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

  it('refuses catalogues whose dense W would not fit one typed array', async () => {
    const wide = {
      rows: 1,
      cols: 70_000,
      indptr: Int32Array.from([0, 0]),
      indices: new Int32Array(0),
      data: new Float32Array(0),
    };
    await expect(new DenseSLIMRecommender(wide, {}).fit()).rejects.toThrow(/70000 items exceed/);
  });

  it('rejects a non-positive reg', () => {
    expect(() => new DenseSLIMRecommender(X, { reg: 0 })).toThrow(/reg/);
  });
});
