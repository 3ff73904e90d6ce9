/**
 * Known-user ranking of latent-factor models through the norm-ordered scan
 * (src/serve/scoring/norm-order.ts) against full scoring: the same items and the same scores, bit
 * for bit, with and without request filters, while scoring fewer rows than the catalogue holds.
 */
import { describe, expect, it } from 'vitest';
import { createRecommender, loadRecommender } from '../../src/algorithms/index.js';
import type { Recommender, SavedModel } from '../../src/algorithms/types.js';
import { type CsrMatrix, csrFromCoo } from '../../src/linalg/csr.js';
import { Rng } from '../../src/linalg/random.js';
import { wasmRuntime } from '../../src/linalg/wasm/runtime.js';
import { InlineExecutor } from '../../src/serve/scoring/executor.js';
import { NormOrderedItems } from '../../src/serve/scoring/norm-order.js';
import { RankScratch, rankKnownUsers, rankProfileJob } from '../../src/serve/scoring/rank.js';
import { SharedModel } from '../../src/serve/scoring/shared-model.js';

/** Interactions with a popularity skew, so item norms spread as in real data. */
function skewed(nUsers: number, nItems: number, perUser: number, seed: number): CsrMatrix {
  const rng = new Rng(seed);
  const rows: number[] = [];
  const cols: number[] = [];
  for (let u = 0; u < nUsers; u++) {
    const items = new Set<number>();
    while (items.size < perUser) items.add(Math.floor(nItems * rng.nextFloat() ** 4));
    for (const i of items) {
      rows.push(u);
      cols.push(i);
    }
  }
  return csrFromCoo(nUsers, nItems, rows, cols);
}

/** Reference: both rows of a pair scored by the model, training items and filters masked, sorted. */
function fullRanking(
  rec: Recommender,
  seen: CsrMatrix,
  user: number,
  limit: number,
  allowed?: Uint8Array,
  masked: number[] = [],
) {
  const n = rec.nItems;
  const out = new Float32Array(2 * n);
  rec.scoreUsers(Int32Array.of(user, user), out);
  const excluded = new Set([...seen.indices.subarray(seen.indptr[user], seen.indptr[user + 1]), ...masked]);
  const order = Array.from({ length: n }, (_, i) => i)
    .filter((i) => !excluded.has(i) && (!allowed || allowed[i] === 1))
    .sort((a, b) => out[b] - out[a] || a - b)
    .slice(0, limit);
  return { indices: order, scores: order.map((i) => out[i]) };
}

/**
 * A loaded IALS model with item norms that fall with the item index, as popularity makes them in
 * trained models (the trained models of these small random matrices spread their norms too little
 * to show the early stop).
 */
function savedModel(seen: CsrMatrix, k: number, seed: number): SavedModel {
  const rng = new Rng(seed);
  const users = Float32Array.from({ length: seen.rows * k }, () => rng.nextFloat() - 0.2);
  const items = new Float32Array(seen.cols * k);
  for (let i = 0; i < seen.cols; i++)
    for (let t = 0; t < k; t++) items[i * k + t] = (rng.nextFloat() - 0.2) / (1 + i / 20);
  return {
    algorithm: 'IALSRecommender',
    modelFormatVersion: 1,
    params: { n_components: k },
    arrays: {
      user_factors: { dtype: 'float32', shape: [seen.rows, k], data: users },
      item_factors: { dtype: 'float32', shape: [seen.cols, k], data: items },
    },
  };
}

const loadedModel = (seen: CsrMatrix, k: number, seed: number) => loadRecommender(savedModel(seen, k, seed), seen);

