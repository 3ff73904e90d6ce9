import { afterAll, describe, expect, it } from 'vitest';
import { Evaluator, validateCutoff } from '../../src/algorithms/evaluator.js';
import { topKIndices } from '../../src/algorithms/metrics.js';
import { RP3betaRecommender } from '../../src/algorithms/rp3beta.js';
import type { Recommender, SavedModel } from '../../src/algorithms/types.js';
import { TrainingError } from '../../src/errors/index.js';
import { type CsrMatrix, csrFromCoo } from '../../src/linalg/csr.js';
import { closePools } from '../../src/linalg/pool.js';
import { recsysKernels } from '../../src/linalg/recsys-kernels.js';
import { releaseShared, sharedF32, sharedF64, sharedI32 } from '../../src/linalg/resident.js';
import { wasmRuntime } from '../../src/linalg/wasm/runtime.js';
import { randomCounts, rng, toDense } from './helpers.js';

/** A model that returns fixed scores per user row. */
function fixedModel(scores: number[][], trainMatrix?: CsrMatrix): Recommender {
  const nItems = scores[0].length;
  return {
    className: 'TopPopRecommender',
    nUsers: scores.length,
    nItems,
    trainMatrix,
    async fit() {},
    scoreUsers(users: Int32Array, out: Float32Array) {
      users.forEach((u, r) => {
        out.set(scores[u], r * nItems);
      });
    },
    scoreHistory() {
      return new Float32Array(nItems);
    },
    learntConfig: () => ({}),
    save: () => ({}) as SavedModel,
  };
}

const log2 = Math.log2;

describe('Evaluator metrics on hand-made rankings', () => {
  it('masks training items, breaks ties by lower index, truncates IDCG at k, divides MAP and recall by |G|', async () => {
    const train = csrFromCoo(1, 5, [0], [0]);
    const gt = csrFromCoo(1, 5, [0, 0], [2, 3]);
    const model = fixedModel([[0.9, 0.8, 0.8, 0.1, 0.5]], train);
    // Ranking: 1, 2 (tie with 1 → lower index first), 4, 3, 0 (masked).
    const r = await new Evaluator(gt, { cutoff: 3 }).evaluate(model);
    expect(r.hit).toBe(1);
    expect(r.recall).toBeCloseTo(1 / 2, 12);
    expect(r.precision).toBeCloseTo(1 / 3, 12);
    expect(r.ndcg).toBeCloseTo(1 / log2(3) / (1 + 1 / log2(3)), 12);
    expect(r.map).toBeCloseTo(1 / 2 / 2, 12);
    expect(r.nUsersEvaluated).toBe(1);
  });

  it('does not cap recall at k and uses |G| for MAP even when |G| > k', async () => {
    const train = csrFromCoo(1, 6, [], []);
    const gt = csrFromCoo(1, 6, [0, 0, 0, 0], [0, 1, 2, 5]);
    const model = fixedModel([[6, 5, 1, 4, 3, 2]], train);
    // Top-2 = items 0, 1: both relevant.
    const r = await new Evaluator(gt, { cutoff: 2, metric: 'MAP' }).evaluate(model);
    expect(r.recall).toBeCloseTo(2 / 4, 12);
    expect(r.map).toBeCloseTo((1 + 1) / 4, 12);
    expect(r.ndcg).toBeCloseTo(1, 12);
    expect(await new Evaluator(gt, { cutoff: 2, metric: 'MAP' }).targetScore(model)).toBeCloseTo(0.5, 12);
  });

  it('skips users with an empty ground truth and applies the offset', async () => {
    const train = csrFromCoo(3, 4, [1, 2], [0, 0]);
    // Ground-truth rows 0 and 1 map to model users 1 and 2; row 0 is empty.
    const gt = csrFromCoo(2, 4, [1], [3]);
    const model = fixedModel(
      [
        [9, 9, 9, 9],
        [1, 2, 3, 4],
        [4, 3, 2, 1],
      ],
      train,
    );
    const r = await new Evaluator(gt, { offset: 1, cutoff: 1 }).evaluate(model);
    expect(r.nUsersEvaluated).toBe(1);
    expect(r.nUsersTotal).toBe(2);
    // User 2 ranks item 0 first but it is masked → item 1 first, not relevant.
    expect(r.hit).toBe(0);
    const r2 = await new Evaluator(csrFromCoo(2, 4, [0], [3]), { offset: 1, cutoff: 1 }).evaluate(model);
    expect(r2.hit).toBe(1);
  });

  it('lets masked items fill the tail when fewer than k items are unmasked', async () => {
    const train = csrFromCoo(1, 3, [0, 0], [0, 2]);
    const gt = csrFromCoo(1, 3, [0], [2]);
    const model = fixedModel([[5, 1, 7]], train);
    // Ranking: 1, then masked 0 and 2 by index → item 2 at rank 3.
    const r = await new Evaluator(gt, { cutoff: 3 }).evaluate(model);
    expect(r.ndcg).toBeCloseTo(1 / log2(4), 12);
    expect(r.map).toBeCloseTo(1 / 3, 12);
  });

  it('returns 0 for every metric when no user has ground truth', async () => {
    const model = fixedModel([[1, 2]], csrFromCoo(1, 2, [], []));
    const r = await new Evaluator(csrFromCoo(1, 2, [], []), { cutoff: 1 }).evaluate(model);
    expect(r).toMatchObject({ ndcg: 0, map: 0, recall: 0, hit: 0, nUsersEvaluated: 0 });
  });
});

