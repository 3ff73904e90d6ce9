import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { IALSRecommender, ialsSpec } from '../../src/algorithms/ials.js';
import { TrainingError } from '../../src/errors/index.js';
import { conjugateGradient } from '../../src/linalg/cg.js';
import { type CsrMatrix, csrFromCoo, transpose } from '../../src/linalg/csr.js';
import { closePools } from '../../src/linalg/pool.js';
import { Rng } from '../../src/linalg/random.js';
import { fixtureScores } from './fixtures/factor-models-run.js';

afterAll(async () => {
  await closePools();
});

/** Users in a few taste groups, plus one item everybody has (a "heavy" row when U is large). */
function tasteMatrix(users: number, items: number, seed: number, universal = false): CsrMatrix {
  const rng = new Rng(seed);
  const r: number[] = [];
  const c: number[] = [];
  const v: number[] = [];
  const groups = 4;
  for (let u = 0; u < users; u++) {
    const g = u % groups;
    for (let i = 0; i < items; i++) {
      const inGroup = i % groups === g;
      if (rng.nextFloat() < (inGroup ? 0.35 : 0.03)) {
        r.push(u);
        c.push(i);
        v.push(1 + rng.nextInt(2));
      }
    }
    if (universal) {
      r.push(u);
      c.push(items - 1);
      v.push(1);
    }
  }
  return csrFromCoo(users, items, r, c, v);
}

/** The spec's algorithm written out plainly (float64, explicit K × K systems, no tricks). */
function naiveIals(
  X: CsrMatrix,
  p: { k: number; alpha0: number; reg: number; nu: number; initStd: number; steps: number; seed: number },
  epochs: number,
): { U: Float64Array; V: Float64Array } {
  const K = p.k;
  const init = (rows: number) => {
    const rng = new Rng(p.seed);
    const F = new Float64Array(rows * K);
    // identical stream to the model: float32 samples of N(0, (init_std/√K)²)
    for (let i = 0; i < F.length; i++) F[i] = Math.fround(rng.nextNormal() * (p.initStd / Math.sqrt(K)));
    return F;
  };
  const U = init(X.rows);
  const V = init(X.cols);
  const XT = transpose(X);
  const side = (M: CsrMatrix, T: Float64Array, O: Float64Array, otherRows: number) => {
    const A = new Float64Array(K * K);
    for (let r = 0; r < otherRows; r++)
      for (let i = 0; i < K; i++) for (let j = 0; j < K; j++) A[i * K + j] += p.alpha0 * O[r * K + i] * O[r * K + j];
    for (let row = 0; row < M.rows; row++) {
      const p0 = M.indptr[row];
      const p1 = M.indptr[row + 1];
      const x = T.subarray(row * K, row * K + K);
      if (p1 === p0) {
        x.fill(0);
        continue;
      }
      const lam = p.reg * (p.alpha0 * otherRows + (p1 - p0)) ** p.nu;
      const Mx = new Float64Array(K * K);
      const b = new Float64Array(K);
      for (let i = 0; i < K * K; i++) Mx[i] = A[i];
      for (let i = 0; i < K; i++) Mx[i * K + i] += lam;
      for (let q = p0; q < p1; q++) {
        const o = M.indices[q] * K;
        const cq = M.data[q];
        for (let i = 0; i < K; i++) {
          b[i] += cq * O[o + i];
          for (let j = 0; j < K; j++) Mx[i * K + j] += cq * O[o + i] * O[o + j];
        }
      }
      const sol = Float64Array.from(x);
      conjugateGradient(
        (v, out) => {
          for (let i = 0; i < K; i++) {
            let s = 0;
            for (let j = 0; j < K; j++) s += Mx[i * K + j] * v[j];
            out[i] = s;
          }
        },
        b,
        sol,
        p.steps,
      );
      x.set(sol);
    }
  };
  for (let e = 0; e < epochs; e++) {
    side(X, U, V, X.cols);
    side(XT, V, U, X.rows);
  }
  return { U, V };
}

function allScores(model: IALSRecommender): Float32Array {
  const users = Int32Array.from({ length: model.nUsers }, (_, i) => i);
  const out = new Float32Array(model.nUsers * model.nItems);
  model.scoreUsers(users, out);
  return out;
}

