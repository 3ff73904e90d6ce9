/**
 * File exports (CSV, gzip CSV, Parquet) of a real signed model: the lists equal the API's
 * `:batch-recommend` for the same users (and the related verb for `--items-related`), filters and
 * serving rules apply as in the API, and the file appears only when complete.
 */
import { readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { DuckDBInstance } from '@duckdb/node-api';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConfigError } from '../../src/errors/index.js';
import { runExport } from '../../src/export/index.js';
import { serverOver, tempDir } from '../serve/helpers/server.js';
import {
  apiRows,
  csvRows,
  exportRequest,
  type Fixture,
  GENRES,
  N_ITEMS,
  N_USERS,
  type Row,
  writeFixture,
} from './helpers.js';

let fx: Fixture;
let app: FastifyInstance;
let cleanup: () => Promise<void>;

beforeAll(async () => {
  const t = await tempDir('recotem-export-');
  cleanup = t.cleanup;
  fx = await writeFixture(t.dir);
  app = await serverOver(t.dir);
});

afterAll(async () => {
  await app?.close();
  await cleanup?.();
});

describe('export to files', () => {
  it('CSV holds exactly the API lists for every user, with model version and one generation time', async () => {
    const to = join(fx.dir, 'all.csv');
    // Two scoring threads, chunks of 8 users: results arrive from both threads and stay in order.
    const summary = await runExport(await exportRequest(fx, { to, threads: 2, inlineMaxScores: 0 }));
    const { header, rows, raw } = csvRows(await readFile(to, 'utf8'));
    expect(header).toEqual(['user_id', 'rank', 'item_id', 'score', 'model_version', 'generated_at']);
    const expected = await apiRows(app, fx.userIds, { limit: 5 });
    expect(expected.length).toBeGreaterThan(N_USERS * 3);
    expect(rows).toEqual(expected);
    expect(summary.rows).toBe(expected.length);
    expect(summary.keys).toBe(N_USERS);
    expect(new Set(raw.map((r) => r[4]))).toEqual(new Set([summary.modelVersion]));
    expect(summary.modelVersion).toMatch(/^sha256:[0-9a-f]{64}$/);
    expect(new Set(raw.map((r) => r[5])).size).toBe(1);
    // Ids that need quoting survive the round trip.
    expect(rows.some((r) => r.item === 'item,"3"') || rows.some((r) => r.item === 'itém-5')).toBe(true);
    // No staging file is left next to the export.
    expect((await readdir(fx.dir)).filter((f) => f.includes('.tmp-'))).toEqual([]);
  });

  it('gzip CSV with a metadata column and a filter equals the API with the same filter', async () => {
    const to = join(fx.dir, 'filtered.csv.gz');
    const filter = { genre: { in: ['drama', 'noir'] } };
    await runExport(await exportRequest(fx, { to, filter, metadataFields: ['genre'], inlineMaxScores: 0 }));
    const { header, rows, raw } = csvRows(gunzipSync(await readFile(to)).toString('utf8'));
    expect(header).toEqual(['user_id', 'rank', 'item_id', 'score', 'model_version', 'generated_at', 'genre']);
    expect(rows).toEqual(await apiRows(app, fx.userIds, { limit: 5, filter }));
    expect(new Set(raw.map((r) => r[6]))).toEqual(new Set([GENRES[0], GENRES[2]]));
  });

  it('Parquet holds the same rows with typed columns', async () => {
    const to = join(fx.dir, 'all.parquet');
    await runExport(await exportRequest(fx, { to, limit: 7, metadataFields: ['year'] }));
    const db = await DuckDBInstance.create(':memory:');
    const con = await db.connect();
    const reader = await con.runAndReadAll(
      `SELECT user_id, rank, item_id, score, model_version, generated_at, year, typeof(score) AS t, typeof(generated_at) AS g FROM read_parquet('${to}')`,
    );
    const got = reader.getRowObjectsJS() as Record<string, unknown>[];
    con.closeSync();
    const rows: Row[] = got.map((r) => ({
      key: String(r.user_id),
      rank: Number(r.rank),
      item: String(r.item_id),
      score: Number(r.score),
    }));
    const expected = await apiRows(app, fx.userIds, { limit: 7 });
    expect(rows.map((r) => [r.key, r.rank, r.item])).toEqual(expected.map((r) => [r.key, r.rank, r.item]));
    // FLOAT column: the API's score is the same float32 value.
    expect(rows.map((r) => Math.fround(r.score))).toEqual(expected.map((r) => Math.fround(r.score)));
    expect(got[0].t).toBe('FLOAT');
    expect(String(got[0].g)).toMatch(/TIMESTAMP/);
    expect(got.every((r) => r.year !== null)).toBe(true);
  });

  it('--users: listed users in file order; unknown ids reported and skipped; popular with unknown_user: popular', async () => {
    const ids = join(fx.dir, 'ids.txt');
    await writeFile(ids, '\uFEFFu5\n\n  u2 \nnobody\nu5\nghost\n');
    const to = join(fx.dir, 'some.csv');
    const summary = await runExport(await exportRequest(fx, { to, idsFile: ids }));
    expect(summary.unknown).toEqual(['nobody', 'ghost']);
    const { rows } = csvRows(await readFile(to, 'utf8'));
    expect(rows).toEqual(await apiRows(app, ['u5', 'u2'], { limit: 5 }));

    const t = await tempDir('recotem-export-popular-');
    const popular = await writeFixture(t.dir, { unknownUser: 'popular' });
    const popularApp = await serverOver(t.dir);
    try {
      const out = join(t.dir, 'p.csv');
      const s = await runExport(await exportRequest(popular, { to: out, idsFile: ids }));
      expect(s.unknown).toEqual([]);
      const got = csvRows(await readFile(out, 'utf8')).rows;
      expect(got).toEqual(await apiRows(popularApp, ['u5', 'u2', 'nobody', 'ghost'], { limit: 5 }));
    } finally {
      await popularApp.close();
      await t.cleanup();
    }
  });

  it('--items-related equals the related verb with each item as the only seed', async () => {
    const to = join(fx.dir, 'related.csv');
    const summary = await runExport(await exportRequest(fx, { to, related: true, limit: 4, inlineMaxScores: 0 }));
    const { header, rows } = csvRows(await readFile(to, 'utf8'));
    expect(header[0]).toBe('seed_item_id');
    expect(rows).toEqual(await apiRows(app, fx.itemIds, { limit: 4, related: true }));
    expect(summary.keys).toBe(fx.itemIds.length);
  });

  it('--include-seen may recommend training items; the default never does', async () => {
    const to = join(fx.dir, 'seen.csv');
    await runExport(await exportRequest(fx, { to, excludeSeen: false, limit: N_ITEMS, inlineMaxScores: 0 }));
    const all = csvRows(await readFile(to, 'utf8')).rows;
    // Every item is ranked for every user when nothing is excluded.
    expect(all.length).toBe(N_USERS * fx.itemIds.length);
    const excluded = await apiRows(app, fx.userIds, { limit: N_ITEMS });
    expect(excluded.length).toBeLessThan(all.length);
    // The excluded ranking is the full ranking minus the training items, in the same order.
    const full = all.filter((r) => r.key === 'u0').map((r) => r.item);
    const kept = new Set(excluded.filter((r) => r.key === 'u0').map((r) => r.item));
    expect(full.filter((i) => kept.has(i))).toEqual(excluded.filter((r) => r.key === 'u0').map((r) => r.item));
  });

  it('a filter on an undeclared field or an unknown metadata column is a configuration error', async () => {
    const to = join(fx.dir, 'bad.csv');
    await expect(runExport(await exportRequest(fx, { to, filter: { colour: { eq: 'red' } } }))).rejects.toBeInstanceOf(
      ConfigError,
    );
    await expect(runExport(await exportRequest(fx, { to, metadataFields: ['colour'] }))).rejects.toThrow(/colour/);
    expect((await readdir(fx.dir)).filter((f) => f.startsWith('bad.csv') || f.includes('.tmp-'))).toEqual([]);
  });
});