describe('Evaluator against a naive full sort', () => {
  it('agrees on random scores with many ties for every batch size', async () => {
    const U = 37;
    const I = 23;
    const r = rng(99);
    const scores = Array.from({ length: U }, () => Array.from({ length: I }, () => Math.floor(r() * 6) / 2));
    const train = randomCounts(U, I, 0.2, 1);
    const gt = randomCounts(U, I, 0.15, 2);
    const Tr = toDense(train);
    const G = toDense(gt);
    const k = 5;
    let n = 0;
    const sum = { ndcg: 0, map: 0, recall: 0, hit: 0, precision: 0 };
    for (let u = 0; u < U; u++) {
      const rel = new Set(G[u].flatMap((v, i) => (v !== 0 ? [i] : [])));
      if (rel.size === 0) continue;
      n++;
      const s = scores[u].map((v, i) => (Tr[u][i] !== 0 ? Number.NEGATIVE_INFINITY : v));
      const order = s.map((v, i) => [v, i] as const).sort((a, b) => (a[0] === b[0] ? a[1] - b[1] : b[0] - a[0]));
      const top = order.slice(0, k).map(([, i]) => i);
      let hits = 0;
      let dcg = 0;
      let ap = 0;
      top.forEach((i, rank) => {
        if (rel.has(i)) {
          hits++;
          dcg += 1 / log2(rank + 2);
          ap += hits / (rank + 1);
        }
      });
      let idcg = 0;
      for (let i = 0; i < Math.min(rel.size, k); i++) idcg += 1 / log2(i + 2);
      sum.ndcg += dcg / idcg;
      sum.map += ap / rel.size;
      sum.recall += hits / rel.size;
      sum.hit += hits > 0 ? 1 : 0;
      sum.precision += hits / k;
    }
    for (const batchSize of [1, 4, 100]) {
      const res = await new Evaluator(gt, { cutoff: k, batchSize }).evaluate(fixedModel(scores, train));
      expect(res.nUsersEvaluated).toBe(n);
      for (const key of ['ndcg', 'map', 'recall', 'hit', 'precision'] as const) {
        expect(res[key]).toBeCloseTo(sum[key] / n, 12);
      }
    }
  });

  it('the SIMD top-k kernel agrees with its TypeScript twin, ties, NaN and −∞ included', () => {
    const rt = wasmRuntime();
    expect(rt).not.toBeNull();
    const kernel = recsysKernels(rt!.memory)!;
    expect(kernel).not.toBeNull();
    const r = rng(17);
    for (const [n, k] of [
      [1, 1],
      [7, 7],
      [9, 3],
      [103, 10],
      [1000, 10],
      [1001, 50],
    ]) {
      const scores = sharedF32(n);
      for (let i = 0; i < n; i++) {
        const x = r();
        scores[i] = x < 0.05 ? Number.NaN : x < 0.1 ? Number.NEGATIVE_INFINITY : Math.floor(x * 20);
      }
      const idx = sharedI32(k);
      const vals = sharedF64(k);
      kernel.topk_f32(scores.byteOffset, n, k, idx.byteOffset, vals.byteOffset);
      const ref = new Int32Array(k);
      topKIndices(scores, 0, n, k, ref, new Float64Array(k));
      expect(Array.from(idx), `n=${n} k=${k}`).toEqual(Array.from(ref));
      for (const a of [scores, idx, vals]) releaseShared(a);
    }
  });

  it('topKIndices orders by score, then index, with NaN and −∞ last', () => {
    const s = Float32Array.from([Number.NaN, 2, Number.NEGATIVE_INFINITY, 2, 3, Number.NaN, 1]);
    const idx = new Int32Array(7);
    topKIndices(s, 0, 7, 7, idx, new Float64Array(7));
    expect(Array.from(idx)).toEqual([4, 1, 3, 6, 0, 2, 5]);
    const idx3 = new Int32Array(3);
    topKIndices(s, 0, 7, 3, idx3, new Float64Array(3));
    expect(Array.from(idx3)).toEqual([4, 1, 3]);
  });
});