describe('norm-ordered scan for known users', () => {
  it('returns what full scoring returns, bit for bit, and scores fewer rows', () => {
    const seen = skewed(300, 700, 12, 1);
    const rec = loadedModel(seen, 16, 1);
    const ordered = NormOrderedItems.of(rec);
    expect(ordered).not.toBeNull();
    const users = Int32Array.from({ length: 300 }, (_, u) => u);
    const limits = Int32Array.from(users, (u) => [1, 10, 50, 700][u % 4]);
    const results = rankKnownUsers(rec, seen, users, limits, new RankScratch());
    for (const u of users) {
      const want = fullRanking(rec, seen, u, limits[u]);
      expect(Array.from(results[u].indices)).toEqual(want.indices);
      expect(Array.from(results[u].scores)).toEqual(want.scores);
    }
    // top-10 scans stop early
    const before = { scanned: ordered?.scanned ?? 0, scans: ordered?.scans ?? 0 };
    rankKnownUsers(rec, seen, users, new Int32Array(300).fill(10), new RankScratch());
    const perScan = ((ordered?.scanned ?? 0) - before.scanned) / ((ordered?.scans ?? 0) - before.scans);
    expect(perScan).toBeLessThan(0.5 * 700);
  });

  it('scores in full the limits whose scans were measured to score most rows, and re-measures now and then', () => {
    const seen = skewed(40, 700, 12, 7);
    const rec = loadedModel(seen, 16, 2);
    const ordered = NormOrderedItems.of(rec);
    if (ordered === null) throw new Error('expected the scan to apply');
    const scratch = new RankScratch();
    const want = fullRanking(rec, seen, 5, 600);
    const scansBefore = ordered.scans;
    for (let call = 0; call < 130; call++) {
      const [top] = rankKnownUsers(rec, seen, Int32Array.of(5), Int32Array.of(600), scratch);
      expect(Array.from(top.indices)).toEqual(want.indices);
      expect(Array.from(top.scores)).toEqual(want.scores);
    }
    // the first call measured a full scan; afterwards one call in 64 scans again
    expect(ordered.scans - scansBefore).toBe(3);
    // small limits keep scanning
    rankKnownUsers(rec, seen, Int32Array.of(5, 6), Int32Array.of(10, 10), scratch);
    expect(ordered.scans - scansBefore).toBe(5);
  });

  it('applies allowed and masked filters exactly as full scoring does', async () => {
    const seen = skewed(120, 400, 10, 2);
    const rec = createRecommender('IALSRecommender', seen, { n_components: 12, train_epochs: 3, random_seed: 5 });
    await rec.fit();
    expect(NormOrderedItems.of(rec)).not.toBeNull();
    const rng = new Rng(8);
    for (let u = 0; u < 120; u += 7) {
      const allowed = Uint8Array.from({ length: 400 }, () => (rng.nextFloat() < 0.3 ? 1 : 0));
      const masked = [0, 1, 2, 3, u];
      const got = rankProfileJob(rec, seen, {
        items: new Int32Array(0),
        weights: new Float32Array(0),
        user: u,
        limit: 15,
        allowed,
        masked: Int32Array.from(masked),
      });
      const want = fullRanking(rec, seen, u, 15, allowed, masked);
      expect(Array.from(got.indices)).toEqual(want.indices);
      expect(Array.from(got.scores)).toEqual(want.scores);
      // the mask is left clean for the next user
      const plain = rankKnownUsers(rec, seen, Int32Array.of(u), Int32Array.of(15), new RankScratch())[0];
      expect(Array.from(plain.indices)).toEqual(fullRanking(rec, seen, u, 15).indices);
    }
  });

  it('gives its kernel-heap blocks back when the model is detached', async () => {
    const seen = skewed(50, 300, 5, 6);
    const ids = (p: string, n: number) => Array.from({ length: n }, (_, i) => `${p}${i}`);
    const heap = wasmRuntime()?.heap;
    expect(heap).toBeDefined();
    const executor = new InlineExecutor();
    // warm this thread's output slots so only the ordering's own blocks are counted
    const warm = new SharedModel(savedModel(seen, 8, 1), seen, ids('u', 50), ids('i', 300));
    await executor.attach('warm', warm);
    await executor.rankKnownUsers('warm', warm, Int32Array.of(0, 1), Int32Array.of(10, 10));
    executor.detach('warm');
    const before = heap?.allocatedBytes ?? 0;
    for (let round = 0; round < 3; round++) {
      const model = new SharedModel(savedModel(seen, 8, round), seen, ids('u', 50), ids('i', 300));
      await executor.attach(`m${round}`, model);
      const [top] = await executor.rankKnownUsers(`m${round}`, model, Int32Array.of(3), Int32Array.of(5));
      expect(top.indices.length).toBe(5);
      expect(heap?.allocatedBytes).toBeGreaterThanOrEqual(before + 300 * 8 * 4);
      executor.detach(`m${round}`);
      expect(heap?.allocatedBytes).toBe(before);
    }
  });

  it('is not used where full scoring rounds differently or the bound does not hold', async () => {
    const tiny = skewed(20, 30, 3, 4);
    const small = createRecommender('IALSRecommender', tiny, { n_components: 4, train_epochs: 2 });
    await small.fit();
    // 2 × 30 items × 4 factors is below the kernel's threshold: full scoring runs in TypeScript
    expect(NormOrderedItems.of(small)).toBeNull();
    const pop = createRecommender('TopPopRecommender', tiny, {});
    await pop.fit();
    expect(NormOrderedItems.of(pop)).toBeNull();
  });
});
