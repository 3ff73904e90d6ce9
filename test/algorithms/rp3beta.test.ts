import { describe, expect, it } from 'vitest';
import { computeRp3betaWeights, RP3betaRecommender, rp3betaSpec } from '../../src/algorithms/rp3beta.js';
import { type CsrMatrix, csrFromCoo } from '../../src/linalg/csr.js';
import { denseRowTopK, expectClose, matmul, randomCounts, toDense, transposeDense } from './helpers.js';

/** Naive dense reference of the RP3beta weights. */
function naiveRp3(
  X: CsrMatrix,
  alpha: number,
  beta: number,
  topK: number | null,
  normalizeWeight: boolean,
): number[][] {
  const D = toDense(X);
  const U = X.rows;
  const I = X.cols;
  const Dp = D.map((row) => row.map((x) => (x === 0 ? 0 : x ** alpha)));
  const rowSum = Dp.map((row) => row.reduce((s, v) => s + v, 0));
  const colSum = Array.from({ length: I }, (_, i) => Dp.reduce((s, row) => s + row[i], 0));
  const pop = Array.from({ length: I }, (_, i) => D.reduce((s, row) => s + row[i], 0));
  const raw = Array.from({ length: I }, () => new Array<number>(I).fill(0));
  for (let j = 0; j < I; j++) {
    for (let k = 0; k < I; k++) {
      let s = 0;
      for (let u = 0; u < U; u++) {
        if (Dp[u][j] === 0 || Dp[u][k] === 0) continue;
        s += (Dp[u][j] / rowSum[u]) * (Dp[u][k] / colSum[k]);
      }
      raw[j][k] = pop[j] > 0 ? s / pop[j] ** beta : 0;
    }
  }
  const W = transposeDense(denseRowTopK(raw, topK ?? I));
  if (normalizeWeight) {
    for (const row of W) {
      const s = row.reduce((a, b) => a + b, 0);
      if (s !== 0) for (let j = 0; j < row.length; j++) row[j] /= s;
    }
  }
  return W;
}

describe('RP3beta weights', () => {
  const X = randomCounts(35, 22, 0.25, 3, 3);
  const cases = [
    { alpha: 1, beta: 0.6, topK: null, normalizeWeight: false },
    { alpha: 1, beta: 0.1, topK: 4, normalizeWeight: false },
    { alpha: 1, beta: 0.3, topK: 5, normalizeWeight: true },
    { alpha: 0.7, beta: 0.2, topK: 3, normalizeWeight: true },
    { alpha: 1.5, beta: 1e-5, topK: 30, normalizeWeight: false },
  ];
  for (const c of cases) {
    it(`matches the naive dense computation (${JSON.stringify(c)})`, async () => {
      const W = await computeRp3betaWeights(X, {
        alpha: c.alpha,
        beta: c.beta,
        top_k: c.topK,
        normalize_weight: c.normalizeWeight,
      });
      expectClose(
        Float64Array.from(toDense(W).flat()),
        naiveRp3(X, c.alpha, c.beta, c.topK, c.normalizeWeight).flat(),
        1e-5,
      );
    });
  }

  it('applies the top-k per destination item (column of W) and keeps the diagonal', async () => {
    const X2 = csrFromCoo(2, 3, [0, 0, 0, 1], [0, 1, 2, 0]);
    const W = toDense(await computeRp3betaWeights(X2, { beta: 0, top_k: 1 }));
    // Each column of W keeps exactly one non-zero source (its largest), the diagonal allowed.
    for (let j = 0; j < 3; j++) expect(W.filter((row) => row[j] !== 0).length).toBe(1);
    // Column 0: sources k=0 → 0.5·(1/2)+1·(1/2)... the self transition dominates and stays.
    expect(W[0][0]).toBeGreaterThan(0);
  });
});

describe('RP3betaRecommender', () => {
  const X = randomCounts(25, 15, 0.3, 5, 2);

  it('scores with the raw counts: X[u]·W', async () => {
    const m = new RP3betaRecommender(X, { beta: 0.2, top_k: 6 });
    await m.fit();
    const expected = matmul(toDense(X), toDense(m.W!));
    const out = new Float32Array(2 * 15);
    m.scoreUsers(Int32Array.from([1, 24]), out);
    expectClose(out, [...expected[1], ...expected[24]], 1e-6);
  });

  it('round-trips through save/load and explains from W', async () => {
    const m = new RP3betaRecommender(X, { beta: 0.3, top_k: 8, normalize_weight: true });
    await m.fit();
    const loaded = rp3betaSpec.load(m.save(), X);
    const h = Int32Array.from([0, 3, 7]);
    expect(Array.from(loaded.scoreHistory(h))).toEqual(Array.from(m.scoreHistory(h)));
    const W = toDense(m.W!);
    const best = [0, 3, 7].map((a) => ({ itemIndex: a, weight: W[a][2] })).filter((c) => c.weight !== 0);
    best.sort((a, b) => b.weight - a.weight || a.itemIndex - b.itemIndex);
    expect(loaded.explain!(h, 2, 3)).toEqual(
      best.map((c) => ({ itemIndex: c.itemIndex, weight: Math.fround(c.weight) })),
    );
  });

  it('defaults to top_k = n_items and beta = 0.6', () => {
    const m = new RP3betaRecommender(X, {});
    expect(m.params.top_k).toBeNull();
    expect(m.params.beta).toBe(0.6);
  });
});
