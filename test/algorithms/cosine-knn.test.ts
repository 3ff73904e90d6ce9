import { afterAll, describe, expect, it } from 'vitest';
import {
  CosineKNNRecommender,
  computeCosineKnnWeights,
  cosineKnnSpec,
  type FeatureWeighting,
  weightedValues,
} from '../../src/algorithms/cosine-knn.js';
import { kthLargest, sortRange, TopKSelector } from '../../src/algorithms/similarity/top-k.js';
import { ArtifactError, TrainingError } from '../../src/errors/index.js';
import { type CsrMatrix, csrFromCoo } from '../../src/linalg/csr.js';
import { closePools } from '../../src/linalg/pool.js';
import { denseRowTopK, expectClose, matmul, randomCounts, rng, toDense, transposeDense } from './helpers.js';

/** Naive O(I²U) reference of the cosine weights. */
function naiveKnn(
  X: CsrMatrix,
  opts: { topK: number; shrinkage: number; weighting: FeatureWeighting; normalize: boolean },
): number[][] {
  const D = toDense(X);
  const U = X.rows;
  const I = X.cols;
  const k1 = 1.2;
  const b = 0.75;
  const df = new Array<number>(I).fill(0);
  for (let u = 0; u < U; u++) for (let i = 0; i < I; i++) if (D[u][i] !== 0) df[i]++;
  const dl = D.map((row) => row.reduce((s, v) => s + v, 0));
  const avgdl = dl.reduce((s, v) => s + v, 0) / U;
  const Dw = D.map((row, u) =>
    row.map((x, i) => {
      if (x === 0 || opts.weighting === 'NONE') return x;
      if (opts.weighting === 'TF_IDF') return x * Math.log(U / (df[i] + 1));
      const idf = Math.log(U / (df[i] + 1) + 1);
      return (idf * x * (k1 + 1)) / (x + k1 * (1 - b + (b * dl[u]) / avgdl));
    }),
  );
  const S = matmul(transposeDense(D), Dw);
  if (opts.normalize) {
    const normX = Array.from({ length: I }, (_, i) => Math.sqrt(D.reduce((s, row) => s + row[i] ** 2, 0)));
    const normW = Array.from({ length: I }, (_, i) => Math.sqrt(Dw.reduce((s, row) => s + row[i] ** 2, 0)));
    for (let a = 0; a < I; a++) for (let c = 0; c < I; c++) S[a][c] /= normX[a] * normW[c] + opts.shrinkage + 1e-6;
  }
  const kept = denseRowTopK(S, opts.topK);
  for (let a = 0; a < I; a++) kept[a][a] = 0;
  return kept;
}

function flat(rows: number[][]): number[] {
  return rows.flat();
}

describe('sortRange', () => {
  it('sorts any sub-range ascending, duplicates and sorted or reversed input included', () => {
    const r = rng(8);
    for (const n of [0, 1, 2, 17, 18, 100, 1000, 5000]) {
      for (const shape of ['random', 'dups', 'sorted', 'reversed']) {
        const a = Int32Array.from({ length: n + 6 }, (_, i) =>
          shape === 'sorted'
            ? i
            : shape === 'reversed'
              ? n - i
              : shape === 'dups'
                ? Math.floor(r() * 5)
                : Math.floor(r() * 1e6) - 5e5,
        );
        const before = Array.from(a);
        sortRange(a, 3, 3 + n);
        const expected = [
          ...before.slice(0, 3),
          ...before.slice(3, 3 + n).sort((x, y) => x - y),
          ...before.slice(3 + n),
        ];
        expect(Array.from(a), `${shape} n=${n}`).toEqual(expected);
      }
    }
  });
});

