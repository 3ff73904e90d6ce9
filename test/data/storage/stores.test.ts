import { chmodSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  checkSizeCap,
  openStore,
  parseAzureUri,
  parseGsUri,
  readBoundedBytes,
  SizeCheckError,
  StoreError,
} from '../../../src/data/storage/index.js';
import { DataSourceError } from '../../../src/errors/index.js';
import { captureLogs } from '../../../src/log/index.js';
import { type FakeGcs, startFakeGcs } from '../../helpers/fake-gcs.js';
import { type LocalAzure, type LocalS3, startAzurite, startS3 } from '../../helpers/object-stores.js';

const env = process.env;
const saved: Record<string, string | undefined> = {};
function setEnv(vars: Record<string, string | undefined>) {
  for (const [k, v] of Object.entries(vars)) {
    if (!(k in saved)) saved[k] = env[k];
    if (v === undefined) delete env[k];
    else env[k] = v;
  }
}

let dir: string;
let s3: LocalS3;
let gcs: FakeGcs;
let azure: LocalAzure;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'recotem-store-'));
  [s3, gcs, azure] = await Promise.all([startS3(), startFakeGcs(), startAzurite()]);
  setEnv({
    AWS_ACCESS_KEY_ID: 'S3RVER',
    AWS_SECRET_ACCESS_KEY: 'S3RVER',
    AWS_REGION: 'us-east-1',
    AWS_ENDPOINT_URL_S3: s3.endpoint,
    RECOTEM_GCS_API_ENDPOINT: gcs.endpoint,
    AZURE_STORAGE_CONNECTION_STRING: azure.connectionString,
  });
  const { BlobServiceClient } = await import('@azure/storage-blob');
  await BlobServiceClient.fromConnectionString(azure.connectionString).getContainerClient('data').createIfNotExists();
}, 60_000);

afterAll(async () => {
  for (const [k, v] of Object.entries(saved)) {
    if (v === undefined) delete env[k];
    else env[k] = v;
  }
  await Promise.all([s3?.close(), gcs?.close(), azure?.close()]);
  rmSync(dir, { recursive: true, force: true });
});

const payload = Buffer.from('user_id,item_id\nu1,i1\nu2,i2\n');

describe('local store', () => {
  it('writes atomically, leaves no temp files, and reads back through bare paths and file:// URIs', async () => {
    const path = join(dir, 'a.csv');
    await openStore(path).write(payload);
    await openStore(path).write(payload); // replace in place
    expect(readdirSync(dir).filter((f) => f.includes('.tmp'))).toEqual([]);
    expect((await readBoundedBytes(path, 1024)).equals(payload)).toBe(true);
    expect((await readBoundedBytes(pathToFileURL(path).href, 1024)).equals(payload)).toBe(true);
    expect((await readBoundedBytes(`file://localhost${path}`, 1024)).equals(payload)).toBe(true);
    expect(await openStore(path).stat()).toEqual({ size: payload.length });
  });

  it('reads at most cap+1 bytes: exactly cap passes, one more fails', async () => {
    const path = join(dir, 'cap.bin');
    writeFileSync(path, Buffer.alloc(100, 1));
    expect((await readBoundedBytes(path, 100)).length).toBe(100);
    await expect(readBoundedBytes(path, 99)).rejects.toMatchObject({ kind: 'too_large' });
  });

  it('classifies missing and unreadable files', async () => {
    await expect(openStore(join(dir, 'nope.csv')).readAll(10)).rejects.toMatchObject({ kind: 'not_found' });
    expect(await openStore(join(dir, 'nope.csv')).exists()).toBe(false);
    if (process.getuid?.() !== 0) {
      const p = join(dir, 'secret.csv');
      writeFileSync(p, 'x');
      chmodSync(p, 0o000);
      await expect(openStore(p).readAll(10)).rejects.toMatchObject({ kind: 'permission' });
    }
  });

  it('removes the temp file when the write fails', async () => {
    const target = join(dir, 'sub-missing', 'x.bin');
    await expect(openStore(target).write(payload)).rejects.toBeInstanceOf(StoreError);
    expect(readdirSync(dir).filter((f) => f.includes('.tmp'))).toEqual([]);
  });
});

describe('size pre-check', () => {
  it('refuses an object above the cap with the spec message and passes one at the cap', async () => {
    const path = join(dir, 'big.csv');
    writeFileSync(path, Buffer.alloc(1_234_567, 97));
    await expect(checkSizeCap(path, 1_234_567, 'CSV')).resolves.toBeUndefined();
    const err = await checkSizeCap(path, 1_048_576, 'CSV').catch((e) => e);
    expect(err).toBeInstanceOf(SizeCheckError);
    expect(err.kind).toBe('exceeded');
    expect(err.message).toBe(
      `CSV file '${path}' is 1,234,567 bytes which exceeds the 1048576-byte cap set by RECOTEM_MAX_DOWNLOAD_BYTES. Raise the limit or downsample the source data.`,
    );
  });

  it('skips local stat failures, missing objects and http paths', async () => {
    await expect(checkSizeCap(join(dir, 'missing.csv'), 1, 'CSV')).resolves.toBeUndefined();
    await expect(checkSizeCap(`s3://${s3.bucket}/missing.csv`, 1, 'CSV')).resolves.toBeUndefined();
    await expect(checkSizeCap('https://example.com/x.csv', 1, 'CSV')).resolves.toBeUndefined();
  });

  it('turns other object-store errors into a probe failure with a warning', async () => {
    gcs.failWith('bkt/broken.csv', 400);
    const logs = captureLogs();
    try {
      const err = await checkSizeCap('gs://proj@bkt/broken.csv', 10, 'CSV').catch((e) => e);
      expect(err).toBeInstanceOf(SizeCheckError);
      expect(err.kind).toBe('probe_failed');
      expect(logs.events('size_cap_probe_failed')[0]).toMatchObject({ path: 'gs://proj' });
    } finally {
      logs.stop();
    }
  }, 30_000);
});

