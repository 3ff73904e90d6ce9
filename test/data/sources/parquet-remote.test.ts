import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { DuckDBInstance } from '@duckdb/node-api';
import { parquetWriteFile } from 'hyparquet-writer';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { csvConfigSchema, parquetConfigSchema } from '../../../src/data/sources/configs.js';
import { createCsvSource } from '../../../src/data/sources/csv.js';
import { createParquetSource } from '../../../src/data/sources/parquet.js';
import type { FetchContext } from '../../../src/data/sources/types.js';
import { openStore } from '../../../src/data/storage/index.js';
import { DataSourceError, exitCodeFor } from '../../../src/errors/index.js';
import { captureLogs } from '../../../src/log/index.js';
import { type FakeGcs, startFakeGcs } from '../../helpers/fake-gcs.js';
import { type LocalAzure, type LocalS3, startAzurite, startS3 } from '../../helpers/object-stores.js';

let dir: string;
let s3: LocalS3;
let gcs: FakeGcs;
let azure: LocalAzure;
let duckParquet: string;
const saved: Record<string, string | undefined> = {};
const ctx = (extra: Record<string, unknown> = {}): FetchContext => ({ recipeName: 'r1', runId: 'run1', extra });

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'recotem-pq-'));
  [s3, gcs, azure] = await Promise.all([startS3(), startFakeGcs(), startAzurite()]);
  const env = {
    AWS_ACCESS_KEY_ID: 'S3RVER',
    AWS_SECRET_ACCESS_KEY: 'S3RVER',
    AWS_REGION: 'us-east-1',
    AWS_ENDPOINT_URL_S3: s3.endpoint,
    RECOTEM_GCS_API_ENDPOINT: gcs.endpoint,
    AZURE_STORAGE_CONNECTION_STRING: azure.connectionString,
  };
  for (const [k, v] of Object.entries(env)) {
    saved[k] = process.env[k];
    process.env[k] = v;
  }
  const { BlobServiceClient } = await import('@azure/storage-blob');
  await BlobServiceClient.fromConnectionString(azure.connectionString).getContainerClient('data').createIfNotExists();
  duckParquet = join(dir, 'events.parquet');
  const db = await DuckDBInstance.create(':memory:');
  const c = await db.connect();
  await c.run(
    `COPY (SELECT * FROM (VALUES (1::BIGINT, 'a', TIMESTAMP '2024-01-01 00:00:00', 1.5::DOUBLE, true, DATE '2024-01-01'), (2, 'b', TIMESTAMP '2024-01-02 00:00:00', NULL, false, NULL), (NULL, 'c', NULL, 3.0, NULL, NULL)) t(user_id, item_id, ts, w, flag, day)) TO '${duckParquet}' (FORMAT parquet, COMPRESSION zstd)`,
  );
  c.closeSync();
  db.closeSync();
}, 60_000);

afterAll(async () => {
  for (const [k, v] of Object.entries(saved)) {
    if (v === undefined) delete process.env[k];
    else process.env[k] = v;
  }
  await Promise.all([s3?.close(), gcs?.close(), azure?.close()]);
  rmSync(dir, { recursive: true, force: true });
});

function parquet(cfg: Record<string, unknown>) {
  return createParquetSource(parquetConfigSchema.parse({ type: 'parquet', ...cfg }));
}