describe('TopKSelector', () => {
  it('keeps the k largest non-zero entries, ties to the smaller column, on every path', () => {
    const r = rng(3);
    for (const [n, k, levels] of [
      [50, 10, 5],
      [2000, 10, 7],
      [2000, 100, 1000],
      [5000, 40, 3],
      [300, 300, 4],
      [900, 1, 2],
      [2000, 150, -1],
      [2000, 1000, 3],
      [2000, 700, 1000],
      [600, 500, 2],
      [4000, 900, -1],
    ]) {
      // Columns [n, n + 60) hold non-zero values too but are no candidates (marked for another row).
      const nCols = n + 60;
      const vals = new Float64Array(nCols);
      const cols = new Int32Array(n);
      const mark = new Int32Array(nCols).fill(6);
      mark.fill(5, 0, n);
      // Candidates in scrambled order, some zero, values on a few levels (many ties) or continuous.
      for (let t = 0; t < n; t++) cols[t] = (t * 7919) % n;
      for (let c = 0; c < nCols; c++) {
        const x = r();
        // levels = -1: mostly zeros (fewer non-zero candidates than k on some paths).
        if (c >= n) vals[c] = 1e9;
        else if (levels < 0) vals[c] = x < 0.95 ? 0 : x;
        else vals[c] = x < 0.1 ? 0 : levels >= 1000 ? x : Math.ceil(x * levels) - (x < 0.15 ? 10 : 0);
      }
      const expected = Array.from({ length: n }, (_, c) => c)
        .filter((c) => vals[c] !== 0)
        .sort((a, b) => vals[b] - vals[a] || a - b)
        .slice(0, k)
        .sort((a, b) => a - b);
      for (const marks of [undefined, { mark, stamp: 5, nCols }]) {
        const outCols = new Int32Array(k + 3).fill(-1);
        const outVals = new Float64Array(k + 3);
        const got = new TopKSelector(k).selectFromScratch(cols, n, vals, outCols, outVals, 3, marks);
        const label = `n=${n} k=${k} levels=${levels} marks=${marks !== undefined}`;
        expect(Array.from(outCols.subarray(3, 3 + got)), label).toEqual(expected);
        expect(Array.from(outVals.subarray(3, 3 + got)), label).toEqual(expected.map((c) => vals[c]));
      }
    }
  });

  it('kthLargest finds the k-th value in descending order, ties included', () => {
    const r = rng(11);
    for (const [n, levels] of [
      [1, 0],
      [7, 2],
      [500, 3],
      [2000, 1000],
    ]) {
      const a = Float64Array.from({ length: n }, () => (levels >= 1000 ? r() : Math.ceil(r() * levels)));
      const sorted = Array.from(a).sort((x, y) => y - x);
      for (const k of [1, Math.ceil(n / 3), n]) expect(kthLargest(a.slice(), n, k)).toBe(sorted[k - 1]);
    }
  });
});

describe('CosineKNN weights', () => {
  const X = randomCounts(40, 25, 0.25, 7, 3);
  const cases: { topK: number; shrinkage: number; weighting: FeatureWeighting; normalize: boolean }[] = [
    { topK: 100, shrinkage: 0, weighting: 'NONE', normalize: false },
    { topK: 4, shrinkage: 0, weighting: 'NONE', normalize: false },
    { topK: 5, shrinkage: 3, weighting: 'NONE', normalize: true },
    { topK: 6, shrinkage: 0.5, weighting: 'TF_IDF', normalize: true },
    { topK: 3, shrinkage: 10, weighting: 'BM_25', normalize: true },
    { topK: 7, shrinkage: 0, weighting: 'BM_25', normalize: false },
  ];
  for (const c of cases) {
    it(`matches the naive dense computation (${JSON.stringify(c)})`, async () => {
      const W = await computeCosineKnnWeights(X, {
        top_k: c.topK,
        shrinkage: c.shrinkage,
        feature_weighting: c.weighting,
        normalize: c.normalize,
      });
      expectClose(Float64Array.from(flat(toDense(W))), flat(naiveKnn(X, c)), 1e-5);
    });
  }

  it('keeps the self-similarity inside the top-k before removing it, and breaks ties by lower column', async () => {
    // Items 0..3 all co-occur once with each other through one user; item 0 also appears alone.
    const X2 = csrFromCoo(2, 4, [0, 0, 0, 0, 1], [0, 1, 2, 3, 0]);
    const W = toDense(await computeCosineKnnWeights(X2, { top_k: 2 }));
    // Row 0: self = 2, others = 1 each → top-2 = {0 (self), 1 (lowest column of the tie)} → only 1 left.
    expect(W[0]).toEqual([0, 1, 0, 0]);
    // Row 2: values 1,1,1,1 (self included) → columns 0 and 1 win the tie; diagonal was not among them.
    expect(W[2]).toEqual([1, 1, 0, 0]);
  });

  it('ignores shrinkage without normalisation (raw co-occurrence counts)', async () => {
    const a = await computeCosineKnnWeights(X, { top_k: 10, shrinkage: 500 });
    const b = await computeCosineKnnWeights(X, { top_k: 10, shrinkage: 0 });
    expect(Array.from(a.data)).toEqual(Array.from(b.data));
    expect(Number.isInteger(a.data[0])).toBe(true);
  });

  it('computes TF-IDF and BM25 weights as specified', () => {
    const X3 = csrFromCoo(3, 2, [0, 0, 1, 2], [0, 1, 0, 0], [2, 1, 1, 4]);
    const tf = weightedValues(X3, 'TF_IDF');
    // df = [3, 1]; idf = [ln(3/4), ln(3/2)].
    expectClose(tf, [2 * Math.log(3 / 4), Math.log(1.5), Math.log(3 / 4), 4 * Math.log(3 / 4)], 1e-12);
    const bm = weightedValues(X3, 'BM_25', 1.2, 0.75);
    const avgdl = 8 / 3;
    const w = (x: number, dl: number, df: number) =>
      (Math.log(3 / (df + 1) + 1) * x * 2.2) / (x + 1.2 * (1 - 0.75 + (0.75 * dl) / avgdl));
    expectClose(bm, [w(2, 3, 3), w(1, 3, 1), w(1, 1, 3), w(4, 4, 3)], 1e-12);
  });
});

