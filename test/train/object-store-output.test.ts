import { spawn } from 'node:child_process';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MODEL_FORMATS } from '../../src/algorithms/registry.js';
import { openArtifact, readArtifactBytes } from '../../src/artifact/index.js';
import { parseSigningKeyRing } from '../../src/config/index.js';
import { openStore, remoteArtifactStore } from '../../src/data/index.js';
import { type LocalS3, startS3 } from '../helpers/object-stores.js';
import { makeTrainWorkspace, type TrainWorkspace } from '../helpers/train-fixtures.js';

const ENTRY = join(import.meta.dirname, '../../src/cli/entry.ts');

let s3: LocalS3;
let ws: TrainWorkspace;
const saved: Record<string, string | undefined> = {};

beforeAll(async () => {
  s3 = await startS3('models');
  const awsEnv = {
    AWS_ACCESS_KEY_ID: 'S3RVER',
    AWS_SECRET_ACCESS_KEY: 'S3RVER',
    AWS_REGION: 'us-east-1',
    AWS_ENDPOINT_URL_S3: s3.endpoint,
  };
  for (const [k, v] of Object.entries(awsEnv)) {
    saved[k] = process.env[k];
    process.env[k] = v;
  }
  ws = makeTrainWorkspace({ output: '  path: s3://models/shop/model.recotem\n  versioning: append_sha' });
  Object.assign(ws.env, awsEnv);
});

afterAll(async () => {
  for (const [k, v] of Object.entries(saved)) {
    if (v === undefined) delete process.env[k];
    else process.env[k] = v;
  }
  await s3.close();
  rmSync(ws.dir, { recursive: true, force: true });
});

/** Asynchronous on purpose: the S3 server runs in this process and must keep answering. */
function recotem(args: string[]): Promise<{ status: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', ENTRY, ...args], { env: ws.env });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => {
      stdout += d;
    });
    child.stderr.on('data', (d) => {
      stderr += d;
    });
    child.on('error', reject);
    child.on('close', (status) => resolve({ status, stdout, stderr }));
  });
}

describe('artifacts on an object store', () => {
  it('train writes the sha-suffixed artifact and then the pointer to S3; inspect reads it back', async () => {
    const r = await recotem(['train', ws.recipePath]);
    expect(r.stderr).not.toContain('Training failed');
    expect(r.status).toBe(0);
    const pointer = (await openStore('s3://models/shop/model.recotem').readAll(512)).toString('ascii');
    expect(pointer).toMatch(/^model\.[0-9a-f]{8}\.recotem\n$/);

    const inspect = await recotem(['inspect', 's3://models/shop/model.recotem']);
    expect(inspect.status).toBe(0);
    expect(inspect.stdout).toContain("HMAC: OK  (kid='test-key')");
    expect(JSON.parse(inspect.stdout.slice(inspect.stdout.indexOf('{')))).toMatchObject({ recipe_name: 'shop' });

    const { bytes, resolvedPath } = await readArtifactBytes('s3://models/shop/model.recotem', {
      remoteStores: remoteArtifactStore,
    });
    expect(resolvedPath).toBe(`s3://models/shop/${pointer.trim()}`);
    const opened = openArtifact(bytes, {
      models: MODEL_FORMATS,
      keyRing: parseSigningKeyRing(ws.env.RECOTEM_SIGNING_KEYS as string),
    });
    expect(opened.payload.userIds).toHaveLength(60);
  });

  it('reports change markers (etag, mtime) that the server watcher compares', async () => {
    const store = remoteArtifactStore('s3');
    const before = await store?.stat('s3://models/shop/model.recotem');
    expect(before?.size).toBeGreaterThan(0);
    expect(before?.etag).toBeTruthy();
    await store?.writeAtomic('s3://models/shop/model.recotem', Buffer.from('other.recotem\n'));
    const after = await store?.stat('s3://models/shop/model.recotem');
    expect(after?.etag).not.toBe(before?.etag);
  });
});
