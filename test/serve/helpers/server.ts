/** A temp recipes directory with real artifacts, and a server built over it. */
import { mkdtemp, rm, utimes } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { buildServer } from '../../../src/serve/index.js';
import type { ServeSettings } from '../../../src/serve/settings.js';
import { ArtifactWatcher } from '../../../src/serve/watch/watcher.js';
import { TEST_KEY_RING } from '../../helpers/artifacts.js';
import { csvOnlyLookup } from './recipes.js';

export async function tempDir(prefix = 'recotem-serve-'): Promise<{ dir: string; cleanup: () => Promise<void> }> {
  const dir = await mkdtemp(join(tmpdir(), prefix));
  return { dir, cleanup: () => rm(dir, { recursive: true, force: true }) };
}

let bump = 0;
/** Give a file a distinct, later mtime so the watcher's marker changes even within one clock tick. */
export async function bumpMtime(path: string): Promise<void> {
  const t = Date.now() / 1000 + 10 + ++bump;
  await utimes(path, t, t);
}

export async function serverOver(
  recipesDir: string,
  opts: { settings?: Partial<ServeSettings>; decodeMode?: 'thread' | 'inline' } = {},
): Promise<FastifyInstance> {
  return buildServer({
    settings: { ...opts.settings },
    recipesDir,
    keyRing: TEST_KEY_RING,
    sourceRegistry: csvOnlyLookup,
    decodeMode: opts.decodeMode ?? 'inline',
  });
}

/** A watcher over the server's supervisor whose cycles the test runs by hand. */
export async function manualWatcher(app: FastifyInstance): Promise<ArtifactWatcher> {
  const sup = app.recotem.supervisor;
  if (!sup) throw new Error('server has no recipes directory');
  const watcher = new ArtifactWatcher(sup, 1);
  await watcher.prepare();
  return watcher;
}

export async function recommend(app: FastifyInstance, recipe: string, userId: string, limit = 3) {
  const r = await app.inject({
    method: 'POST',
    url: `/v1/recipes/${recipe}:recommend`,
    headers: { 'content-type': 'application/json' },
    payload: JSON.stringify({ user_id: userId, limit }),
  });
  return r;
}

export async function details(app: FastifyInstance) {
  return (await app.inject({ method: 'GET', url: '/v1/health/details' })).json() as {
    status: string;
    recipes: Record<string, { loaded: boolean; error?: string; kid?: string }>;
  };
}
