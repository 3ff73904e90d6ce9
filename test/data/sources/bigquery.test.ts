import { OAuth2Client } from 'google-auth-library';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  bigQueryStorageFallbacks,
  buildQueryParameters,
  createBigQuerySource,
  iamDetectedVia,
  type StorageReader,
} from '../../../src/data/sources/bigquery.js';
import { bigQueryConfigSchema } from '../../../src/data/sources/configs.js';
import type { FetchContext } from '../../../src/data/sources/types.js';
import { InteractionTable } from '../../../src/data/table.js';
import { DataSourceError, exitCodeFor } from '../../../src/errors/index.js';
import { captureLogs } from '../../../src/log/index.js';
import { IntegralFloat } from '../../../src/recipe/index.js';
import { type FakeBigQuery, startFakeBigQuery } from '../../helpers/fake-bigquery.js';

let bq: FakeBigQuery;
const ctx: FetchContext = { recipeName: 'r1', runId: 'run1', extra: {} };

beforeAll(async () => {
  process.env.METADATA_SERVER_DETECTION = 'none';
  bq = await startFakeBigQuery();
  bq.results.set('FROM events', {
    fields: [
      { name: 'user_id', type: 'INTEGER' },
      { name: 'item_id', type: 'STRING' },
      { name: 'ts', type: 'TIMESTAMP' },
      { name: 'w', type: 'FLOAT' },
    ],
    rows: [
      ['42', 'a', '1700000000000000', '1.5'],
      ['9007199254740993', 'b', '1700000001500000', null],
      [null, 'c', null, '2'],
    ],
  });
});

afterAll(async () => {
  await bq.close();
});

function authClient(): OAuth2Client {
  const c = new OAuth2Client();
  c.setCredentials({ access_token: 'test-token', expiry_date: Date.now() + 3_600_000 });
  return c;
}

function source(
  cfg: Record<string, unknown>,
  opts: { storageReader?: StorageReader | null; env?: Record<string, string>; pageSize?: number } = {},
) {
  return createBigQuerySource(bigQueryConfigSchema.parse({ type: 'bigquery', project: 'billing-proj', ...cfg }), {
    clientOptions: { apiEndpoint: bq.endpoint, authClient: authClient(), autoRetry: false },
    env: opts.env ?? {},
    storageReader: opts.storageReader,
    pageSize: opts.pageSize,
  });
}