describe('CosineKNN on worker threads', () => {
  afterAll(closePools);

  it('gives exactly the single-thread W when the rows are split across two workers', async () => {
    // Enough co-occurrence work (Σ n_u² ≈ 4M) to take the parallel path.
    const X = randomCounts(400, 500, 0.2, 12, 3);
    const params = { top_k: 20, normalize: true, shrinkage: 2, feature_weighting: 'BM_25' };
    const one = await computeCosineKnnWeights(X, params, 1);
    const two = await computeCosineKnnWeights(X, params, 2);
    expect(Array.from(two.indptr)).toEqual(Array.from(one.indptr));
    expect(Array.from(two.indices)).toEqual(Array.from(one.indices));
    expect(Array.from(two.data)).toEqual(Array.from(one.data));
  });
});

describe('CosineKNNRecommender', () => {
  const X = randomCounts(30, 18, 0.3, 11, 2);

  it('scores known users as X[u]·W and fold-in histories as x·W', async () => {
    const m = new CosineKNNRecommender(X, { top_k: 5, normalize: true, shrinkage: 1 });
    await m.fit();
    const W = toDense(m.W!);
    const expected = matmul(toDense(X), W);
    const users = Int32Array.from([0, 7, 29]);
    const out = new Float32Array(3 * 18);
    m.scoreUsers(users, out);
    expectClose(out, flat([expected[0], expected[7], expected[29]]), 1e-6);
    const s = m.scoreHistory(Int32Array.from([2, 5, 5]));
    const ref = W[0].map((_, j) => W[2][j] + 2 * W[5][j]);
    expectClose(s, ref, 1e-6);
  });

  it('explains a candidate by the history items with the largest weights', async () => {
    const m = new CosineKNNRecommender(X, { top_k: 18 });
    await m.fit();
    const W = toDense(m.W!);
    const history = Int32Array.from([1, 4, 9, 4]);
    const ex = m.explain(history, 3, 2);
    const contrib = [
      { itemIndex: 1, weight: W[1][3] },
      { itemIndex: 4, weight: 2 * W[4][3] },
      { itemIndex: 9, weight: W[9][3] },
    ]
      .filter((c) => c.weight !== 0)
      .sort((a, b) => b.weight - a.weight || a.itemIndex - b.itemIndex)
      .slice(0, 2);
    expect(ex).toEqual(contrib);
  });

  it('saves W as CSR arrays and loads back to identical scores', async () => {
    const m = new CosineKNNRecommender(X, { top_k: 6, feature_weighting: 'BM_25', normalize: true });
    await m.fit();
    const saved = m.save();
    expect(saved.algorithm).toBe('CosineKNNRecommender');
    expect(Object.keys(saved.arrays).sort()).toEqual(['W.data', 'W.indices', 'W.indptr']);
    const loaded = cosineKnnSpec.load(saved, X);
    const users = Int32Array.from([3, 4]);
    const a = new Float32Array(2 * 18);
    const b = new Float32Array(2 * 18);
    m.scoreUsers(users, a);
    loaded.scoreUsers(users, b);
    expect(Array.from(b)).toEqual(Array.from(a));
  });

  it('accepts int64 index arrays and rejects a corrupted W with ArtifactError', async () => {
    const m = new CosineKNNRecommender(X, { top_k: 4 });
    await m.fit();
    const saved = m.save();
    const wide = {
      ...saved,
      arrays: {
        ...saved.arrays,
        'W.indptr': {
          dtype: 'int64' as const,
          shape: saved.arrays['W.indptr'].shape,
          data: BigInt64Array.from(Array.from(saved.arrays['W.indptr'].data as Int32Array, BigInt)),
        },
      },
    };
    const h = Int32Array.from([1, 2]);
    expect(Array.from(cosineKnnSpec.load(wide, X).scoreHistory(h))).toEqual(Array.from(m.scoreHistory(h)));
    const badIndices = (saved.arrays['W.indices'].data as Int32Array).slice();
    badIndices[0] = 18;
    const bad = {
      ...saved,
      arrays: { ...saved.arrays, 'W.indices': { ...saved.arrays['W.indices'], data: badIndices } },
    };
    expect(() => cosineKnnSpec.load(bad, X)).toThrow(ArtifactError);
    const missing = { ...saved, arrays: { 'W.indptr': saved.arrays['W.indptr'] } };
    expect(() => cosineKnnSpec.load(missing, X)).toThrow(/lacks array 'W.indices'/);
  });

  it('rejects bad hyper-parameters with a TrainingError naming the parameter', () => {
    expect(() => new CosineKNNRecommender(X, { feature_weighting: 'BM25X' })).toThrow(TrainingError);
    expect(() => new CosineKNNRecommender(X, { top_k: 0 })).toThrow(/top_k/);
  });

  it('refuses to score before fit', () => {
    const m = new CosineKNNRecommender(X, {});
    expect(() => m.scoreHistory(Int32Array.from([1]))).toThrow(/fit/);
  });
});