describe('against a real server', () => {
  it('the export equals :batch-recommend answered over HTTP on a loopback port', async () => {
    const to = join(fx.dir, 'http.csv');
    await runExport(await exportRequest(fx, { to, limit: 6, threads: 2, inlineMaxScores: 0 }));
    const address = await app.listen({ port: 0, host: '127.0.0.1' });
    const users = fx.userIds.slice(0, 20);
    const response = await fetch(`${address}/v1/recipes/exp:batch-recommend`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ requests: users.map((user_id) => ({ user_id, limit: 6 })) }),
    });
    expect(response.status).toBe(200);
    const body = (await response.json()) as {
      results: { index: number; items: { item_id: string; score: number }[] }[];
    };
    const expected: Row[] = body.results.flatMap((r) =>
      r.items.map((it, j) => ({ key: users[r.index], rank: j + 1, item: it.item_id, score: it.score })),
    );
    const got = csvRows(await readFile(to, 'utf8')).rows.filter((r) => users.includes(r.key));
    expect(got).toEqual(expected);
  });
});

describe('scoring on the event loop and in threads', () => {
  it('gives the same rows either way, for users and for related items', async () => {
    for (const related of [false, true]) {
      const inline = join(fx.dir, `inline-${related}.csv`);
      const threaded = join(fx.dir, `threads-${related}.csv`);
      const filter = { year: { gte: 2000 } };
      await runExport(await exportRequest(fx, { to: inline, related, filter, excludeSeen: related }));
      await runExport(
        await exportRequest(fx, {
          to: threaded,
          related,
          filter,
          excludeSeen: related,
          threads: 2,
          inlineMaxScores: 0,
        }),
      );
      const a = csvRows(await readFile(inline, 'utf8')).rows;
      expect(a.length).toBeGreaterThan(0);
      expect(csvRows(await readFile(threaded, 'utf8')).rows).toEqual(a);
    }
  });
});