describe('parquet source', () => {
  it('types columns from the Parquet schema (ints with nulls become floats, timestamps instants)', async () => {
    const logs = captureLogs();
    try {
      const t = await parquet({ path: duckParquet }).fetch(ctx({ user_column: 'user_id', item_column: 'item_id' }));
      expect(t.columnNames).toEqual(['user_id', 'item_id', 'ts', 'w', 'flag', 'day']);
      expect(t.columnType('user_id')).toBe('float');
      expect(t.values('user_id')).toEqual([1, 2, null]);
      expect(t.values('ts')).toEqual([new Date('2024-01-01T00:00:00Z'), new Date('2024-01-02T00:00:00Z'), null]);
      expect(t.values('w')).toEqual([1.5, Number.NaN, 3]);
      expect(t.values('flag')).toEqual([true, false, null]);
      expect(t.values('day')).toEqual([new Date('2024-01-01T00:00:00Z'), null, null]);
      expect(logs.events('parquet_source_fetch_done')[0]).toMatchObject({
        rows: 3,
        sha256_verified: false,
        path: duckParquet,
      });
      expect(logs.events('parquet_source_fetch_start')[0]).toMatchObject({ scheme: 'local' });
    } finally {
      logs.stop();
    }
  });

  it('reads files written by another writer (hyparquet-writer) and has no empty-table check', async () => {
    const path = join(dir, 'hw.parquet');
    parquetWriteFile({
      filename: path,
      columnData: [
        { name: 'user', data: ['u1', 'u2'], type: 'STRING' },
        { name: 'n', data: [BigInt(5), BigInt(6)], type: 'INT64' },
      ],
    });
    const t = await parquet({ path }).fetch(ctx());
    expect(t.values('user')).toEqual(['u1', 'u2']);
    expect(t.values('n')).toEqual([5, 6]);
    const empty = join(dir, 'empty.parquet');
    const db = await DuckDBInstance.create(':memory:');
    const c = await db.connect();
    await c.run(`COPY (SELECT 1::INT AS a WHERE false) TO '${empty}' (FORMAT parquet)`);
    c.closeSync();
    db.closeSync();
    expect((await parquet({ path: empty }).fetch(ctx())).rowCount).toBe(0);
  });

  it('reports corrupt files, missing files and pin mismatches with the Parquet wording', async () => {
    const bad = join(dir, 'bad.parquet');
    writeFileSync(bad, 'PAR1 definitely not parquet');
    const err = await parquet({ path: bad })
      .fetch(ctx())
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(DataSourceError);
    expect((err as Error).message).toMatch(new RegExp(`^Failed to parse Parquet from '${bad}': `));
    const missing = join(dir, 'none.parquet');
    await expect(parquet({ path: missing }).fetch(ctx())).rejects.toThrow(`Parquet file not found: ${missing}`);
    const pinned = await parquet({ path: duckParquet, sha256: '0'.repeat(64) })
      .fetch(ctx())
      .catch((e: unknown) => e);
    expect(exitCodeFor(pinned)).toBe(7);
    const good = createHash('sha256').update(readFileSync(duckParquet)).digest('hex');
    expect((await parquet({ path: duckParquet, sha256: good }).fetch(ctx())).rowCount).toBe(3);
  });
});

