/**
 * Artifacts bound to their recipe and serve's reads contained, attacked over HTTP. Every artifact
 * here is validly signed: the attacker only re-points files. One recipe's pointer aimed at another
 * recipe's artifact must not hot-swap it in (the signed header names the recipe it was trained
 * for; the old model keeps serving and the refusal is reported). With RECOTEM_ARTIFACT_ROOT set, a
 * real `recotem serve` must not follow a symlink (the output path itself or a pointer's target)
 * out of the root.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { sha256Hex } from '../../src/artifact/index.js';
import { captureLogs } from '../../src/log/index.js';
import { buildArtifact, writeArtifactFile } from '../helpers/artifacts.js';
import { writeRecipe } from '../serve/helpers/recipes.js';
import { manualWatcher, serverOver, tempDir } from '../serve/helpers/server.js';
import { type ServeChild, startServeChild } from './helpers/serve-child.js';

type Details = { status: string; recipes: Record<string, { loaded: boolean; error?: string }> };

describe('an artifact is served only by the recipe it was trained for', () => {
  let root: { dir: string; cleanup: () => Promise<void> };
  let app: FastifyInstance | undefined;
  let base: string;
  afterEach(async () => {
    await app?.close();
    app = undefined;
    await root.cleanup();
  });

  async function start() {
    root = await tempDir('recotem-binding-');
    const news = buildArtifact({ recipeName: 'news', popularity: [5, 4, 3, 2, 1] });
    const shop = buildArtifact({ recipeName: 'shop', popularity: [1, 2, 3, 4, 5] });
    const newsPath = await writeArtifactFile(join(root.dir, 'news.recotem'), news, { tag: 'aaaa1111' });
    await writeArtifactFile(join(root.dir, 'shop.recotem'), shop, { tag: 'bbbb2222' });
    await writeRecipe(root.dir, 'news.yaml', 'news', { artifactPath: join(root.dir, 'news.recotem') });
    await writeRecipe(root.dir, 'shop.yaml', 'shop', { artifactPath: join(root.dir, 'shop.recotem') });
    app = await serverOver(root.dir);
    await app.listen({ host: '127.0.0.1', port: 0 });
    base = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;
    return { news, shop, newsPath };
  }

  const version = async (recipe: string) =>
    (
      await fetch(`${base}/v1/recipes/${recipe}:recommend`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: '{"user_id":"u1","limit":2}',
      })
    ).headers.get('x-recotem-model-version');

  it("re-pointing one recipe's pointer at another recipe's artifact keeps the old model and reports it", async () => {
    const { news, shop } = await start();
    const watcher = await manualWatcher(app!);
    expect(await version('news')).toBe(`sha256:${sha256Hex(news)}`);
    const logs = captureLogs();
    try {
      // Aim news's pointer at a copy of shop's validly signed artifact, next to it.
      writeFileSync(join(root.dir, 'news.cccc3333.recotem'), shop);
      writeFileSync(join(root.dir, 'news.recotem'), 'news.cccc3333.recotem\n');
      await watcher.cycle();
      expect(await version('news')).toBe(`sha256:${sha256Hex(news)}`);
      const details = (await (await fetch(`${base}/v1/health/details`)).json()) as Details;
      expect(details.recipes.news).toMatchObject({
        loaded: true,
        error: "recipe mismatch: the artifact was trained for recipe 'shop', not 'news'",
      });
      expect(logs.events('artifact_load_failed')).toEqual([
        expect.objectContaining({ name: 'news', reason: 'recipe_mismatch' }),
      ]);
      expect(logs.events('artifact_hot_swapped')).toHaveLength(0);
    } finally {
      logs.stop();
    }
  });

  it('a sidecar that is a FIFO (or a device) never blocks the watch cycle', async () => {
    const { news } = await start();
    const watcher = await manualWatcher(app!);
    expect(spawnSync('mkfifo', [join(root.dir, 'news.recotem.sha256')]).status).toBe(0);
    symlinkSync('/dev/zero', join(root.dir, 'shop.recotem.sha256'));
    await watcher.cycle();
    await watcher.cycle();
    expect(await version('news')).toBe(`sha256:${sha256Hex(news)}`);
  });

  it('a mismatched artifact at startup leaves a 503 stub with the reason', async () => {
    root = await tempDir('recotem-binding-');
    await writeArtifactFile(join(root.dir, 'a.recotem'), buildArtifact({ recipeName: 'b' }));
    await writeRecipe(root.dir, 'a.yaml', 'a', { artifactPath: join(root.dir, 'a.recotem') });
    app = await serverOver(root.dir);
    await app.listen({ host: '127.0.0.1', port: 0 });
    base = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;
    const r = await fetch(`${base}/v1/recipes/a:recommend`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{"user_id":"u1"}',
    });
    expect(r.status).toBe(503);
    const details = (await (await fetch(`${base}/v1/health/details`)).json()) as Details;
    expect(details.recipes.a.error).toBe("recipe mismatch: the artifact was trained for recipe 'b', not 'a'");
  });
});

describe('RECOTEM_ARTIFACT_ROOT contains what a real `recotem serve` reads', () => {
  let tmp: { dir: string; cleanup: () => Promise<void> };
  let server: ServeChild;
  let details: Details;

  beforeAll(async () => {
    tmp = await tempDir('recotem-root-');
    const recipes = join(tmp.dir, 'recipes');
    const artifactRoot = join(tmp.dir, 'artifacts');
    const outside = join(tmp.dir, 'outside');
    for (const d of [recipes, artifactRoot, join(artifactRoot, 'sub'), outside]) mkdirSync(d);
    const put = (path: string, name: string) => writeFileSync(path, buildArtifact({ recipeName: name }));

    put(join(artifactRoot, 'inside.recotem'), 'inside');
    put(join(outside, 'linked.recotem'), 'linked');
    symlinkSync(join(outside, 'linked.recotem'), join(artifactRoot, 'linked.recotem'));
    put(join(outside, 'pointed.recotem'), 'pointed');
    symlinkSync(join(outside, 'pointed.recotem'), join(artifactRoot, 'pointed.abcd1234.recotem'));
    writeFileSync(join(artifactRoot, 'pointed.recotem'), 'pointed.abcd1234.recotem\n');
    put(join(artifactRoot, 'sub', 'innerlink.recotem'), 'innerlink');
    symlinkSync(join(artifactRoot, 'sub', 'innerlink.recotem'), join(artifactRoot, 'innerlink.recotem'));

    for (const name of ['inside', 'linked', 'pointed', 'innerlink']) {
      await writeRecipe(recipes, `${name}.yaml`, name, { artifactPath: join(artifactRoot, `${name}.recotem`) });
    }
    await writeRecipe(recipes, 'passwd.yaml', 'passwd', { artifactPath: '/etc/passwd' });
    server = await startServeChild(recipes, { RECOTEM_ARTIFACT_ROOT: artifactRoot });
    const r = await fetch(`${server.origin}/v1/health/details`, { headers: { 'x-api-key': server.apiKey } });
    details = (await r.json()) as Details;
  }, 120_000);
  afterAll(async () => {
    await server?.stop();
    await tmp?.cleanup();
  });

  it('serves artifacts inside the root, through symlinks that stay inside', () => {
    expect(details.recipes.inside).toMatchObject({ loaded: true });
    expect(details.recipes.innerlink).toMatchObject({ loaded: true });
  });

  it.each([
    ['linked', 'the output path is a symlink out of the root'],
    ['pointed', "the pointer's target is a symlink out of the root"],
  ])('%s: %s → refused, not served', (name) => {
    expect(details.recipes[name].loaded).toBe(false);
    expect(details.recipes[name].error).toMatch(
      /^read failed: .*outside RECOTEM_ARTIFACT_ROOT; symlink escapes are refused$/,
    );
  });

  it('a recipe whose output.path is /etc/passwd is never read', () => {
    expect(details.recipes.passwd.loaded).toBe(false);
    expect(details.recipes.passwd.error).not.toMatch(/root:|726f6f74|magic bytes/);
    expect(server.cli.stderr()).not.toContain('magic bytes mismatch');
  });
});