describe('Evaluator on worker threads', () => {
  afterAll(closePools);

  it('gives the single-thread metrics when batches are ranked by two workers', async () => {
    const U = 1000;
    const I = 2500;
    const train = randomCounts(U, I, 0.01, 31);
    const gt = randomCounts(U, I, 0.004, 32);
    // Hashed scores in 50 levels: plenty of ties across the catalogue.
    const model: Recommender = {
      ...fixedModel([[0]], train),
      nUsers: U,
      nItems: I,
      scoreUsers(users: Int32Array, out: Float32Array) {
        users.forEach((u, r) => {
          for (let i = 0; i < I; i++) out[r * I + i] = (Math.imul(u * 7919 + i, 2654435761) >>> 0) % 50;
        });
      },
    };
    const one = await new Evaluator(gt, { cutoff: 10, threads: 1 }).evaluate(model);
    const two = await new Evaluator(gt, { cutoff: 10, threads: 2, batchSize: 300 }).evaluate(model);
    expect(one.nUsersEvaluated).toBeGreaterThan(900);
    expect(two.nUsersEvaluated).toBe(one.nUsersEvaluated);
    for (const key of ['ndcg', 'map', 'recall', 'hit', 'precision'] as const)
      expect(two[key]).toBeCloseTo(one[key], 12);
    expect(one.hit).toBeGreaterThan(0);
  });

  it('scores a sparse item-item model on the workers with the metrics of its scoreUsers path', async () => {
    const U = 1200;
    const I = 2000;
    const train = randomCounts(U, I, 0.02, 41);
    const gt = randomCounts(U, I, 0.005, 42);
    const model = new RP3betaRecommender(train, { top_k: 40, beta: 0.3 });
    await model.fit({ threads: 2 });
    expect(model.sparseItemWeights()?.indices.buffer).toBeInstanceOf(SharedArrayBuffer);
    // The same model without the accessor goes through scoreUsers on the calling thread.
    const plain: Recommender = {
      className: model.className,
      nUsers: model.nUsers,
      nItems: model.nItems,
      trainMatrix: train,
      fit: async () => {},
      scoreUsers: (users, out) => model.scoreUsers(users, out),
      scoreHistory: (items) => model.scoreHistory(items),
      learntConfig: () => ({}),
      save: () => model.save(),
    };
    const viaWorkers = await new Evaluator(gt, { cutoff: 10, threads: 2 }).evaluate(model);
    const viaScoreUsers = await new Evaluator(gt, { cutoff: 10, threads: 2 }).evaluate(plain);
    expect(viaWorkers.nUsersEvaluated).toBeGreaterThan(1000);
    expect(viaWorkers.nUsersEvaluated).toBe(viaScoreUsers.nUsersEvaluated);
    expect(viaWorkers.hit).toBeGreaterThan(0);
    for (const key of ['ndcg', 'map', 'recall', 'hit', 'precision'] as const)
      expect(viaWorkers[key]).toBeCloseTo(viaScoreUsers[key], 12);
  });
});

describe('Evaluator validation', () => {
  const gt = csrFromCoo(1, 4, [0], [1]);

  it('rejects a cutoff above the number of items with a TrainingError', () => {
    expect(() => new Evaluator(gt, { cutoff: 5 })).toThrow(TrainingError);
    expect(() => validateCutoff(5, 4)).toThrow(/cutoff must not exceed the number of items/);
    expect(() => validateCutoff(0, 4)).toThrow(TrainingError);
    expect(() => validateCutoff(4, 4)).not.toThrow();
  });

  it('rejects an unknown metric with code invalid_metric', () => {
    try {
      new Evaluator(gt, { metric: 'auc' });
      expect.unreachable();
    } catch (e) {
      expect((e as TrainingError).code).toBe('invalid_metric');
    }
  });

  it('needs a mask when the model does not expose its training matrix', async () => {
    const model = fixedModel([[1, 2, 3, 4]]);
    await expect(new Evaluator(gt, { cutoff: 2 }).evaluate(model)).rejects.toThrow(/mask/);
    const r = await new Evaluator(gt, { cutoff: 2, mask: csrFromCoo(1, 4, [0], [3]) }).evaluate(model);
    // Item 3 masked → ranking 2, 1 → item 1 at rank 2.
    expect(r.ndcg).toBeCloseTo(1 / log2(3), 12);
  });

  it('rejects ground truth that does not fit the model', async () => {
    const model = fixedModel([[1, 2, 3]], csrFromCoo(1, 3, [], []));
    await expect(new Evaluator(gt, { cutoff: 2 }).evaluate(model)).rejects.toThrow(TrainingError);
  });
});