function objective(X: CsrMatrix, U: Float64Array, V: Float64Array, K: number, alpha0: number, reg: number): number {
  let L = 0;
  const XT = transpose(X);
  for (let u = 0; u < X.rows; u++) {
    for (let i = 0; i < X.cols; i++) {
      let s = 0;
      for (let t = 0; t < K; t++) s += U[u * K + t] * V[i * K + t];
      L += (alpha0 / 2) * s * s;
    }
    for (let q = X.indptr[u]; q < X.indptr[u + 1]; q++) {
      const i = X.indices[q];
      let s = 0;
      for (let t = 0; t < K; t++) s += U[u * K + t] * V[i * K + t];
      L += 0.5 * X.data[q] * (s - 1) ** 2;
    }
    let n2 = 0;
    for (let t = 0; t < K; t++) n2 += U[u * K + t] ** 2;
    L += 0.5 * reg * (alpha0 * X.cols + (X.indptr[u + 1] - X.indptr[u])) * n2;
  }
  for (let i = 0; i < X.cols; i++) {
    let n2 = 0;
    for (let t = 0; t < K; t++) n2 += V[i * K + t] ** 2;
    L += 0.5 * reg * (alpha0 * X.rows + (XT.indptr[i + 1] - XT.indptr[i])) * n2;
  }
  return L;
}

function factorsOf(model: IALSRecommender): { U: Float64Array; V: Float64Array; K: number } {
  const saved = model.save();
  const U = saved.arrays.user_factors;
  const V = saved.arrays.item_factors;
  return { U: Float64Array.from(U.data as Float32Array), V: Float64Array.from(V.data as Float32Array), K: U.shape[1] };
}

const params = { n_components: 6, alpha0: 0.1, reg: 0.01, random_seed: 7 };
const naiveParams = { k: 6, alpha0: 0.1, reg: 0.01, nu: 1, initStd: 0.1, steps: 3, seed: 7 };

