import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadItemMetadata, MetadataError } from '../../src/data/metadata.js';
import { exitCodeFor } from '../../src/errors/index.js';
import { captureLogs } from '../../src/log/index.js';
import { serveBytes, startHttpServer, type TestHttpServer } from '../helpers/http-server.js';

let dir: string;
let srv: TestHttpServer;
let parquetPath: string;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'recotem-meta-'));
  srv = await startHttpServer();
  parquetPath = join(dir, 'items.parquet');
  const db = await DuckDBInstance.create(':memory:');
  const c = await db.connect();
  await c.run(
    `COPY (SELECT * FROM (VALUES (10, 'Alpha', 9.5, true, TIMESTAMP '2024-01-02 03:04:05'), (20, 'Beta', NULL, false, NULL), (10, 'Dup', 1.0, true, NULL), (NULL, 'NoId', 2.0, false, NULL)) t(item_id, title, price, in_stock, released)) TO '${parquetPath}' (FORMAT parquet)`,
  );
  c.closeSync();
  db.closeSync();
});

afterAll(async () => {
  rmSync(dir, { recursive: true, force: true });
  await srv.close();
});

function csv(text: string): string {
  const p = join(dir, `m${Math.random().toString(36).slice(2)}.csv`);
  writeFileSync(p, text);
  return p;
}

