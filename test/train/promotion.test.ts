import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { createRecommender, MODEL_FORMATS } from '../../src/algorithms/index.js';
import { type ByteStore, openArtifact, readArtifactBytes } from '../../src/artifact/index.js';
import { parseSigningKeyRing } from '../../src/config/index.js';
import type { Interactions } from '../../src/data/cleanse.js';
import { getSourceRegistry } from '../../src/data/sources/registry.js';
import { exitCodeFor, PromotionRefusedError } from '../../src/errors/index.js';
import { csrFromCoo } from '../../src/linalg/csr.js';
import { captureLogs, getLogger } from '../../src/log/index.js';
import { loadRecipe } from '../../src/recipe/index.js';
import { runTraining } from '../../src/train/index.js';
import {
  drawHoldout,
  HOLDOUT_ARRAY,
  holdoutScore,
  readPublishedModel,
  withoutHoldout,
} from '../../src/train/promotion.js';
import { buildArtifact, TEST_KEY_RING } from '../helpers/artifacts.js';
import { makeTrainWorkspace, type TrainWorkspace } from '../helpers/train-fixtures.js';

function interactions(pairs: [string, string, number][]): Interactions {
  const userIds = [...new Set(pairs.map((p) => p[0]))].sort();
  const itemIds = [...new Set(pairs.map((p) => p[1]))].sort();
  return {
    nRows: pairs.length,
    userIds,
    itemIds,
    userIndex: Int32Array.from(pairs, (p) => userIds.indexOf(p[0])),
    itemIndex: Int32Array.from(pairs, (p) => itemIds.indexOf(p[1])),
    timeMs: Float64Array.from(pairs, (p) => p[2]),
    stats: {
      n_rows: pairs.length,
      n_users: userIds.length,
      n_items: itemIds.length,
      drop_count: 0,
      dedup_policy: 'keep_last',
    },
  };
}

describe('frozen holdout', () => {
  const pairs: [string, string, number][] = [];
  for (let u = 0; u < 40; u++) for (let i = 0; i < 6; i++) pairs.push([`u${u}`, `i${(u + i) % 10}`, u * 10 + i]);
  const data = interactions(pairs);

  it('draws a seeded sample of users and their most recent items, never all of a user', () => {
    const a = drawHoldout(data, 0.34, 7);
    expect(a).toEqual(drawHoldout(data, 0.34, 7));
    expect(a.users).toHaveLength(4);
    expect(drawHoldout(data, 0.34, 8).users).not.toEqual(a.users);
    for (let k = 0; k < a.users.length; k++) {
      const u = Number(a.users[k].slice(1));
      // times grow with i, so the newest two items of user u are (u+5)%10 and (u+4)%10
      expect(a.items[k]).toEqual([`i${(u + 5) % 10}`, `i${(u + 4) % 10}`]);
    }
  });

  it('removes exactly the held-out pairs and rebuilds the id tables', () => {
    const h = { version: 1 as const, users: ['u0'], items: [['i0', 'i1', 'i2', 'i3', 'i4', 'i5']] };
    const out = withoutHoldout(data, h);
    expect(out.nRows).toBe(pairs.length - 6);
    expect(out.userIds).not.toContain('u0');
    expect(out.userIds).toHaveLength(39);
    for (let r = 0; r < out.nRows; r++) {
      expect(out.userIds[out.userIndex[r]]).not.toBe('u0');
      expect(out.itemIds[out.itemIndex[r]]).toMatch(/^i\d$/);
    }
  });

  it('scores a model on the holdout with the evaluator definitions', async () => {
    // Two users; item b is the most popular unseen item for both.
    const userIds = ['x', 'y'];
    const itemIds = ['a', 'b', 'c'];
    const seen = csrFromCoo(2, 3, [0, 1], [0, 2]);
    const popular = csrFromCoo(4, 3, [0, 1, 2, 3, 3], [1, 1, 1, 0, 2]);
    const model = createRecommender('TopPopRecommender', popular, {});
    await model.fit();
    const h = { version: 1 as const, users: ['x', 'y', 'ghost'], items: [['b'], ['a'], ['b']] };
    // x: ranking [b, c] → hit at rank 1 → nDCG 1; y: ranking [b, a] → hit at rank 2 → 1/log2(3); ghost: unknown → 0
    const ndcg = holdoutScore({ model, userIds, itemIds, seen }, h, 'ndcg', 2);
    expect(ndcg).toBeCloseTo((1 + 1 / Math.log2(3)) / 3, 10);
    expect(holdoutScore({ model, userIds, itemIds, seen }, h, 'hit', 1)).toBeCloseTo(1 / 3, 10); // An unknown metric is refused, not silently scored as nDCG.
    expect(() => holdoutScore({ model, userIds, itemIds, seen }, h, 'auc', 2)).toThrow(/metric must be one of/);
  });
});

