/**
 * Table exports into real databases: SQLite (a file), PostgreSQL and MariaDB on loopback. Each
 * export lands in a staging table and is swapped in whole; a failed export leaves the previous
 * table as it was and removes its staging table. Table names carry a random suffix so parallel
 * runs never collide.
 */
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import type { FastifyInstance } from 'fastify';
import mysql from 'mysql2/promise';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DataSourceError } from '../../src/errors/index.js';
import type { ExportSink } from '../../src/export/destinations/sink.js';
import { runExport } from '../../src/export/index.js';
import { serverUp } from '../helpers/servers.js';
import { serverOver, tempDir } from '../serve/helpers/server.js';
import { apiRows, exportRequest, type Fixture, N_USERS, type Row, writeFixture } from './helpers.js';

const PG_URL = 'postgresql://postgres@127.0.0.1:5432/recotem_test';
const MY_URL = 'mariadb://root@127.0.0.1:3306/recotem_test';

let fx: Fixture;
let app: FastifyInstance;
let cleanup: () => Promise<void>;
let expected: Row[];

beforeAll(async () => {
  const t = await tempDir('recotem-export-db-');
  cleanup = t.cleanup;
  fx = await writeFixture(t.dir);
  app = await serverOver(t.dir);
  expected = await apiRows(app, fx.userIds, { limit: 5 });
});

afterAll(async () => {
  await app?.close();
  await cleanup?.();
});

const suffix = () => randomBytes(4).toString('hex');

/** Fails the export on its `n`-th batch, after earlier batches were staged. */
function failingOn(n: number) {
  return (sink: ExportSink): ExportSink => {
    let batches = 0;
    return {
      get description() {
        return sink.description;
      },
      open: (layout) => sink.open(layout),
      write: async (batch) => {
        if (++batches === n) throw new DataSourceError('destination went away (test)');
        await sink.write(batch);
      },
      commit: () => sink.commit(),
      abort: () => sink.abort(),
    };
  };
}

type Query = (sql: string) => Promise<Record<string, unknown>[]>;

function asRows(rows: Record<string, unknown>[]): Row[] {
  return rows.map((r) => ({
    key: String(r.user_id),
    rank: Number(r.rank),
    item: String(r.item_id),
    score: Math.fround(Number(r.score)),
  }));
}

const f32 = (rows: Row[]) => rows.map((r) => ({ ...r, score: Math.fround(r.score) }));

async function checkTableExport(
  to: string,
  query: Query,
  quote: (s: string) => string,
  tables: () => Promise<string[]>,
) {
  const table = `recs_${suffix()}`;
  const select = `SELECT * FROM ${quote(table)} ORDER BY ${quote('user_id')}, ${quote('rank')}`;
  const byUser = (rows: Row[]) => [...rows].sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : a.rank - b.rank));
  // First export: limit 5, with a metadata column.
  const first = await runExport(await exportRequest(fx, { to, table, metadataFields: ['genre'] }));
  const rows1 = await query(select);
  expect(asRows(rows1)).toEqual(byUser(f32(expected)));
  expect(rows1[0].model_version).toBe(first.modelVersion);
  expect(rows1.every((r) => typeof r.genre === 'string')).toBe(true);
  expect(
    new Date(
      String(rows1[0].generated_at instanceof Date ? rows1[0].generated_at.toISOString() : rows1[0].generated_at),
    ).getTime(),
  ).not.toBeNaN();
  // A failed re-export (limit 2) leaves the first export whole and no staging table behind.
  await expect(
    runExport(await exportRequest(fx, { to, table, limit: 2, chunkRows: 20, wrapSink: failingOn(3) })),
  ).rejects.toThrow(/destination went away/);
  expect(asRows(await query(select))).toEqual(byUser(f32(expected)));
  expect((await tables()).filter((t) => t.startsWith(`${table}__`))).toEqual([]);
  // A successful re-export replaces the table.
  const second = await runExport(await exportRequest(fx, { to, table, limit: 2 }));
  expect(second.rows).toBe(N_USERS * 2);
  const rows2 = asRows(await query(select));
  expect(rows2).toEqual(byUser(f32(expected.filter((r) => r.rank <= 2))));
  expect((await tables()).filter((t) => t.startsWith(table))).toEqual([table]);
  return table;
}

