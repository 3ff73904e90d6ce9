/** Scoring in worker threads over shared model memory (src/serve/scoring/pool.ts). */
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { buildServer } from '../../src/serve/index.js';
import { InlineExecutor } from '../../src/serve/scoring/executor.js';
import { ThreadPoolExecutor } from '../../src/serve/scoring/pool.js';
import { buildArtifact, TEST_KEY_RING, writeArtifactFile } from '../helpers/artifacts.js';
import { csvOnlyLookup, writeRecipe } from './helpers/recipes.js';
import { manualWatcher, tempDir } from './helpers/server.js';

let dir: string;
let cleanup: () => Promise<void>;
const apps: FastifyInstance[] = [];
const executors: { close(): Promise<void> }[] = [];

beforeEach(async () => {
  ({ dir, cleanup } = await tempDir());
});
afterEach(async () => {
  for (const a of apps.splice(0)) await a.close();
  for (const e of executors.splice(0)) await e.close();
  await cleanup();
});

const users = Array.from({ length: 40 }, (_, u) => `u${u}`);
// Enough items that every scoring call takes the kernel path (tiny products run in TypeScript).
const items = Array.from({ length: 600 }, (_, i) => `i${i}`);

async function fixture() {
  // k = 2 factors with varied signs so rankings differ per user.
  const bytes = buildArtifact({
    algorithm: 'IALSRecommender',
    userIds: users,
    itemIds: items,
    seen: users.map((_, u) => [u, (u * 7) % items.length] as [number, number]),
    userFactors: users.map((_, u) => [Math.cos(u), Math.sin(u)]),
    itemFactors: items.map((_, i) => [Math.sin(i * 1.3), Math.cos(i * 0.7)]),
    recipeName: 'm',
  });
  await writeArtifactFile(join(dir, 'm.recotem'), bytes);
  await writeRecipe(dir, 'm.yaml', 'm', { artifactPath: join(dir, 'm.recotem') });
}

async function server(executor: InlineExecutor | ThreadPoolExecutor) {
  executors.push(executor);
  const app = await buildServer({
    recipesDir: dir,
    keyRing: TEST_KEY_RING,
    sourceRegistry: csvOnlyLookup,
    decodeMode: 'inline',
    executor,
  });
  apps.push(app);
  return app;
}

const post = (app: FastifyInstance, verb: string, body: unknown) =>
  app.inject({
    method: 'POST',
    url: `/v1/recipes/m:${verb}`,
    headers: { 'content-type': 'application/json' },
    payload: JSON.stringify(body),
  });

describe('ThreadPoolExecutor', () => {
  it('gives exactly the inline results for every verb, with batches split across threads', async () => {
    await fixture();
    const inline = await server(new InlineExecutor());
    const pooled = await server(new ThreadPoolExecutor(2, 0));
    const cases: [string, unknown][] = [
      ['recommend', { user_id: 'u3', limit: 5 }],
      ['recommend-related', { seed_items: ['i1', 'i4', 'i4'], limit: 7 }],
      ['batch-recommend', { requests: users.map((user_id, j) => ({ user_id, limit: 1 + (j % 9) })) }],
      ['batch-recommend-related', { requests: items.slice(0, 20).map((i) => ({ seed_items: [i], limit: 3 })) }],
    ];
    for (const [verb, body] of cases) {
      const a = await post(inline, verb, body);
      const b = await post(pooled, verb, body);
      expect(b.statusCode).toBe(200);
      // Identical, scores included: splitting a batch across threads never changes a user's scores.
      const strip = (r: typeof a) => ({ ...r.json(), request_id: undefined });
      expect(strip(b)).toEqual(strip(a));
    }
  });

  it('small jobs stay on the event loop below the threshold and give the same answers', async () => {
    await fixture();
    const hybrid = await server(new ThreadPoolExecutor(1));
    const inline = await server(new InlineExecutor());
    const body = { user_id: 'u5', limit: 4 };
    expect((await post(hybrid, 'recommend', body)).json().items).toEqual(
      (await post(inline, 'recommend', body)).json().items,
    );
  });

  it('a job started before a hot-swap finishes on the model it started with', async () => {
    await fixture();
    const pool = new ThreadPoolExecutor(2, 0);
    const app = await server(pool);
    const watcher = await manualWatcher(app);
    const inflight = post(app, 'batch-recommend', { requests: users.map((user_id) => ({ user_id, limit: 30 })) });
    await writeArtifactFile(
      join(dir, 'm.recotem'),
      buildArtifact({ algorithm: 'IALSRecommender', userIds: users, itemIds: items, recipeName: 'm' }),
    );
    await watcher.cycle();
    const r = await inflight;
    expect(r.statusCode).toBe(200);
    expect(r.json().results.every((e: { status: string }) => e.status === 'ok')).toBe(true);
    const after = await post(app, 'recommend', { user_id: 'u1', limit: 1 });
    expect(after.json().model_version).not.toBe(r.json().model_version);
  });

  it('a scoring thread that dies is replaced and gets the models again', async () => {
    await fixture();
    const pool = new ThreadPoolExecutor(1, 0);
    const app = await server(pool);
    const before = await post(app, 'recommend', { user_id: 'u2', limit: 3 });
    const slots = (pool as unknown as { slots: { worker: { terminate(): Promise<number> } }[] }).slots;
    await slots[0].worker.terminate();
    let after = await post(app, 'recommend', { user_id: 'u2', limit: 3 });
    for (let i = 0; i < 50 && after.statusCode !== 200; i++) {
      await new Promise((r) => setTimeout(r, 50));
      after = await post(app, 'recommend', { user_id: 'u2', limit: 3 });
    }
    expect(after.statusCode).toBe(200);
    expect(after.json().items).toEqual(before.json().items);
  });
});