describe('IALSRecommender', () => {
  it('one epoch equals the naive spec algorithm (warm-started 3-step CG, explicit systems)', async () => {
    const X = tasteMatrix(40, 30, 1);
    const model = new IALSRecommender(X, { ...params, train_epochs: 1 });
    await model.fit({ threads: 1 });
    const ref = naiveIals(X, naiveParams, 1);
    const got = allScores(model);
    let worst = 0;
    for (let u = 0; u < X.rows; u++)
      for (let i = 0; i < X.cols; i++) {
        let s = 0;
        for (let t = 0; t < 6; t++) s += ref.U[u * 6 + t] * ref.V[i * 6 + t];
        worst = Math.max(worst, Math.abs(got[u * X.cols + i] - s));
      }
    expect(worst).toBeLessThan(2e-4);
  });

  it('a side with few rows keeps A = α₀VᵀV full and matches the naive algorithm too', async () => {
    // 12 users against 150 items: the user side is solved with the full K × K matrix
    const X = tasteMatrix(12, 150, 11);
    const model = new IALSRecommender(X, { ...params, train_epochs: 2 });
    await model.fit({ threads: 1 });
    const ref = naiveIals(X, naiveParams, 2);
    const got = allScores(model);
    let worst = 0;
    for (let u = 0; u < X.rows; u++)
      for (let i = 0; i < X.cols; i++) {
        let s = 0;
        for (let t = 0; t < 6; t++) s += ref.U[u * 6 + t] * ref.V[i * 6 + t];
        worst = Math.max(worst, Math.abs(got[u * X.cols + i] - s));
      }
    expect(worst).toBeLessThan(2e-4);
  });

  it('heavy rows (solved in the lockstep sweep) follow the same algorithm, over several epochs', async () => {
    // 1100 users all holding the last item: with K = 64 that item's row exceeds the heavy threshold
    const X = tasteMatrix(1100, 24, 2, true);
    const model = new IALSRecommender(X, { n_components: 64, alpha0: 0.1, reg: 0.01, random_seed: 3, train_epochs: 3 });
    await model.fit({ threads: 2 });
    const ref = naiveIals(X, { ...naiveParams, k: 64, seed: 3 }, 3);
    const got = allScores(model);
    let worst = 0;
    let scale = 0;
    for (let u = 0; u < X.rows; u += 7)
      for (let i = 0; i < X.cols; i++) {
        let s = 0;
        for (let t = 0; t < 64; t++) s += ref.U[u * 64 + t] * ref.V[i * 64 + t];
        worst = Math.max(worst, Math.abs(got[u * X.cols + i] - s));
        scale = Math.max(scale, Math.abs(s));
      }
    expect(scale).toBeGreaterThan(0.1);
    expect(worst / scale).toBeLessThan(1e-3);
  });

  it('decreases the objective epoch by epoch', async () => {
    const X = tasteMatrix(60, 40, 4);
    const model = new IALSRecommender(X, { ...params, n_components: 8 });
    await model.startTraining({ threads: 1 });
    const losses: number[] = [];
    for (let e = 0; e < 6; e++) {
      await model.runEpoch();
      const { U, V, K } = factorsOf(model);
      losses.push(objective(X, U, V, K, 0.1, 0.01));
    }
    await model.dispose();
    for (let e = 1; e < losses.length; e++) expect(losses[e]).toBeLessThan(losses[e - 1] + 1e-9);
    expect(losses[5]).toBeLessThan(losses[0] * 0.95);
  });

  it('is deterministic per seed, identical across thread counts, and seed-sensitive', async () => {
    const X = tasteMatrix(300, 50, 5);
    const run = async (threads: number, seed: number) => {
      const m = new IALSRecommender(X, { ...params, n_components: 16, random_seed: seed, train_epochs: 4 });
      await m.fit({ threads });
      return allScores(m);
    };
    const a = await run(1, 1);
    const b = await run(2, 1);
    const c = await run(1, 2);
    expect(Array.from(b)).toEqual(Array.from(a));
    expect(Array.from(c)).not.toEqual(Array.from(a));
  });

  it('exact fold-in reproduces a converged user row', async () => {
    const X = tasteMatrix(50, 30, 6);
    const model = new IALSRecommender(X, { ...params, n_components: 5, train_epochs: 80 });
    await model.fit({ threads: 1 });
    const known = new Float32Array(X.cols);
    for (const u of [0, 7, 21]) {
      model.scoreUsers(Int32Array.from([u]), known);
      const items = X.indices.slice(X.indptr[u], X.indptr[u + 1]);
      const weights = X.data.slice(X.indptr[u], X.indptr[u + 1]);
      const folded = model.scoreHistory(items, weights);
      // the user row was solved against the previous epoch's items: equal up to convergence
      let worst = 0;
      for (let i = 0; i < X.cols; i++) worst = Math.max(worst, Math.abs(folded[i] - known[i]));
      expect(worst).toBeLessThan(2e-3);
    }
    // duplicates are summed: two entries of weight 1 equal one entry of weight 2
    const twice = model.scoreHistory(Int32Array.from([3, 3]), undefined);
    const once = model.scoreHistory(Int32Array.from([3]), Float32Array.from([2]));
    expect(Array.from(twice)).toEqual(Array.from(once));
    expect(Array.from(model.scoreHistory(new Int32Array(0))).every((v) => v === 0)).toBe(true);
    expect(() => model.scoreHistory(Int32Array.from([99]))).toThrow(RangeError);
  });

  it('snapshots, restores and records the early-stopping epoch count', async () => {
    const X = tasteMatrix(40, 20, 8);
    const model = new IALSRecommender(X, params);
    await model.startTraining({ threads: 1 });
    await model.runEpoch();
    const snap = model.snapshot();
    const before = allScores(model);
    await model.runEpoch();
    expect(Array.from(allScores(model))).not.toEqual(Array.from(before));
    model.restoreSnapshot(snap);
    expect(Array.from(allScores(model))).toEqual(Array.from(before));
    model.setTrainEpochs(1);
    await model.dispose();
    expect(Array.from(allScores(model))).toEqual(Array.from(before)); // usable after dispose
    expect(model.learntConfig()).toEqual({ train_epochs: 1 });
    expect(model.save().params.train_epochs).toBe(1);
    expect(() => model.restoreSnapshot({})).toThrow(/snapshot/);
  });

  it('overwrites a reused snapshot in place and drops its factors when disposed for good', async () => {
    const X = tasteMatrix(40, 20, 8);
    const model = new IALSRecommender(X, params);
    await model.startTraining({ threads: 1 });
    await model.runEpoch();
    const first = model.snapshot();
    await model.runEpoch();
    const after2 = allScores(model);
    const second = model.snapshot(first);
    expect(second).toBe(first);
    await model.runEpoch();
    model.restoreSnapshot(second);
    expect(Array.from(allScores(model))).toEqual(Array.from(after2));
    await model.dispose(true);
    expect(() => allScores(model)).toThrow(/fit\(\) before scoring/);
  });

  it('saves the artifact arrays and loads an identical scorer', async () => {
    const X = tasteMatrix(30, 25, 9);
    const model = new IALSRecommender(X, { ...params, n_components: 7, train_epochs: 3 });
    await model.fit({ threads: 1 });
    const saved = model.save();
    expect(saved.algorithm).toBe('IALSRecommender');
    expect(saved.arrays.user_factors.shape).toEqual([30, 7]);
    expect(saved.arrays.item_factors.shape).toEqual([25, 7]);
    expect(saved.arrays.user_factors.dtype).toBe('float32');
    expect(saved.params).toMatchObject({
      alpha0: 0.1,
      reg: 0.01,
      nu: 1,
      confidence_scaling: 'none',
      fold_in_solver: 'exact',
    });
    const loaded = ialsSpec.load(saved, X);
    expect(Array.from(allScores(loaded as IALSRecommender))).toEqual(Array.from(allScores(model)));
    const h = Int32Array.from([1, 4, 9]);
    expect(Array.from(loaded.scoreHistory(h))).toEqual(Array.from(model.scoreHistory(h)));
    const bad = {
      ...saved,
      arrays: { ...saved.arrays, item_factors: { ...saved.arrays.item_factors, shape: [24, 7] } },
    };
    expect(() => ialsSpec.load(bad, X)).toThrow(/item_factors/);
  });

  it('gives empty users a zero vector and applies log confidence scaling', async () => {
    const X = csrFromCoo(4, 6, [0, 0, 2, 2, 3], [1, 2, 2, 3, 5], [5, 1, 1, 1, 9]);
    const plain = new IALSRecommender(X, { n_components: 4, alpha0: 0.1, reg: 0.01, train_epochs: 3 });
    await plain.fit({ threads: 1 });
    const out = new Float32Array(6);
    plain.scoreUsers(Int32Array.from([1]), out);
    expect(Array.from(out).every((v) => v === 0)).toBe(true);
    const logged = new IALSRecommender(X, {
      n_components: 4,
      alpha0: 0.1,
      reg: 0.01,
      train_epochs: 3,
      confidence_scaling: 'log',
    });
    await logged.fit({ threads: 1 });
    expect(Array.from(allScores(logged))).not.toEqual(Array.from(allScores(plain)));
  });

  it('the TypeScript fallback (no WebAssembly) trains the factor models to the same scores', async () => {
    const script = fileURLToPath(new URL('./fixtures/factor-models-run.ts', import.meta.url));
    const child = spawnSync(process.execPath, ['--import', 'tsx', script], {
      encoding: 'utf8',
      env: { ...process.env, RECOTEM_DISABLE_WASM: '1' },
    });
    expect(child.status, child.stderr).toBe(0);
    const { warning, scores } = JSON.parse(child.stdout.trim().split('\n').pop() ?? '{}');
    expect(warning).toMatch(/RECOTEM_DISABLE_WASM/);
    const mine = await fixtureScores();
    for (const name of ['ials', 'svd', 'bpr']) {
      let worst = 0;
      for (let i = 0; i < 90; i++) worst = Math.max(worst, Math.abs(scores[name][i] - mine[name][i]));
      expect(worst, name).toBeLessThan(1e-3);
    }
  }, 60_000);

  it('rejects bad hyper-parameters with a TrainingError naming the parameter', () => {
    const X = tasteMatrix(5, 5, 1);
    expect(() => new IALSRecommender(X, { n_components: 0 })).toThrow(TrainingError);
    expect(() => new IALSRecommender(X, { confidence_scaling: 'sqrt' })).toThrow(/confidence_scaling/);
    expect(() => new IALSRecommender(X, { reg: -1 })).toThrow(/reg/);
    expect(ialsSpec.searchSpace.n_components).toEqual({ kind: 'int', low: 4, high: 300 });
    expect(ialsSpec.defaults).toMatchObject({ n_components: 20, alpha0: 0, reg: 1e-3, train_epochs: 16 });
    expect(ialsSpec.iterative).toBe(true);
  });
});
