/**
 * Storage faults under a running server (docs/security.md A10, A11): the
 * artifact directory disappearing, a half-written artifact appearing, a pointer naming a missing
 * file and the recipes directory vanishing. Each time the last good model keeps serving, the fault
 * shows in /v1/health/details (sanitised: no directory names) and in the logs, and the server
 * recovers by itself once the storage is good again.
 */
import { createHash } from 'node:crypto';
import { mkdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { captureLogs, type LogCapture } from '../../src/log/index.js';
import type { ArtifactWatcher } from '../../src/serve/watch/watcher.js';
import { buildArtifact } from '../helpers/artifacts.js';
import { writeRecipe } from '../serve/helpers/recipes.js';
import { bumpMtime, details, manualWatcher, recommend, serverOver, tempDir } from '../serve/helpers/server.js';

/** A directory name an operator would not want in a health response. */
const PRIVATE_DIR = 'tenant-acme-private-store';

let root: { dir: string; cleanup: () => Promise<void> };
let recipesDir: string;
let artifactsDir: string;
let app: FastifyInstance | undefined;
let watcher: ArtifactWatcher;
let logs: LogCapture;
const first = buildArtifact();
const second = buildArtifact({ popularity: [1, 2, 3, 4, 5] });

const version = (bytes: Uint8Array) => `sha256:${createHash('sha256').update(bytes).digest('hex')}`;

beforeEach(async () => {
  root = await tempDir('recotem-serve-faults-');
  recipesDir = join(root.dir, 'recipes');
  artifactsDir = join(root.dir, PRIVATE_DIR, 'models');
  mkdirSync(recipesDir);
  mkdirSync(artifactsDir, { recursive: true });
  logs = captureLogs();
});
afterEach(async () => {
  await app?.close();
  app = undefined;
  logs.stop();
  await root.cleanup();
});

async function start(opts: { pointer?: boolean } = {}) {
  const path = join(artifactsDir, 'demo.recotem');
  if (opts.pointer) {
    writeFileSync(join(artifactsDir, 'demo.aaaa1111.recotem'), first);
    writeFileSync(path, 'demo.aaaa1111.recotem\n');
  } else {
    writeFileSync(path, first);
  }
  await writeRecipe(recipesDir, 'demo.yaml', 'demo', { artifactPath: path });
  app = await serverOver(recipesDir);
  watcher = await manualWatcher(app);
  return path;
}

async function served(): Promise<string | undefined> {
  const r = await recommend(app!, 'demo', 'u3', 2);
  expect(r.statusCode).toBe(200);
  return r.headers['x-recotem-model-version'] as string;
}

async function demoError(): Promise<string | undefined> {
  const d = await details(app!);
  const error = d.recipes.demo.error;
  if (error !== undefined) {
    expect(d.status).toBe('degraded');
    expect(error).not.toContain(PRIVATE_DIR);
    expect(error.length).toBeLessThanOrEqual(200);
  }
  return error;
}

describe('the last good model keeps serving through storage faults', () => {
  it('the artifact directory disappears, then comes back with a new model', async () => {
    const path = await start();
    rmSync(join(root.dir, PRIVATE_DIR), { recursive: true });
    await watcher.cycle();
    await watcher.cycle();
    expect(await served()).toBe(version(first));
    expect(await demoError()).toBe('artifact missing or unreadable');
    expect(logs.events('artifact_disappeared')).toHaveLength(1);
    // Liveness of the pod is not tied to one recipe's storage: /v1/health stays 200 (stale counts).
    expect((await app!.inject({ method: 'GET', url: '/v1/health' })).statusCode).toBe(200);

    mkdirSync(artifactsDir, { recursive: true });
    writeFileSync(path, second);
    await watcher.cycle();
    expect(await served()).toBe(version(second));
    expect(await demoError()).toBeUndefined();
  });

  it('a half-written artifact appears: refused, then served once the write completes', async () => {
    const path = await start();
    writeFileSync(path, second.subarray(0, Math.floor(second.length / 2)));
    await bumpMtime(path);
    await watcher.cycle();
    expect(await served()).toBe(version(first));
    expect(await demoError()).toMatch(/^HMAC verify failed: /);
    expect(logs.events('artifact_load_failed')).toEqual([expect.objectContaining({ name: 'demo', reason: 'hmac' })]);

    // A cut inside the fixed prefix is a parse failure, same outcome for the clients.
    writeFileSync(path, second.subarray(0, 20));
    await bumpMtime(path);
    await watcher.cycle();
    expect(await served()).toBe(version(first));
    expect(await demoError()).toMatch(/^parse failed: /);

    writeFileSync(path, second);
    await bumpMtime(path);
    await watcher.cycle();
    expect(await served()).toBe(version(second));
    expect(await demoError()).toBeUndefined();
    expect(logs.events('artifact_hot_swapped')).toHaveLength(1);
  });

  it('a pointer naming a missing file: refused with the target named, recovered when the pointer is fixed', async () => {
    const path = await start({ pointer: true });
    writeFileSync(path, 'demo.bbbb2222.recotem\n');
    await bumpMtime(path);
    await watcher.cycle();
    expect(await served()).toBe(version(first));
    const error = await demoError();
    expect(error).toMatch(/^read failed: pointer .* references missing artifact 'demo\.bbbb2222\.recotem'/);
    expect(logs.events('artifact_read_failed')[0]).toMatchObject({ name: 'demo' });

    writeFileSync(join(artifactsDir, 'demo.bbbb2222.recotem'), second);
    await bumpMtime(path);
    await watcher.cycle();
    expect(await served()).toBe(version(second));
    expect(await demoError()).toBeUndefined();
  });

  it('the recipes directory vanishes: every model keeps serving, the scan error is reported and clears', async () => {
    await start();
    renameSync(recipesDir, `${recipesDir}-away`);
    await watcher.cycle();
    expect(await served()).toBe(version(first));
    expect(await demoError()).toMatch(/^recipes-dir scan failed: /);
    expect(logs.events('recipes_dir_scan_error')).toHaveLength(1);

    renameSync(`${recipesDir}-away`, recipesDir);
    await watcher.cycle();
    expect(await served()).toBe(version(first));
    expect(await demoError()).toBeUndefined();
  });
});