async function failure(p: Promise<unknown>): Promise<DataSourceError> {
  const err = await p.then(
    () => {
      throw new Error('expected failure');
    },
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(DataSourceError);
  return err as DataSourceError;
}

describe('bigquery parameters', () => {
  it('types parameters by value, booleans before integers, YAML floats as FLOAT64', () => {
    expect(buildQueryParameters({ b: true, i: 5, f: 2.5, g: new IntegralFloat(5), s: 'x' })).toEqual({
      params: { b: true, i: 5, f: 2.5, g: 5, s: 'x' },
      types: { b: 'BOOL', i: 'INT64', f: 'FLOAT64', g: 'FLOAT64', s: 'STRING' },
    });
    for (const [v, t] of [
      [null, 'NoneType'],
      [[1], 'list'],
      [{ a: 1 }, 'dict'],
    ] as const) {
      expect(() => buildQueryParameters({ p: v })).toThrow(
        `BigQuery query parameter 'p' has unsupported type '${t}'. Supported types: int, float, str, bool.`,
      );
    }
  });
});

describe('bigquery source against a fake REST API', () => {
  it('submits a named-parameter job billed to the project and pages through typed results', async () => {
    const logs = captureLogs();
    try {
      const src = await source(
        { query: 'SELECT * FROM events WHERE n > @n AND f = @f', query_parameters: { n: 3, f: new IntegralFloat(1) } },
        { pageSize: 2 },
      );
      const t = await src.fetch(ctx);
      const job = bq.jobs.at(-1) as {
        jobReference: { projectId: string };
        configuration: { query: { queryParameters: unknown[]; parameterMode: string; useLegacySql: boolean } };
      };
      expect(job.jobReference.projectId).toBe('billing-proj');
      expect(job.configuration.query.parameterMode.toUpperCase()).toBe('NAMED');
      expect(job.configuration.query.useLegacySql).toBe(false);
      expect(job.configuration.query.queryParameters).toEqual([
        { name: 'n', parameterType: { type: 'INT64' }, parameterValue: { value: 3 } },
        { name: 'f', parameterType: { type: 'FLOAT64' }, parameterValue: { value: 1 } },
      ]);
      expect(t.columnNames).toEqual(['user_id', 'item_id', 'ts', 'w']);
      expect(t.values('user_id')).toEqual([42, 9007199254740993n, null]);
      expect(t.columnType('user_id')).toBe('int'); // nullable INT64 stays integral
      expect(t.values('ts')).toEqual([new Date(1_700_000_000_000), new Date(1_700_000_001_500), null]);
      expect(t.columnType('w')).toBe('float');
      expect(logs.events('bigquery_source_fetch_start')[0]).toMatchObject({
        recipe: 'r1',
        run_id: 'run1',
        project: 'billing-proj',
      });
      expect(logs.events('bigquery_source_fetch_done')[0]).toMatchObject({
        rows: 3,
        columns: ['user_id', 'item_id', 'ts', 'w'],
      });
      expect(logs.events('bigquery_storage_fallback')[0]).toMatchObject({ reason: 'missing_extra' });
    } finally {
      logs.stop();
    }
  });

  it('dry-runs on probe without the query cache, and reports API errors', async () => {
    await (await source({ query: 'SELECT 1 FROM events' })).probe?.();
    const job = bq.jobs.at(-1) as { configuration: { dryRun: boolean; query: { useQueryCache: boolean } } };
    expect(job.configuration.dryRun).toBe(true);
    expect(job.configuration.query.useQueryCache).toBe(false);
    bq.submitErrors.set('BROKEN', { status: 400, message: 'Syntax error: Unexpected keyword BROKEN' });
    const probe = await failure((await source({ query: 'SELECT BROKEN' })).probe?.() ?? Promise.resolve());
    expect(probe.message).toBe('BigQuery dry-run failed: Syntax error: Unexpected keyword BROKEN');
    expect(exitCodeFor(probe)).toBe(3);
    const fetch = await failure((await source({ query: 'SELECT BROKEN' })).fetch(ctx));
    expect(fetch.message).toBe('BigQuery query submission failed: Syntax error: Unexpected keyword BROKEN');
    const results = await failure((await source({ query: 'SELECT 1 FROM nowhere' })).fetch(ctx));
    expect(results.message).toMatch(/^BigQuery query execution failed: /);
  });

  it('rejects unsupported parameters on probe and fetch', async () => {
    const src = await source({ query: 'SELECT 1 FROM events', query_parameters: { d: ['x'] } });
    expect((await failure(src.probe?.() ?? Promise.resolve())).message).toContain("has unsupported type 'list'");
    expect((await failure(src.fetch(ctx))).message).toContain("has unsupported type 'list'");
  });

  it('requires the Storage Read API when RECOTEM_BQ_REQUIRE_STORAGE_API is set', async () => {
    const src = await source({ query: 'SELECT * FROM events' }, { env: { RECOTEM_BQ_REQUIRE_STORAGE_API: 'true' } });
    const message = (await failure(src.fetch(ctx))).message;
    expect(message).toMatch(/^RECOTEM_BQ_REQUIRE_STORAGE_API is set/);
    expect(message).toContain('this build has no BigQuery Storage Read API reader');
  });

  it('falls back to REST on IAM-shaped Storage API errors only', async () => {
    class PermissionDenied extends Error {}
    class SubDenied extends PermissionDenied {}
    const failing = (err: unknown): StorageReader => ({ read: async () => Promise.reject(err) });
    const logs = captureLogs();
    try {
      const before = bigQueryStorageFallbacks.api_error ?? 0;
      const t = await (
        await source({ query: 'SELECT * FROM events' }, { storageReader: failing(new SubDenied('nope')) })
      ).fetch(ctx);
      expect(t.rowCount).toBe(3);
      expect(logs.events('bigquery_storage_fallback')[0]).toMatchObject({
        reason: 'api_error',
        iam_permission_needed: 'bigquery.readSessions.create',
        iam_detected_via: 'mro',
      });
      expect(bigQueryStorageFallbacks.api_error).toBe(before + 1);
    } finally {
      logs.stop();
    }
    const quota = await failure(
      (
        await source(
          { query: 'SELECT * FROM events' },
          { storageReader: failing(Object.assign(new Error('quota exceeded'), { code: 429 })) },
        )
      ).fetch(ctx),
    );
    expect(quota.message).toBe('BigQuery query execution failed: quota exceeded');
    expect(bigQueryStorageFallbacks.non_iam_error_no_fallback).toBeGreaterThan(0);
    const ok: StorageReader = { read: async () => InteractionTable.fromColumns({ x: [1] }) };
    expect(
      (await (await source({ query: 'SELECT * FROM events' }, { storageReader: ok })).fetch(ctx)).columnNames,
    ).toEqual(['x']);
  });

  it('classifies IAM errors by status, class, ancestry and message', () => {
    class Forbidden extends Error {}
    expect(iamDetectedVia(Object.assign(new Error('x'), { code: 403 }))).toBe('http_403');
    expect(iamDetectedVia(new Forbidden('x'))).toBe('class');
    expect(iamDetectedVia(new Error('rpc error: PERMISSION_DENIED on table'))).toBe('message');
    expect(iamDetectedVia(new Error('deadline exceeded'))).toBeNull();
  });
});
