import { describe, expect, it } from 'vitest';
import { BPRFMRecommender, bprFmSpec } from '../../src/algorithms/bpr-fm.js';
import { TrainingError } from '../../src/errors/index.js';
import { type CsrMatrix, csrFromCoo } from '../../src/linalg/csr.js';
import { Rng } from '../../src/linalg/random.js';

/** Two taste clusters: users 0..n/2 like items 0..m/2, the others the rest (80% density). */
function clusters(users: number, items: number, seed: number): CsrMatrix {
  const rng = new Rng(seed);
  const r: number[] = [];
  const c: number[] = [];
  for (let u = 0; u < users; u++) {
    const first = u < users / 2;
    for (let i = 0; i < items; i++) {
      const inCluster = first === i < items / 2;
      if (rng.nextFloat() < (inCluster ? 0.5 : 0.02)) {
        r.push(u);
        c.push(i);
      }
    }
  }
  return csrFromCoo(users, items, r, c);
}

/** Fraction of (in-cluster, out-of-cluster) unseen item pairs ranked the right way round. */
function clusterAuc(scores: Float32Array, X: CsrMatrix, u: number, items: number, first: boolean): number {
  const seen = new Set(X.indices.slice(X.indptr[u], X.indptr[u + 1]));
  let good = 0;
  let total = 0;
  for (let i = 0; i < items; i++) {
    if (seen.has(i) || first !== i < items / 2) continue;
    for (let j = 0; j < items; j++) {
      if (seen.has(j) || first === j < items / 2) continue;
      total++;
      if (scores[i] > scores[j]) good++;
    }
  }
  return good / total;
}

const small = { n_components: 8, train_epochs: 30, random_seed: 5 };

describe('BPRFMRecommender', () => {
  for (const loss of ['bpr', 'warp']) {
    it(`${loss}: learns to rank a user's own cluster first`, async () => {
      const X = clusters(40, 30, 1);
      const model = new BPRFMRecommender(X, { ...small, loss });
      await model.fit();
      const out = new Float32Array(30);
      let auc = 0;
      for (const u of [0, 5, 25, 39]) {
        model.scoreUsers(Int32Array.from([u]), out);
        auc += clusterAuc(out, X, u, 30, u < 20) / 4;
      }
      expect(auc).toBeGreaterThan(0.9);
    });
  }

  it('folds a history in by fitting a user vector against fixed items', async () => {
    const X = clusters(40, 30, 2);
    const model = new BPRFMRecommender(X, small);
    await model.fit();
    const scores = model.scoreHistory(Int32Array.from([20, 22, 25, 27]));
    const seenLike = new Set([20, 22, 25, 27]);
    let good = 0;
    let total = 0;
    for (let i = 15; i < 30; i++) {
      if (seenLike.has(i)) continue;
      for (let j = 0; j < 15; j++) {
        total++;
        if (scores[i] > scores[j]) good++;
      }
    }
    expect(good / total).toBeGreaterThan(0.9);
    // empty history: item biases only
    const biasOnly = model.scoreHistory(new Int32Array(0));
    expect(Array.from(biasOnly)).toEqual(Array.from(model.save().arrays.item_biases.data as Float32Array));
    // deterministic
    expect(Array.from(model.scoreHistory(Int32Array.from([1, 2])))).toEqual(
      Array.from(model.scoreHistory(Int32Array.from([1, 2]))),
    );
  });

  it('is deterministic per seed and different across seeds', async () => {
    const X = clusters(20, 16, 3);
    const run = async (seed: number) => {
      const m = new BPRFMRecommender(X, { ...small, random_seed: seed, train_epochs: 5 });
      await m.fit({ threads: 2 });
      const out = new Float32Array(20 * 16);
      m.scoreUsers(
        Int32Array.from({ length: 20 }, (_, i) => i),
        out,
      );
      return Array.from(out);
    };
    const a = await run(1);
    expect(await run(1)).toEqual(a);
    expect(await run(2)).not.toEqual(a);
  });

  it('supports the per-epoch interface with snapshots and the learnt epoch count', async () => {
    const X = clusters(20, 16, 4);
    const model = new BPRFMRecommender(X, small);
    await model.startTraining();
    await model.runEpoch();
    const snap = model.snapshot();
    const out1 = new Float32Array(16);
    model.scoreUsers(Int32Array.from([3]), out1);
    await model.runEpoch();
    const out2 = new Float32Array(16);
    model.scoreUsers(Int32Array.from([3]), out2);
    expect(Array.from(out2)).not.toEqual(Array.from(out1));
    model.restoreSnapshot(snap);
    model.scoreUsers(Int32Array.from([3]), out2);
    expect(Array.from(out2)).toEqual(Array.from(out1));
    model.setTrainEpochs(1);
    await model.dispose();
    model.scoreUsers(Int32Array.from([3]), out2);
    expect(Array.from(out2)).toEqual(Array.from(out1));
    expect(model.learntConfig()).toEqual({ train_epochs: 1 });
    await expect(model.runEpoch()).rejects.toThrow(/startTraining/);
  });

  it('saves user/item embeddings and biases, and loads an identical scorer', async () => {
    const X = clusters(12, 10, 5);
    const model = new BPRFMRecommender(X, { ...small, n_components: 6, train_epochs: 3 });
    await model.fit();
    const saved = model.save();
    expect(saved.algorithm).toBe('BPRFMRecommender');
    expect(saved.arrays.user_embeddings.shape).toEqual([12, 6]);
    expect(saved.arrays.item_embeddings.shape).toEqual([10, 6]);
    expect(saved.arrays.item_biases.shape).toEqual([10]);
    expect(saved.params).toMatchObject({ loss: 'bpr', n_components: 6, fold_in: 'bpr_sgd' });
    const loaded = bprFmSpec.load(saved, X);
    const a = new Float32Array(12 * 10);
    const b = new Float32Array(12 * 10);
    const users = Int32Array.from({ length: 12 }, (_, i) => i);
    model.scoreUsers(users, a);
    loaded.scoreUsers(users, b);
    expect(Array.from(b)).toEqual(Array.from(a));
    // score = p_u·q_i + b_i
    const P = saved.arrays.user_embeddings.data as Float32Array;
    const Q = saved.arrays.item_embeddings.data as Float32Array;
    const B = saved.arrays.item_biases.data as Float32Array;
    let s = B[4];
    for (let t = 0; t < 6; t++) s += P[2 * 6 + t] * Q[4 * 6 + t];
    expect(a[2 * 10 + 4]).toBeCloseTo(s, 5);
    expect(() => bprFmSpec.load({ ...saved, arrays: { ...saved.arrays, item_biases: undefined as never } }, X)).toThrow(
      /item_biases/,
    );
  });

  it('rejects an unknown loss and exposes the spec search space', () => {
    const X = clusters(4, 4, 6);
    expect(() => new BPRFMRecommender(X, { loss: 'logistic' })).toThrow(TrainingError);
    expect(bprFmSpec.searchSpace.loss).toEqual({ kind: 'categorical', choices: ['bpr', 'warp'] });
    expect(bprFmSpec.defaults).toMatchObject({ n_components: 128, loss: 'bpr', train_epochs: 128 });
  });
});