describe('Parquet row groups', () => {
  it('several full row groups and a partial last one hold the same rows as the CSV export', async () => {
    // 300 seed items × 299 related items = 89,700 rows: two full groups of 32,768 and a partial one.
    const parquet = join(fx.dir, 'groups.parquet');
    const csv = join(fx.dir, 'groups.csv');
    await runExport(await exportRequest(fx, { to: parquet, related: true, limit: N_ITEMS - 1 }));
    await runExport(await exportRequest(fx, { to: csv, related: true, limit: N_ITEMS - 1 }));
    const expected = csvRows(await readFile(csv, 'utf8')).rows;
    expect(expected.length).toBe(N_ITEMS * (N_ITEMS - 1));
    const db = await DuckDBInstance.create(':memory:');
    const con = await db.connect();
    const reader = await con.runAndReadAll(`SELECT seed_item_id, rank, item_id, score FROM read_parquet('${parquet}')`);
    const got = (reader.getRowObjectsJS() as Record<string, unknown>[]).map((r) => ({
      key: String(r.seed_item_id),
      rank: Number(r.rank),
      item: String(r.item_id),
      score: Math.fround(Number(r.score)),
    }));
    const groups = await con.runAndReadAll(
      `SELECT count(*) AS n FROM parquet_metadata('${parquet}') WHERE column_id = 0`,
    );
    con.closeSync();
    expect(got).toEqual(expected.map((r) => ({ ...r, score: Math.fround(r.score) })));
    expect(Number((groups.getRowObjectsJS()[0] as { n: unknown }).n)).toBe(3);
  });
});
