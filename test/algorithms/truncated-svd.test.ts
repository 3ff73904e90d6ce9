import { Matrix, SingularValueDecomposition } from 'ml-matrix';
import { describe, expect, it } from 'vitest';
import { TruncatedSVDRecommender, truncatedSvdSpec } from '../../src/algorithms/truncated-svd.js';
import { type CsrMatrix, csrFromCoo } from '../../src/linalg/csr.js';
import { Rng } from '../../src/linalg/random.js';

/** Rows drawn from a few patterns (low rank) so the top subspace is well separated. */
function patternMatrix(rows: number, cols: number, patterns: number, seed: number): CsrMatrix {
  const rng = new Rng(seed);
  const pats = Array.from({ length: patterns }, () =>
    Array.from({ length: cols }, () => (rng.nextFloat() < 0.25 ? 1 : 0)),
  );
  const r: number[] = [];
  const c: number[] = [];
  const v: number[] = [];
  for (let i = 0; i < rows; i++) {
    const p = pats[i % patterns];
    for (let j = 0; j < cols; j++) {
      if (!p[j]) continue;
      r.push(i);
      c.push(j);
      v.push(1 + (i % 3));
    }
  }
  return csrFromCoo(rows, cols, r, c, v);
}

function dense(X: CsrMatrix): Matrix {
  const M = new Matrix(X.rows, X.cols);
  for (let i = 0; i < X.rows; i++)
    for (let p = X.indptr[i]; p < X.indptr[i + 1]; p++) M.set(i, X.indices[p], X.data[p]);
  return M;
}

function scoresOf(model: TruncatedSVDRecommender): Float32Array {
  const out = new Float32Array(model.nUsers * model.nItems);
  model.scoreUsers(
    Int32Array.from({ length: model.nUsers }, (_, i) => i),
    out,
  );
  return out;
}

describe('TruncatedSVDRecommender', () => {
  it('scores X·V_k·V_kᵀ with V_k from ml-matrix SVD', async () => {
    const X = patternMatrix(45, 30, 6, 1);
    const k = 4;
    const model = new TruncatedSVDRecommender(X, { n_components: k, random_seed: 3 });
    await model.fit();
    const D = dense(X);
    const ref = new SingularValueDecomposition(D, { autoTranspose: true });
    expect(ref.diagonal[k - 1] - ref.diagonal[k]).toBeGreaterThan(0.1);
    const Vk = ref.rightSingularVectors.subMatrix(0, X.cols - 1, 0, k - 1);
    const expected = D.mmul(Vk).mmul(Vk.transpose());
    const got = scoresOf(model);
    for (let u = 0; u < X.rows; u++)
      for (let i = 0; i < X.cols; i++) expect(got[u * X.cols + i]).toBeCloseTo(expected.get(u, i), 4);
  });

  it('folds a cold profile in as (x·V)·Vᵀ, equal to the known-user scores for the same row', async () => {
    const X = patternMatrix(40, 25, 5, 2);
    const model = new TruncatedSVDRecommender(X, { n_components: 5 });
    await model.fit();
    const known = new Float32Array(X.cols);
    for (const u of [0, 3, 11]) {
      model.scoreUsers(Int32Array.from([u]), known);
      const items = X.indices.slice(X.indptr[u], X.indptr[u + 1]);
      const weights = X.data.slice(X.indptr[u], X.indptr[u + 1]);
      const folded = model.scoreHistory(items, weights);
      for (let i = 0; i < X.cols; i++) expect(folded[i]).toBeCloseTo(known[i], 4);
    }
    expect(Array.from(model.scoreHistory(Int32Array.from([2, 2]))).map((v) => Math.fround(v))).toEqual(
      Array.from(model.scoreHistory(Int32Array.from([2]), Float32Array.from([2]))),
    );
  });

  it('lowers k to I − 1, keeps components beyond the rank at zero, and rejects I ≤ 1', async () => {
    const X = patternMatrix(3, 6, 3, 4); // 3 users: rank ≤ 3 < k
    const model = new TruncatedSVDRecommender(X, { n_components: 50 });
    await model.fit();
    const saved = model.save();
    expect(saved.params.n_components).toBe(5);
    expect(saved.arrays.components.shape).toEqual([5, 6]);
    expect(saved.arrays.user_embedding.shape).toEqual([3, 5]);
    // rows 3 and 4 of components (beyond min(U, I) = 3) are zero
    const comp = saved.arrays.components.data as Float32Array;
    expect(Array.from(comp.subarray(3 * 6)).every((v) => v === 0)).toBe(true);
    // rank-3 approximation of a rank-≤3 matrix reproduces X
    const got = scoresOf(model);
    const D = dense(X);
    for (let u = 0; u < 3; u++) for (let i = 0; i < 6; i++) expect(got[u * 6 + i]).toBeCloseTo(D.get(u, i), 4);
    const single = csrFromCoo(2, 1, [0, 1], [0, 0]);
    await expect(new TruncatedSVDRecommender(single, {}).fit()).rejects.toThrow(/at least 2 items/);
  });

  it('is deterministic per seed and round-trips through save/load', async () => {
    const X = patternMatrix(50, 40, 9, 5);
    const a = new TruncatedSVDRecommender(X, { n_components: 6, random_seed: 1 });
    const b = new TruncatedSVDRecommender(X, { n_components: 6, random_seed: 1 });
    await a.fit();
    await b.fit();
    expect(Array.from(scoresOf(b))).toEqual(Array.from(scoresOf(a)));
    const saved = a.save();
    expect(saved.algorithm).toBe('TruncatedSVDRecommender');
    expect(saved.arrays.components.dtype).toBe('float32');
    const loaded = truncatedSvdSpec.load(saved, X) as TruncatedSVDRecommender;
    expect(Array.from(scoresOf(loaded))).toEqual(Array.from(scoresOf(a)));
    const h = Int32Array.from([0, 5, 7]);
    expect(Array.from(loaded.scoreHistory(h))).toEqual(Array.from(a.scoreHistory(h)));
    expect(() => truncatedSvdSpec.load({ ...saved, arrays: {} }, X)).toThrow(/components/);
    expect(truncatedSvdSpec.defaults).toEqual({ n_components: 4, random_seed: 0 });
    expect(truncatedSvdSpec.searchSpace).toEqual({ n_components: { kind: 'int', low: 4, high: 512 } });
  });
});