describe('s3 store (s3rver)', () => {
  it('writes, stats, reads with the cap, and removes', async () => {
    const uri = `s3://${s3.bucket}/dir/a b.csv`;
    const store = openStore(uri);
    expect(await store.exists()).toBe(false);
    await store.write(payload);
    expect(await store.exists()).toBe(true);
    const st = await store.stat();
    expect(st.size).toBe(payload.length);
    // change markers for the server's watcher
    expect(st.etag).toBeTruthy();
    expect(st.mtimeMs).toBeGreaterThan(0);
    expect((await store.readAll(payload.length)).equals(payload)).toBe(true);
    await expect(store.readAll(payload.length - 1)).rejects.toMatchObject({ kind: 'too_large' });
    await expect(checkSizeCap(uri, 10, 'CSV')).rejects.toMatchObject({ kind: 'exceeded' });
    await store.remove();
    await expect(store.readAll(100)).rejects.toMatchObject({ kind: 'not_found' });
  });

  it('reads an empty object', async () => {
    const store = openStore(`s3://${s3.bucket}/empty.csv`);
    await store.write(new Uint8Array(0));
    expect((await store.readAll(10)).length).toBe(0);
  });
});

describe('gcs store (fake JSON API)', () => {
  it('writes, stats, reads with the cap and bills the named project', async () => {
    const store = openStore('gs://my-project@bkt/data/x.csv');
    expect(await store.exists()).toBe(false);
    await store.write(payload);
    expect(gcs.objects.get('bkt/data/x.csv')?.equals(payload)).toBe(true);
    const st = await store.stat();
    expect(st.size).toBe(payload.length);
    // the fake JSON API reports no generation or update time
    expect((await store.readAll(payload.length)).equals(payload)).toBe(true);
    await expect(store.readAll(5)).rejects.toMatchObject({ kind: 'too_large' });
    expect(gcs.userProjects).toContain('my-project');
    await store.remove();
    expect(gcs.objects.has('bkt/data/x.csv')).toBe(false);
  });

  it('parses both gs:// forms', () => {
    expect(parseGsUri('gs://b/k/x.csv')).toEqual({ project: null, bucket: 'b', key: 'k/x.csv' });
    expect(parseGsUri('gs://p@b/x.csv')).toEqual({ project: 'p', bucket: 'b', key: 'x.csv' });
  });
});

describe('azure store (azurite)', () => {
  it('writes, stats, reads with the cap, and removes via az:// and abfss://', async () => {
    const store = openStore('az://data/folder/x.csv');
    expect(await store.exists()).toBe(false);
    await store.write(payload);
    const st = await store.stat();
    expect(st.size).toBe(payload.length);
    // change markers for the server's watcher
    expect(st.etag).toBeTruthy();
    expect(st.mtimeMs).toBeGreaterThan(0);
    const viaAbfs = openStore('abfss://data@devstoreaccount1.dfs.core.windows.net/folder/x.csv');
    expect((await viaAbfs.readAll(payload.length)).equals(payload)).toBe(true);
    await expect(viaAbfs.readAll(3)).rejects.toMatchObject({ kind: 'too_large' });
    await store.remove();
    await expect(store.readAll(10)).rejects.toMatchObject({ kind: 'not_found' });
  });

  it('parses container and account from the URI forms', () => {
    expect(parseAzureUri('az://c/p/x.csv')).toEqual({ account: null, container: 'c', blob: 'p/x.csv' });
    expect(parseAzureUri('abfs://c@acct.dfs.core.windows.net/x.csv')).toEqual({
      account: 'acct',
      container: 'c',
      blob: 'x.csv',
    });
  });
});

it('refuses schemes without a storage backend', () => {
  expect(() => openStore('https://example.com/x')).toThrow(/No storage backend/);
  expect(readFileSync(__filename, 'utf8').length).toBeGreaterThan(0);
});

it('turns a missing optional SDK into a DataSourceError with an install hint', async () => {
  const { importSdk } = await import('../../../src/data/storage/sdk.js');
  const missing = 'recotem-no-such-package';
  const err = await importSdk(missing, 's3', () => import(missing)).catch((e: unknown) => e);
  expect(err).toBeInstanceOf(DataSourceError);
  expect((err as Error).message).toBe(
    `s3:// paths need the optional package '${missing}'. Install it with: npm install ${missing}`,
  );
});
