/**
 * A recipe whose artifact lives in an object store: the server reaches the store through the
 * data layer, which it imports only when the first remote artifact is read.
 */
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { remoteArtifactStore } from '../../src/data/storage/artifact-store.js';
import { buildArtifact } from '../helpers/artifacts.js';
import { type LocalS3, startS3, useLocalS3Env } from '../helpers/object-stores.js';
import { writeRecipe } from './helpers/recipes.js';
import { manualWatcher, recommend, serverOver, tempDir } from './helpers/server.js';

let s3: LocalS3;
let app: FastifyInstance;
let cleanup: () => Promise<void>;
let restoreEnv: (() => void) | undefined;

beforeAll(async () => {
  s3 = await startS3('artifacts');
  restoreEnv = useLocalS3Env(s3);
  const uri = 's3://artifacts/models/remote.recotem';
  await remoteArtifactStore('s3')!.writeAtomic(uri, buildArtifact({ recipeName: 'remote' }));
  const t = await tempDir('recotem-remote-');
  cleanup = t.cleanup;
  await writeRecipe(t.dir, 'remote.yaml', 'remote', { artifactPath: uri });
  app = await serverOver(t.dir);
});

afterAll(async () => {
  await app?.close();
  restoreEnv?.();
  await s3?.close();
  await cleanup?.();
});

describe('an artifact in an object store', () => {
  it('is loaded and served', async () => {
    const r = await recommend(app, 'remote', 'u3', 2);
    expect(r.statusCode).toBe(200);
    expect(r.json().items.map((i: { item_id: string }) => i.item_id)).toEqual(['i1', 'i2']);
    expect(r.headers['x-recotem-model-version']).toMatch(/^sha256:[0-9a-f]{64}$/);
  });

  it('is swapped when the watcher sees a new entity tag on the object', async () => {
    const watcher = await manualWatcher(app);
    const before = (await recommend(app, 'remote', 'u3', 2)).headers['x-recotem-model-version'];
    const next = buildArtifact({ recipeName: 'remote', popularity: [1, 2, 3, 4, 5] });
    await remoteArtifactStore('s3')!.writeAtomic('s3://artifacts/models/remote.recotem', next);
    await watcher.cycle();
    const r = await recommend(app, 'remote', 'u3', 2);
    expect(r.headers['x-recotem-model-version']).not.toBe(before);
    expect(r.json().items.map((i: { item_id: string }) => i.item_id)).toEqual(['i5', 'i4']);
  });
});
