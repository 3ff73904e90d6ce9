/** Coalescing concurrent single-user requests never changes what a request gets. */
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { buildServer } from '../../src/serve/index.js';
import { SingleUserCoalescer } from '../../src/serve/scoring/coalesce.js';
import type { ServingModel } from '../../src/serve/scoring/model.js';
import { buildArtifact, TEST_KEY_RING, writeArtifactFile } from '../helpers/artifacts.js';
import { csvOnlyLookup, writeRecipe } from './helpers/recipes.js';
import { tempDir } from './helpers/server.js';

describe('SingleUserCoalescer', () => {
  it('groups requests of one turn per model, keeps each answer with its request, spreads failures', async () => {
    const calls: { key: string; users: number[] }[] = [];
    const c = new SingleUserCoalescer(async (key, _model, users, limits) => {
      calls.push({ key, users: [...users] });
      if (key === 'bad') throw new Error('boom');
      return [...users].map((u, j) => ({ indices: Int32Array.of(u), scores: Float32Array.of(limits[j]) }));
    });
    const model = {} as ServingModel;
    const a = c.rank('m', model, 1, 10);
    const b = c.rank('m', model, 2, 20);
    const other = c.rank('n', model, 3, 30);
    const bad = c.rank('bad', model, 4, 40);
    expect((await a).indices[0]).toBe(1);
    expect((await b).scores[0]).toBe(20);
    expect((await other).indices[0]).toBe(3);
    await expect(bad).rejects.toThrow('boom');
    expect(calls).toEqual([
      { key: 'm', users: [1, 2] },
      { key: 'n', users: [3] },
      { key: 'bad', users: [4] },
    ]);
    // A later turn starts a new group.
    await c.rank('m', model, 5, 1);
    expect(calls.at(-1)).toEqual({ key: 'm', users: [5] });
  });
});

describe('coalesced requests over a real model', () => {
  let dir: string;
  let cleanup: () => Promise<void>;
  let app: FastifyInstance | undefined;
  beforeEach(async () => {
    ({ dir, cleanup } = await tempDir());
  });
  afterEach(async () => {
    await app?.close();
    await cleanup();
  });

  it('answer exactly like requests served one at a time', async () => {
    const users = Array.from({ length: 9 }, (_, u) => `u${u}`);
    // Enough items that every call, single or coalesced, takes the kernel path (tiny products run in TypeScript).
    const items = Array.from({ length: 600 }, (_, i) => `i${i}`);
    await writeArtifactFile(
      join(dir, 'm.recotem'),
      buildArtifact({
        algorithm: 'IALSRecommender',
        userIds: users,
        itemIds: items,
        seen: [[0, 1]],
        userFactors: users.map((_, u) => [Math.cos(u + 0.1), Math.sin(u * 0.7), 0.3, -0.2, 0.11]),
        itemFactors: items.map((_, i) => [Math.sin(i * 0.37), Math.cos(i * 0.91), 0.01 * i, Math.sin(i), 0.5]),
      }),
    );
    await writeRecipe(dir, 'm.yaml', 'm', { artifactPath: join(dir, 'm.recotem') });
    app = await buildServer({
      recipesDir: dir,
      keyRing: TEST_KEY_RING,
      sourceRegistry: csvOnlyLookup,
      decodeMode: 'inline',
      settings: { workers: { kind: 'inline' } },
    });
    const ask = (user: string) =>
      app!.inject({
        method: 'POST',
        url: '/v1/recipes/m:recommend',
        headers: { 'content-type': 'application/json' },
        payload: JSON.stringify({ user_id: user, limit: 20 }),
      });
    const alone: unknown[] = [];
    for (const u of users) alone.push((await ask(u)).json().items);
    const together = await Promise.all(users.map((u) => ask(u)));
    expect(together.map((r) => r.json().items)).toEqual(alone);
  });
});