describe('the published model', () => {
  it('is read from an object store through the stores the caller passes', async () => {
    const bytes = buildArtifact({ recipeName: 'shop' });
    const uri = 's3://models/shop.recotem';
    const store: ByteStore = {
      readBounded: async (u, cap) => {
        if (u !== uri) throw Object.assign(new Error('missing'), { kind: 'not_found' });
        return bytes.subarray(0, cap + 1);
      },
      writeAtomic: async () => {},
      stat: async () => ({ size: bytes.length, mtimeMs: 0 }),
    };
    const log = getLogger('test.promotion');
    const published = await readPublishedModel(uri, TEST_KEY_RING, log, (scheme) =>
      scheme === 's3' ? store : undefined,
    );
    expect(published?.userIds.length).toBeGreaterThan(0);
    expect(published?.modelVersion).toMatch(/^[0-9a-f]{64}$/);
    // Without stores an object-store URI cannot be read: the gate treats it as no published model.
    expect(await readPublishedModel(uri, TEST_KEY_RING, log)).toBeNull();
  });
});

describe('promotion gate in recotem train', () => {
  let ws: TrainWorkspace | undefined;
  let template = '';
  afterEach(() => {
    if (ws) rmSync(ws.dir, { recursive: true, force: true });
  });

  async function train(algorithms: string, gate: string) {
    template ||= readFileSync((ws as TrainWorkspace).recipePath, 'utf8');
    const recipeText = template
      .replace(/algorithms: \[.*\]/, `algorithms: [${algorithms}]`)
      .replace(/versioning: .*/, `versioning: append_sha\n  promotion_gate: ${gate}`);
    writeFileSync((ws as TrainWorkspace).recipePath, recipeText);
    const registry = await getSourceRegistry();
    const recipe = await loadRecipe((ws as TrainWorkspace).recipePath, { registry, env: (ws as TrainWorkspace).env });
    return runTraining({
      recipe,
      registry,
      env: (ws as TrainWorkspace).env,
      quiet: true,
      interactive: false,
      lock: false,
    });
  }

  it('publishes with a frozen holdout, then refuses a clearly worse model and keeps the published one', async () => {
    ws = makeTrainWorkspace({
      training: `  algorithms: [CosineKNN]
  n_trials: 2
  cutoff: 5
  split: {heldout_ratio: 0.25, seed: 1}`,
    });
    const logs = captureLogs();
    try {
      const first = await train('CosineKNN', '{max_regression: 0.05, compare_to_toppop: true}');
      expect(first.status).toBe('trained');
      expect(logs.events('promotion_holdout_ready')[0]).toMatchObject({ created: true });
      const keyRing = parseSigningKeyRing(ws.env.RECOTEM_SIGNING_KEYS as string);
      const published = openArtifact((await readArtifactBytes(ws.outputPath)).bytes, {
        keyRing,
        models: MODEL_FORMATS,
      });
      expect(published.payload.arrays[HOLDOUT_ARRAY]?.dtype).toBe('uint8');
      const promo = published.header.promotion as Record<string, number>;
      expect(promo.candidate).toBeGreaterThan(promo.toppop);

      // Same data, same good algorithm: compared with the published model on the same holdout, passes.
      const second = await train('CosineKNN', '{max_regression: 0.05, compare_to_toppop: true}');
      expect(second.status).toBe('trained');
      expect(logs.events('promotion_holdout_ready')[1]).toMatchObject({ created: false });
      const passed = logs.events('promotion_gate_passed')[1];
      expect(passed.published).toBeCloseTo(passed.candidate as number, 6);

      const pointerBefore = readFileSync(ws.outputPath, 'utf8');
      const err = await train('TopPop', '{max_regression: 0.05, compare_to_toppop: false}').catch((e) => e);
      expect(err).toBeInstanceOf(PromotionRefusedError);
      expect(exitCodeFor(err)).toBe(9);
      expect(String(err.message)).toContain('below the published model');
      expect(readFileSync(ws.outputPath, 'utf8')).toBe(pointerBefore);
      expect(logs.events('promotion_refused')).toHaveLength(1);
      expect(logs.events('train_error').at(-1)).toMatchObject({ code: 'promotion_refused', exit_code: 9 });
    } finally {
      logs.stop();
    }
  });
});