async function failure(p: Promise<unknown>): Promise<MetadataError> {
  const err = await p.then(
    () => {
      throw new Error('expected failure');
    },
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(MetadataError);
  return err as MetadataError;
}

describe('loadItemMetadata', () => {
  it('reads CSV cells as text without missing-value detection, drops blank and duplicate ids', async () => {
    const path = csv(
      'item_id,title,genre,secret\n1,Alpha,NA,x\n  ,Blank,,y\n2,,null,z\n1,Again,x,q\n3,"Quoted, title",,w\n',
    );
    const logs = captureLogs();
    try {
      const md = await loadItemMetadata(
        { type: 'csv', path, item_id_column: 'item_id' },
        ['title', 'genre', 'Secret_missing'],
        {
          onFieldMissing: 'null',
          recipeName: 'r1',
        },
      );
      expect(md.itemIds).toEqual(['1', '2', '3']);
      expect(md.get('1')).toEqual({ title: 'Alpha', genre: 'NA', Secret_missing: null });
      expect(md.get('2')).toEqual({ title: '', genre: 'null', Secret_missing: null });
      expect(md.get('3')?.title).toBe('Quoted, title');
      expect(md.get('nope')).toBeUndefined();
      expect(logs.events('metadata_null_item_ids_dropped')[0]).toMatchObject({ path, drop_count: 1 });
      expect(logs.events('metadata_duplicate_item_ids_dropped')[0]).toMatchObject({ drop_count: 1 });
      expect(logs.events('metadata_field_missing_filled_null')[0]).toMatchObject({ field: 'Secret_missing' });
      expect(logs.events('metadata_loaded')[0]).toMatchObject({ path, n_items: 3, item_id_column: 'item_id' });
    } finally {
      logs.stop();
    }
  });

  it('keeps Parquet types and coerces numeric ids to strings', async () => {
    const md = await loadItemMetadata({ type: 'parquet', path: parquetPath, item_id_column: 'item_id' }, [
      'title',
      'price',
      'in_stock',
      'released',
    ]);
    // The id column holds a null, so (as with pandas) it is a float column and ids render as 10.0.
    expect(md.itemIds).toEqual(['10.0', '20.0']);
    expect(md.get('10.0')).toEqual({
      title: 'Alpha',
      price: 9.5,
      in_stock: true,
      released: '2024-01-02T03:04:05.000Z',
    });
    expect(md.get('20.0')).toEqual({ title: 'Beta', price: null, in_stock: false, released: null });
    expect(md.column('price').encoding).toBe('number');
    expect([...md.toRowMap()]).toEqual([
      ['10.0', ['Alpha', 9.5, true, '2024-01-02T03:04:05.000Z']],
      ['20.0', ['Beta', null, false, null]],
    ]);
  });

  it('applies the deny list case-insensitively', async () => {
    const md = await loadItemMetadata(
      { type: 'parquet', path: parquetPath, item_id_column: 'item_id' },
      ['title', 'price'],
      {
        deny: ['PRICE'],
      },
    );
    expect(md.fields).toEqual(['title']);
    expect(md.get('10.0')).toEqual({ title: 'Alpha' });
  });

  it('reports missing fields and a missing id column as field_missing', async () => {
    const path = csv('item_id,title\n1,a\n');
    const err = await failure(loadItemMetadata({ type: 'csv', path, item_id_column: 'item_id' }, ['title', 'genre']));
    expect(err.reason).toBe('field_missing');
    expect(err.message).toBe(
      `item_metadata fields not found in '${path}': ['genre']; available columns: ['item_id', 'title']`,
    );
    const id = await failure(loadItemMetadata({ type: 'csv', path, item_id_column: 'sku' }, ['title']));
    expect(id.reason).toBe('field_missing');
    expect(id.message).toContain("item_id_column 'sku' not found");
  });

  it('maps io, parse and fetch failures to their reasons', async () => {
    const missing = await failure(
      loadItemMetadata({ type: 'csv', path: join(dir, 'none.csv'), item_id_column: 'id' }, ['x']),
    );
    expect(missing.reason).toBe('io');
    expect(missing.message).toBe(`Metadata file not found: ${join(dir, 'none.csv')}`);
    const corrupt = join(dir, 'bad.parquet');
    writeFileSync(corrupt, 'not parquet at all');
    expect(
      (await failure(loadItemMetadata({ type: 'parquet', path: corrupt, item_id_column: 'id' }, ['x']))).reason,
    ).toBe('parse');
    const before = process.env.RECOTEM_MAX_DOWNLOAD_BYTES;
    process.env.RECOTEM_MAX_DOWNLOAD_BYTES = String(1024 * 1024);
    try {
      const big = csv(`item_id,x\n${'1,a\n'.repeat(300_000)}`);
      const err = await failure(loadItemMetadata({ type: 'csv', path: big, item_id_column: 'item_id' }, ['x']));
      expect(err.reason).toBe('io');
      expect(err.message).toMatch(/exceeds the 1048576-byte cap set by RECOTEM_MAX_DOWNLOAD_BYTES/);
    } finally {
      if (before === undefined) delete process.env.RECOTEM_MAX_DOWNLOAD_BYTES;
      else process.env.RECOTEM_MAX_DOWNLOAD_BYTES = before;
    }
  });

  it('fetches http metadata through the guarded fetcher and verifies the pin', async () => {
    const body = 'item_id,title\n1,Remote\n';
    srv.route('/items.csv', serveBytes(body));
    const url = `${srv.origin}/items.csv`;
    const pin = createHash('sha256').update(body).digest('hex');
    const refused = await failure(
      loadItemMetadata({ type: 'csv', path: url, item_id_column: 'item_id', sha256: pin }, ['title']),
    );
    expect(refused.reason).toBe('http_fetch');
    expect(exitCodeFor(refused)).toBe(7);
    process.env.RECOTEM_HTTP_ALLOW_PRIVATE = '1';
    try {
      const md = await loadItemMetadata({ type: 'csv', path: url, item_id_column: 'item_id', sha256: pin }, ['title']);
      expect(md.get('1')).toEqual({ title: 'Remote' });
      const bad = await failure(
        loadItemMetadata({ type: 'csv', path: url, item_id_column: 'item_id', sha256: 'c'.repeat(64) }, ['title']),
      );
      expect(bad.reason).toBe('http_fetch');
      expect(bad.message).toMatch(/^sha256 mismatch: got /);
    } finally {
      delete process.env.RECOTEM_HTTP_ALLOW_PRIVATE;
    }
  });

  it('refuses empty field lists and unknown types', async () => {
    expect((await failure(loadItemMetadata({ type: 'csv', path: 'x.csv', item_id_column: 'id' }, []))).reason).toBe(
      'unknown',
    );
    expect(
      (await failure(loadItemMetadata({ type: 'json', path: 'x.json', item_id_column: 'id' }, ['a']))).reason,
    ).toBe('unknown');
  });
});