describe('sources on object stores', () => {
  const text = 'user_id,item_id\nu1,i1\nu2,i2\n';

  it('reads CSV (plain and gzip) and Parquet from s3, gs and az paths', async () => {
    await openStore(`s3://${s3.bucket}/in/events.csv.gz`).write(gzipSync(text));
    await openStore('gs://proj@bkt/in/events.csv').write(Buffer.from(text));
    await openStore('az://data/in/events.parquet').write(readFileSync(duckParquet));
    const fromS3 = await createCsvSource(
      csvConfigSchema.parse({ type: 'csv', path: `s3://${s3.bucket}/in/events.csv.gz` }),
    ).fetch(ctx());
    expect(fromS3.values('item_id')).toEqual(['i1', 'i2']);
    const logs = captureLogs();
    try {
      const fromGs = await createCsvSource(
        csvConfigSchema.parse({ type: 'csv', path: 'gs://proj@bkt/in/events.csv' }),
      ).fetch(ctx());
      expect(fromGs.values('user_id')).toEqual(['u1', 'u2']);
      expect(logs.events('csv_source_fetch_start')[0]).toMatchObject({ scheme: 'gs' });
    } finally {
      logs.stop();
    }
    const fromAz = await parquet({
      path: 'abfss://data@devstoreaccount1.dfs.core.windows.net/in/events.parquet',
    }).fetch(ctx());
    expect(fromAz.rowCount).toBe(3);
  });

  it('checks the size cap on object stores and reports missing objects', async () => {
    const before = process.env.RECOTEM_MAX_DOWNLOAD_BYTES;
    process.env.RECOTEM_MAX_DOWNLOAD_BYTES = String(1024 * 1024);
    try {
      await openStore(`s3://${s3.bucket}/big.csv`).write(Buffer.alloc(1024 * 1024 + 1, 97));
      const err = await createCsvSource(csvConfigSchema.parse({ type: 'csv', path: `s3://${s3.bucket}/big.csv` }))
        .fetch(ctx())
        .catch((e: unknown) => e);
      expect((err as Error).message).toBe(
        `CSV file 's3://${s3.bucket}/big.csv' is 1,048,577 bytes which exceeds the 1048576-byte cap set by RECOTEM_MAX_DOWNLOAD_BYTES. Raise the limit or downsample the source data.`,
      );
    } finally {
      if (before === undefined) delete process.env.RECOTEM_MAX_DOWNLOAD_BYTES;
      else process.env.RECOTEM_MAX_DOWNLOAD_BYTES = before;
    }
    await expect(
      createCsvSource(csvConfigSchema.parse({ type: 'csv', path: 'gs://bkt/missing.csv' })).fetch(ctx()),
    ).rejects.toThrow('CSV file not found: gs://bkt/missing.csv');
    await expect(
      createCsvSource(csvConfigSchema.parse({ type: 'csv', path: 'az://data/missing.csv' })).probe?.(),
    ).rejects.toThrow('CSV file not found: az://data/missing.csv');
    await expect(parquet({ path: 'az://data/in/events.parquet' }).probe?.()).resolves.toBeUndefined();
  });

  it('falls back to the capped read when the store reports no size, and reports probe failures', async () => {
    const before = process.env.RECOTEM_MAX_DOWNLOAD_BYTES;
    process.env.RECOTEM_MAX_DOWNLOAD_BYTES = String(1024 * 1024);
    try {
      await openStore('gs://bkt/nosize.csv').write(Buffer.alloc(1024 * 1024 + 1, 97));
      gcs.sizeless.add('bkt/nosize.csv');
      const err = await createCsvSource(csvConfigSchema.parse({ type: 'csv', path: 'gs://bkt/nosize.csv' }))
        .fetch(ctx())
        .catch((e: unknown) => e);
      expect((err as Error).message).toBe(
        "CSV file 'gs://bkt/nosize.csv' exceeds RECOTEM_MAX_DOWNLOAD_BYTES (1048576) — increase the cap or split the file.",
      );
      expect(exitCodeFor(err)).toBe(3);
    } finally {
      if (before === undefined) delete process.env.RECOTEM_MAX_DOWNLOAD_BYTES;
      else process.env.RECOTEM_MAX_DOWNLOAD_BYTES = before;
    }
    gcs.failWith('bkt/broken.csv', 400);
    const probeSize = await createCsvSource(csvConfigSchema.parse({ type: 'csv', path: 'gs://bkt/broken.csv' }))
      .fetch(ctx())
      .catch((e: unknown) => e);
    expect(probeSize).toBeInstanceOf(DataSourceError);
    expect((probeSize as Error).message).toMatch(/^Size probe for CSV source failed: /);
    expect(exitCodeFor(probeSize)).toBe(3);
    const probe = await createCsvSource(csvConfigSchema.parse({ type: 'csv', path: 'gs://bkt/broken.csv' }))
      .probe?.()
      .catch((e: unknown) => e);
    expect((probe as Error).message).toMatch(/^Failed to probe CSV path 'gs:\/\/bkt\/broken.csv': /);
    const unresolved = await createCsvSource(csvConfigSchema.parse({ type: 'csv', path: 'ftp://example.com/x.csv' }))
      .probe?.()
      .catch((e: unknown) => e);
    expect((unresolved as Error).message).toMatch(/^CSV path 'ftp:\/\/example.com\/x.csv' could not be resolved: /);
  });
});