describe('export to database tables', () => {
  it('SQLite: rows equal the API, the table is swapped whole, a failed export keeps the previous one', async () => {
    const file = join(fx.dir, 'recs.db');
    const db = () => new Database(file, { readonly: true });
    const query: Query = async (sql) => {
      const d = db();
      try {
        return d.prepare(sql).all() as Record<string, unknown>[];
      } finally {
        d.close();
      }
    };
    const tables = async () =>
      (await query("SELECT name FROM sqlite_master WHERE type = 'table'")).map((r) => String(r.name));
    await checkTableExport(`sqlite:///${file}`, query, (s) => `"${s}"`, tables);
  });

  it.skipIf(!serverUp('postgres'))(
    'PostgreSQL: rows equal the API, the table is swapped whole, a failed export keeps the previous one',
    async () => {
      const client = new pg.Client({ connectionString: PG_URL });
      await client.connect();
      let table = '';
      try {
        const query: Query = async (sql) => (await client.query(sql)).rows;
        const tables = async () =>
          (await query("SELECT tablename FROM pg_tables WHERE schemaname = 'public'")).map((r) => String(r.tablename));
        table = await checkTableExport(PG_URL, query, (s) => `"${s}"`, tables);
        const types = await query(
          `SELECT column_name, data_type FROM information_schema.columns WHERE table_name = '${table}' ORDER BY ordinal_position`,
        );
        expect(types.map((t) => t.data_type)).toEqual([
          'text',
          'integer',
          'text',
          'real',
          'text',
          'timestamp with time zone',
        ]);
      } finally {
        if (table) await client.query(`DROP TABLE IF EXISTS "${table}"`);
        await client.end();
      }
    },
  );

  it.skipIf(!serverUp('mariadb'))(
    'MariaDB: rows equal the API, the table is swapped whole, a failed export keeps the previous one',
    async () => {
      const conn = await mysql.createConnection({
        host: '127.0.0.1',
        port: 3306,
        user: 'root',
        database: 'recotem_test',
      });
      let table = '';
      try {
        const query: Query = async (sql) => (await conn.query(sql))[0] as Record<string, unknown>[];
        const tables = async () =>
          (await query('SELECT table_name AS t FROM information_schema.tables WHERE table_schema = DATABASE()')).map(
            (r) => String(r.t),
          );
        table = await checkTableExport(MY_URL, query, (s) => `\`${s}\``, tables);
      } finally {
        if (table) await conn.query(`DROP TABLE IF EXISTS \`${table}\``);
        await conn.end();
      }
    },
  );

  it.skipIf(!serverUp('postgres'))(
    'a database URL from an environment variable (env:NAME); the password never appears in errors',
    async () => {
      const table = `recs_${suffix()}`;
      const client = new pg.Client({ connectionString: PG_URL });
      await client.connect();
      try {
        await runExport(await exportRequest(fx, { to: 'env:EXPORT_DSN', env: { EXPORT_DSN: PG_URL }, table }));
        const n = await client.query(`SELECT count(*)::int AS n FROM "${table}"`);
        expect(n.rows[0].n).toBe(expected.length);
        const bad = runExport(
          await exportRequest(fx, { to: 'postgresql://postgres:s3cr3t-pw@127.0.0.1:5432/no_such_db', table }),
        );
        await expect(bad).rejects.toBeInstanceOf(DataSourceError);
        await expect(bad).rejects.not.toThrow(/s3cr3t-pw/);
      } finally {
        await client.query(`DROP TABLE IF EXISTS "${table}"`);
        await client.end();
      }
    },
  );
});
