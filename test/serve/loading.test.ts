/** Startup loading from a recipes directory with real signed artifacts. */
import { createHash } from 'node:crypto';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { captureLogs } from '../../src/log/index.js';
import { transferableView } from '../../src/serve/loading/decode-client.js';
import { buildArtifact, OTHER_KEY_RING, writeArtifactFile } from '../helpers/artifacts.js';
import { writeRecipe } from './helpers/recipes.js';
import { details, recommend, serverOver, tempDir } from './helpers/server.js';

let dir: string;
let cleanup: () => Promise<void>;
let app: FastifyInstance | undefined;

beforeEach(async () => {
  ({ dir, cleanup } = await tempDir());
});
afterEach(async () => {
  await app?.close();
  app = undefined;
  await cleanup();
});

const sha = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');

describe('startup', () => {
  it('loads good recipes, stubs every failure with a sanitised reason, reports health', async () => {
    const good = buildArtifact({ recipeName: 'good' });
    await writeArtifactFile(join(dir, 'good.recotem'), good);
    await writeRecipe(dir, 'a-good.yaml', 'good', { artifactPath: join(dir, 'good.recotem') });

    const pointed = buildArtifact({ algorithm: 'IALSRecommender', recipeName: 'pointed' });
    await writeArtifactFile(join(dir, 'pointed.recotem'), pointed, { tag: 'abcd1234' });
    await writeRecipe(dir, 'b-pointed.yaml', 'pointed', { artifactPath: join(dir, 'pointed.recotem') });

    await writeArtifactFile(join(dir, 'forged.recotem'), buildArtifact({ keyRing: OTHER_KEY_RING }));
    await writeRecipe(dir, 'c-forged.yaml', 'forged', { artifactPath: join(dir, 'forged.recotem') });

    await writeRecipe(dir, 'd-missing.yaml', 'missing', { artifactPath: join(dir, 'nope.recotem') });
    await writeRecipe(dir, 'e-remote.yaml', 'remote', { artifactPath: 's3://secret-bucket/path/model.recotem' });
    await writeFile(join(dir, 'f-broken.yaml'), 'name: [unclosed\n');
    await writeFile(join(dir, 'ignored.yml'), 'name: ignored\n');

    const logs = captureLogs();
    try {
      app = await serverOver(dir);
      const health = await app.inject({ method: 'GET', url: '/v1/health' });
      expect(health.statusCode).toBe(503);
      expect(health.json()).toEqual({ status: 'degraded', total: 6, loaded: 2 });

      const d = await details(app);
      expect(d.status).toBe('degraded');
      expect(d.recipes.good).toEqual({
        loaded: true,
        trained_at: '2026-05-07T01:23:45Z',
        best_class: 'TopPopRecommender',
        kid: 'test-kid',
      });
      expect(d.recipes.pointed.loaded).toBe(true);
      expect(d.recipes.forged.loaded).toBe(false);
      expect(d.recipes.forged.error).toMatch(/^HMAC verify failed: artifact signed with unknown kid 'other-kid'/);
      expect(d.recipes.missing.error).toMatch(/^read failed: /);
      expect(d.recipes.missing.error).not.toContain(dir);
      expect(d.recipes.remote.error).toMatch(/^read failed: /);
      expect(d.recipes.remote.error).not.toContain('secret-bucket');
      expect(d.recipes['f-broken']).toEqual({ loaded: false, error: expect.stringMatching(/^YAML parse failed: /) });
      for (const r of Object.values(d.recipes)) expect((r.error ?? '').length).toBeLessThanOrEqual(200);

      const r = await recommend(app, 'good', 'u1');
      expect(r.statusCode).toBe(200);
      expect(r.json().model_version).toBe(`sha256:${sha(good)}`);
      expect(r.json().items.map((i: { item_id: string }) => i.item_id)).toEqual(['i2', 'i3', 'i4']);
      // The pointer's model version is the digest of the resolved target, not of the pointer file.
      const p = await recommend(app, 'pointed', 'u2', 2);
      expect(p.headers['x-recotem-model-version']).toBe(`sha256:${sha(pointed)}`);
      expect(p.json().items).toEqual([
        { item_id: 'i3', score: 3 },
        { item_id: 'i4', score: 2 },
      ]);
      expect((await recommend(app, 'forged', 'u1')).statusCode).toBe(503);

      expect(logs.events('initial_artifact_hmac_failed')).toEqual([
        expect.objectContaining({ name: 'forged', level: 'error' }),
      ]);
      expect(logs.events('recipe_yaml_parse_failed_at_startup')[0]).toMatchObject({ name: 'f-broken' });
      expect(logs.events('startup_artifact_load_complete')[0]).toMatchObject({
        total_recipes: 6,
        succeeded: 2,
        failed: 4,
        max_workers: 5,
      });
      expect(
        logs
          .events('recipe_loaded')
          .filter((e) => e.logger === 'recotem.serve.loader')
          .map((e) => e.name)
          .sort(),
      ).toEqual(['good', 'pointed']);
      const metrics = await app.recotem.metrics.exposition();
      expect(metrics).toContain('recotem_artifact_load_failures_total{recipe="forged",reason="hmac"} 1');
      expect(metrics).toContain('recotem_artifact_load_failures_total{recipe="f-broken",reason="yaml"} 1');
      expect(metrics).toContain('recotem_model_loaded{recipe="good"} 1');
      expect(metrics).toContain('recotem_model_loaded{recipe="forged"} 0');
      expect(metrics).toContain('recotem_active_recipes 2');
    } finally {
      logs.stop();
    }
  });

  it('decodes in a worker thread by default and serves the same model', async () => {
    const bytes = buildArtifact({ algorithm: 'IALSRecommender', recipeName: 'm' });
    await writeArtifactFile(join(dir, 'm.recotem'), bytes);
    await writeRecipe(dir, 'm.yaml', 'm', { artifactPath: join(dir, 'm.recotem') });
    app = await serverOver(dir, { decodeMode: 'thread' });
    const r = await recommend(app, 'm', 'u3', 2);
    expect(r.statusCode).toBe(200);
    expect(r.json()).toMatchObject({
      model_version: `sha256:${sha(bytes)}`,
      items: [
        { item_id: 'i1', score: 5 },
        { item_id: 'i2', score: 4 },
      ],
    });
    const related = await app.inject({
      method: 'POST',
      url: '/v1/recipes/m:recommend-related',
      headers: { 'content-type': 'application/json' },
      payload: JSON.stringify({ seed_items: ['i1'], limit: 2 }),
    });
    expect(related.statusCode).toBe(200);
    expect(related.json().items.map((i: { item_id: string }) => i.item_id)).toEqual(['i2', 'i3']);
  });

  it('hands the read buffer to the loader thread without a copy, even when the view is shorter', () => {
    // The artifact reader's buffer is one byte longer than the file (it reads until EOF).
    const backing = Buffer.allocUnsafe(64 * 1024 + 1);
    backing.fill(3);
    const read = backing.subarray(0, 64 * 1024);
    const view = transferableView(read);
    expect(view.buffer).toBe(read.buffer);
    expect([view.byteOffset, view.byteLength]).toEqual([0, 64 * 1024]);
    // Small buffers may share Buffer's pool with unrelated data: those are copied.
    const pooled = Buffer.from('tiny');
    const copy = transferableView(pooled);
    expect(copy.buffer).not.toBe(pooled.buffer);
    expect(Buffer.from(copy).toString()).toBe('tiny');
  });

  it('a worker-thread decode reports failures with their reason like the inline one', async () => {
    await writeArtifactFile(join(dir, 'f.recotem'), buildArtifact({ keyRing: OTHER_KEY_RING }));
    await writeRecipe(dir, 'f.yaml', 'f', { artifactPath: join(dir, 'f.recotem') });
    await writeFile(join(dir, 'junk.recotem'), Buffer.alloc(64, 7));
    await writeRecipe(dir, 'j.yaml', 'j', { artifactPath: join(dir, 'junk.recotem') });
    app = await serverOver(dir, { decodeMode: 'thread' });
    const d = await details(app);
    expect(d.recipes.f.error).toMatch(/^HMAC verify failed: artifact signed with unknown kid 'other-kid'/);
    expect(d.recipes.j.error).toMatch(/^parse failed: /);
  });

  it('a YAML stub never takes the name of a real recipe', async () => {
    await writeArtifactFile(join(dir, 'x.recotem'), buildArtifact({ recipeName: 'a' }));
    await writeRecipe(dir, 'z.yaml', 'a', { artifactPath: join(dir, 'x.recotem') });
    await writeFile(join(dir, 'a.yaml'), 'not: [valid\n');
    app = await serverOver(dir);
    const d = await details(app);
    expect(d.recipes.a.loaded).toBe(true);
    expect(d.recipes.a_1).toEqual({ loaded: false, error: expect.stringMatching(/^YAML parse failed/) });
  });

  it('serves popular items to unknown users when the recipe says so', async () => {
    await writeArtifactFile(join(dir, 'p.recotem'), buildArtifact({ algorithm: 'IALSRecommender', recipeName: 'p' }));
    await writeRecipe(dir, 'p.yaml', 'p', { artifactPath: join(dir, 'p.recotem'), unknownUser: 'popular' });
    app = await serverOver(dir);
    const r = await recommend(app, 'p', 'never-seen', 2);
    expect(r.statusCode).toBe(200);
    // Training popularity: i1 seen twice, i2 once.
    expect(r.json().items).toEqual([
      { item_id: 'i1', score: 2 },
      { item_id: 'i2', score: 1 },
    ]);
  });

  it('an empty directory is healthy', async () => {
    app = await serverOver(dir);
    expect((await app.inject({ method: 'GET', url: '/v1/health' })).json()).toEqual({
      status: 'ok',
      total: 0,
      loaded: 0,
    });
  });
});
