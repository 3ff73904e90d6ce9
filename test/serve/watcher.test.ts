/** Hot-swap, failed reloads, recipe add/remove at runtime. */
import { createHash } from 'node:crypto';
import { rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { captureLogs } from '../../src/log/index.js';
import { buildServer } from '../../src/serve/index.js';
import { ArtifactWatcher } from '../../src/serve/watch/watcher.js';
import { buildArtifact, OTHER_KEY_RING, TEST_KEY_RING, writeArtifactFile } from '../helpers/artifacts.js';
import { csvOnlyLookup, writeRecipe } from './helpers/recipes.js';
import { bumpMtime, details, manualWatcher, recommend, serverOver, tempDir } from './helpers/server.js';

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

const sha = (b: Uint8Array) => `sha256:${createHash('sha256').update(b).digest('hex')}`;

async function setup(name = 'demo') {
  const first = buildArtifact({ recipeName: name });
  const path = join(dir, `${name}.recotem`);
  await writeArtifactFile(path, first);
  await writeRecipe(dir, `${name}.yaml`, name, { artifactPath: path });
  app = await serverOver(dir);
  const watcher = await manualWatcher(app);
  return { first, path, watcher };
}

async function versionOf(name: string) {
  return (await recommend(app!, name, 'u1', 1)).headers['x-recotem-model-version'];
}

describe('hot swap', () => {
  it('a new artifact is served after the next cycle; touching or rewriting the same bytes never swaps', async () => {
    const { first, path, watcher } = await setup();
    expect(await versionOf('demo')).toBe(sha(first));
    const logs = captureLogs();
    try {
      await bumpMtime(path);
      await watcher.cycle();
      expect(logs.events('artifact_hot_swapped')).toHaveLength(0);

      const second = buildArtifact({ popularity: [1, 2, 3, 4, 5] });
      await writeArtifactFile(path, second);
      await bumpMtime(path);
      await watcher.cycle();
      expect(await versionOf('demo')).toBe(sha(second));
      const top = (await recommend(app!, 'demo', 'u3', 2)).json().items.map((i: { item_id: string }) => i.item_id);
      expect(top).toEqual(['i5', 'i4']);
      expect(logs.events('artifact_hot_swapped')).toEqual([expect.objectContaining({ name: 'demo', kid: 'test-kid' })]);
      const metrics = await app!.recotem.metrics.exposition();
      expect(metrics).toContain('recotem_swap_total{recipe="demo",result="ok"} 1');
    } finally {
      logs.stop();
    }
  });

  it('follows a pointer file to its new target', async () => {
    const path = join(dir, 'p.recotem');
    const first = buildArtifact({ recipeName: 'p' });
    await writeArtifactFile(path, first, { tag: 'aaaa1111' });
    await writeRecipe(dir, 'p.yaml', 'p', { artifactPath: path });
    app = await serverOver(dir);
    const watcher = await manualWatcher(app);
    const second = buildArtifact({ popularity: [9, 1, 1, 1, 1], recipeName: 'p' });
    await writeArtifactFile(path, second, { tag: 'bbbb2222' });
    await bumpMtime(path);
    await watcher.cycle();
    expect(await versionOf('p')).toBe(sha(second));
  });

  it('a bad new artifact keeps the old model, is reported once, and is not re-read until it changes', async () => {
    const { first, path, watcher } = await setup();
    const logs = captureLogs();
    try {
      await writeArtifactFile(path, buildArtifact({ keyRing: OTHER_KEY_RING, popularity: [5, 5, 5, 5, 5] }));
      await bumpMtime(path);
      await watcher.cycle();
      await watcher.cycle();
      await watcher.cycle();
      expect(await versionOf('demo')).toBe(sha(first));
      const d = await details(app!);
      expect(d.status).toBe('degraded');
      expect(d.recipes.demo).toMatchObject({ loaded: true, error: expect.stringMatching(/^HMAC verify failed: /) });
      expect((await app!.inject({ method: 'GET', url: '/v1/health' })).statusCode).toBe(200);
      expect(logs.events('artifact_load_failed')).toEqual([
        expect.objectContaining({ name: 'demo', reason: 'hmac', kid: 'other-kid' }),
      ]);
      const metrics = await app!.recotem.metrics.exposition();
      expect(metrics).toContain('recotem_artifact_load_failures_total{recipe="demo",reason="hmac"} 1');
      expect(metrics).toContain('recotem_swap_total{recipe="demo",result="error"} 1');

      // Restoring the served bytes clears the stale error without a swap.
      await writeArtifactFile(path, first);
      await bumpMtime(path);
      await watcher.cycle();
      expect((await details(app!)).recipes.demo.error).toBeUndefined();
      expect((await details(app!)).status).toBe('ok');
      expect(logs.events('artifact_hot_swapped')).toHaveLength(0);
    } finally {
      logs.stop();
    }
  });

  it('a truncated artifact is a parse failure and the old model keeps serving', async () => {
    const { first, path, watcher } = await setup();
    await writeFile(path, first.subarray(0, 40));
    await bumpMtime(path);
    await watcher.cycle();
    expect(await versionOf('demo')).toBe(sha(first));
    expect((await details(app!)).recipes.demo.error).toMatch(/^parse failed: /);
  });

  it('a deleted artifact keeps serving, is counted once, and recovers when it returns', async () => {
    const { first, path, watcher } = await setup();
    const logs = captureLogs();
    try {
      await rm(path);
      await watcher.cycle();
      await watcher.cycle();
      expect(await versionOf('demo')).toBe(sha(first));
      expect((await details(app!)).recipes.demo.error).toBe('artifact missing or unreadable');
      expect(logs.events('artifact_disappeared')).toHaveLength(1);
      expect(await app!.recotem.metrics.exposition()).toContain(
        'recotem_artifact_load_failures_total{recipe="demo",reason="read"} 1',
      );
      await writeArtifactFile(path, first);
      await watcher.cycle();
      expect((await details(app!)).recipes.demo.error).toBeUndefined();
    } finally {
      logs.stop();
    }
  });

  it('a recipe that failed at startup loads once its artifact appears', async () => {
    const path = join(dir, 'late.recotem');
    await writeRecipe(dir, 'late.yaml', 'late', { artifactPath: path });
    app = await serverOver(dir);
    const watcher = await manualWatcher(app);
    expect((await recommend(app, 'late', 'u1')).statusCode).toBe(503);
    const bytes = buildArtifact({ recipeName: 'late' });
    await writeArtifactFile(path, bytes);
    await watcher.cycle();
    expect(await versionOf('late')).toBe(sha(bytes));
    expect((await app.inject({ method: 'GET', url: '/v1/health' })).statusCode).toBe(200);
  });

  it('the timed loop serves a new artifact within one watch interval', async () => {
    const path = join(dir, 'timed.recotem');
    await writeArtifactFile(path, buildArtifact({ recipeName: 'timed' }));
    await writeRecipe(dir, 'timed.yaml', 'timed', { artifactPath: path });
    app = await buildServer({
      settings: { watchIntervalSeconds: 1 },
      recipesDir: dir,
      keyRing: TEST_KEY_RING,
      sourceRegistry: csvOnlyLookup,
      decodeMode: 'thread',
      watch: true,
    });
    const next = buildArtifact({ popularity: [1, 1, 1, 1, 9], recipeName: 'timed' });
    await writeArtifactFile(path, next);
    await bumpMtime(path);
    const started = Date.now();
    while ((await versionOf('timed')) !== sha(next)) {
      expect(Date.now() - started).toBeLessThan(8000);
      await new Promise((r) => setTimeout(r, 25));
    }
    // At most one interval (1 s + 10 % jitter) until the cycle that sees the change, plus the
    // load itself, which on a busy shared machine can take a second or two.
    expect(Date.now() - started).toBeLessThan(1100 + 2500);
  });
});

describe('recipes directory at runtime', () => {
  it('adds a new recipe in the same cycle and removes a deleted one', async () => {
    const { watcher } = await setup('first');
    const logs = captureLogs();
    try {
      const secondPath = join(dir, 'second.recotem');
      await writeArtifactFile(secondPath, buildArtifact({ algorithm: 'IALSRecommender', recipeName: 'second' }));
      await writeRecipe(dir, 'second.yaml', 'second', { artifactPath: secondPath });
      await watcher.cycle();
      expect((await recommend(app!, 'second', 'u1')).statusCode).toBe(200);
      expect(logs.events('recipe_discovered')).toEqual([expect.objectContaining({ name: 'second' })]);

      await rm(join(dir, 'first.yaml'));
      await watcher.cycle();
      expect((await recommend(app!, 'first', 'u1')).statusCode).toBe(404);
      expect(logs.events('recipe_removed')).toEqual([expect.objectContaining({ name: 'first' })]);
      expect((await app!.inject({ method: 'GET', url: '/v1/health' })).json()).toEqual({
        status: 'ok',
        total: 1,
        loaded: 1,
      });
      const metrics = await app!.recotem.metrics.exposition();
      expect(metrics).not.toContain('recipe="first"');
      expect(metrics).toContain('recotem_active_recipes 1');
    } finally {
      logs.stop();
    }
  });

  it('a YAML edit that breaks the file keeps the model serving with an error; fixing it clears the error', async () => {
    const { path, watcher } = await setup();
    const yaml = join(dir, 'demo.yaml');
    await writeFile(yaml, 'name: demo\nsource: [broken\n');
    await bumpMtime(yaml);
    await watcher.cycle();
    expect((await recommend(app!, 'demo', 'u1')).statusCode).toBe(200);
    expect((await details(app!)).recipes.demo.error).toMatch(/^recipe YAML parse error on rescan: /);
    await writeRecipe(dir, 'demo.yaml', 'demo', { artifactPath: path });
    await bumpMtime(yaml);
    await watcher.cycle();
    expect((await details(app!)).recipes.demo.error).toBeUndefined();
  });

  it('a new broken YAML file becomes a stub; fixing it loads the recipe under its name', async () => {
    const { watcher } = await setup();
    const yaml = join(dir, 'newbie.yaml');
    await writeFile(yaml, '{{{');
    await watcher.cycle();
    expect((await details(app!)).recipes.newbie).toEqual({
      loaded: false,
      error: expect.stringMatching(/^YAML parse failed/),
    });
    const artifact = join(dir, 'newbie.recotem');
    await writeArtifactFile(artifact, buildArtifact({ recipeName: 'newbie' }));
    await writeRecipe(dir, 'newbie.yaml', 'newbie', { artifactPath: artifact });
    await bumpMtime(yaml);
    await watcher.cycle();
    expect((await recommend(app!, 'newbie', 'u1')).statusCode).toBe(200);
  });

  it('changing output.path of a recipe loads the new artifact', async () => {
    const { watcher } = await setup();
    const other = join(dir, 'other.recotem');
    const bytes = buildArtifact({ popularity: [0, 0, 0, 0, 1] });
    await writeArtifactFile(other, bytes);
    await writeRecipe(dir, 'demo.yaml', 'demo', { artifactPath: other });
    await bumpMtime(join(dir, 'demo.yaml'));
    await watcher.cycle();
    expect(await versionOf('demo')).toBe(sha(bytes));
  });

  it('a second file claiming an existing name does not take it over', async () => {
    const { first, watcher } = await setup();
    const impostor = join(dir, 'impostor.recotem');
    await writeArtifactFile(impostor, buildArtifact({ popularity: [3, 3, 3, 3, 3] }));
    await writeRecipe(dir, 'aaa.yaml', 'demo', { artifactPath: impostor });
    await watcher.cycle();
    expect(await versionOf('demo')).toBe(sha(first));
    expect((await details(app!)).recipes.aaa).toMatchObject({ loaded: false });
  });
});

describe('watcher edge cases', () => {
  it('a changed .sha256 sidecar triggers a load even when the artifact marker did not change', async () => {
    const { path, watcher } = await setup();
    const { utimes } = await import('node:fs/promises');
    // Whole seconds, so restoring the mtime below is exact.
    await utimes(path, 1_900_000_000, 1_900_000_000);
    await writeFile(`${path}.sha256`, 'one\n');
    await watcher.cycle();
    const next = buildArtifact({ popularity: [0, 9, 0, 0, 0] });
    // Same size, same mtime: only the sidecar announces the new bytes.
    await writeFile(path, next);
    await utimes(path, 1_900_000_000, 1_900_000_000);
    await watcher.cycle();
    expect(await versionOf('demo')).not.toBe(sha(next));
    await writeFile(`${path}.sha256`, 'two\n');
    await watcher.cycle();
    expect(await versionOf('demo')).toBe(sha(next));
  });

  it('a recipes directory that cannot be listed marks every recipe and removes nothing', async () => {
    const { mkdir } = await import('node:fs/promises');
    const recipes = join(dir, 'recipes');
    await mkdir(recipes);
    const first = buildArtifact();
    await writeArtifactFile(join(dir, 'demo.recotem'), first);
    await writeRecipe(recipes, 'demo.yaml', 'demo', { artifactPath: join(dir, 'demo.recotem') });
    app = await serverOver(recipes);
    const watcher = await manualWatcher(app);
    const logs = captureLogs();
    try {
      await rm(recipes, { recursive: true, force: true });
      await watcher.cycle();
      expect(await versionOf('demo')).toBe(sha(first));
      expect((await details(app!)).recipes.demo.error).toMatch(/^recipes-dir scan failed: /);
      expect(logs.events('recipes_dir_scan_error')).toHaveLength(1);
      expect(await app!.recotem.metrics.exposition()).toContain(
        'recotem_artifact_load_failures_total{recipe="demo",reason="dir_scan"} 1',
      );
      // The directory comes back: the annotation goes, the model never stopped serving.
      await mkdir(recipes);
      await writeRecipe(recipes, 'demo.yaml', 'demo', { artifactPath: join(dir, 'demo.recotem') });
      await watcher.cycle();
      expect((await details(app!)).recipes.demo.error).toBeUndefined();
      expect(await versionOf('demo')).toBe(sha(first));
    } finally {
      logs.stop();
    }
  });

  it('five failing cycles in a row mark recipes unhealthy; the next good cycle clears only that mark', async () => {
    const { path, watcher: prepared } = await setup();
    void prepared;
    const watcher = new ArtifactWatcher(app!.recotem.supervisor!, 0.1);
    const real = watcher.cycle.bind(watcher);
    let failing = true;
    watcher.cycle = async () => {
      if (failing) throw new Error('disk on fire');
      return real();
    };
    const logs = captureLogs();
    try {
      await watcher.start();
      const deadline = Date.now() + 8000;
      while ((await details(app!)).recipes.demo.error !== 'watcher unhealthy') {
        expect(Date.now()).toBeLessThan(deadline);
        await new Promise((r) => setTimeout(r, 50));
      }
      expect(logs.events('artifact_watcher_unhandled_error').length).toBeGreaterThanOrEqual(5);
      expect(logs.events('artifact_watcher_unhealthy')).toHaveLength(1);
      failing = false;
      while ((await details(app!)).recipes.demo.error !== undefined) {
        expect(Date.now()).toBeLessThan(deadline);
        await new Promise((r) => setTimeout(r, 50));
      }
      expect(logs.events('artifact_watcher_recovery')).toHaveLength(1);
      expect(await versionOf('demo')).toBeDefined();
      void path;
    } finally {
      logs.stop();
      await watcher.close(1);
    }
  });
});
