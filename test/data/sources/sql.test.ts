import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import mysql from 'mysql2/promise';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isInternalAddress } from '../../../src/data/http/ip.js';
import { sqlConfigSchema } from '../../../src/data/sources/configs.js';
import { createSqlSource, type SqlSourceOptions } from '../../../src/data/sources/sql.js';
import type { FetchContext } from '../../../src/data/sources/types.js';
import { DataSourceError, exitCodeFor, HttpFetchError } from '../../../src/errors/index.js';
import { captureLogs } from '../../../src/log/index.js';
import { serverUp } from '../../helpers/servers.js';

const tag = `recotem_sqltest_${process.pid}_${Math.floor(Math.random() * 1e6)}`;
const PG_DSN = 'postgresql://postgres:supersecret@127.0.0.1:5432/recotem_test';
const MY_DSN = 'mysql://root@127.0.0.1:3306/recotem_test';
const pgUp = serverUp('postgres');
const myUp = serverUp('mariadb');
const ctx: FetchContext = { recipeName: 'r1', runId: 'run1', extra: {} };
let dir: string;
let sqlitePath: string;

async function withPg<T>(fn: (c: pg.Client) => Promise<T>): Promise<T> {
  const c = new pg.Client({ connectionString: 'postgresql://postgres@127.0.0.1:5432/recotem_test' });
  await c.connect();
  try {
    return await fn(c);
  } finally {
    await c.end();
  }
}

async function createMysqlTables(): Promise<void> {
  const my = await mysql.createConnection({ host: '127.0.0.1', port: 3306, user: 'root', database: 'recotem_test' });
  await my.query(
    `CREATE TABLE ${tag} (k int PRIMARY KEY, user_id bigint, item_id varchar(20), ts datetime, score decimal(5,2))`,
  );
  await my.query(`INSERT INTO ${tag} VALUES (1, 42, 'a', '2024-01-01 00:00:00', 1.50), (2, 7, 'b', NULL, NULL)`);
  await my.query(`CREATE TABLE ${tag}_big (k int)`);
  await my.query(`INSERT INTO ${tag}_big (k) VALUES ${Array.from({ length: 1001 }, (_, k) => `(${k + 1})`).join(',')}`);
  await my.end();
}

beforeAll(async () => {
  if (pgUp)
    await withPg(async (c) => {
      await c.query(
        `CREATE TABLE ${tag} (k serial PRIMARY KEY, user_id bigint, item_id text, ts timestamp, score numeric(5,2), n int)`,
      );
      await c.query(
        `INSERT INTO ${tag} (user_id, item_id, ts, score, n) VALUES (42, 'a', '2024-01-01 00:00:00', 1.50, 1), (7, 'b:c', '2024-01-02 12:00:00', 2.00, NULL), (9007199254740993, 'c', NULL, NULL, 3)`,
      );
      await c.query(`CREATE TABLE ${tag}_big AS SELECT g AS k FROM generate_series(1, 1001) g`);
      await c.query(`CREATE SEQUENCE ${tag}_seq`);
    });
  if (myUp) await createMysqlTables();
  dir = mkdtempSync(join(tmpdir(), 'recotem-sqlite-'));
  sqlitePath = join(dir, 'db.sqlite');
  const db = new Database(sqlitePath);
  db.exec('CREATE TABLE t (user_id INTEGER, item_id TEXT, rating REAL, flag INTEGER)');
  db.prepare('INSERT INTO t VALUES (?, ?, ?, ?)').run(1, 'x', 4.5, 1);
  db.prepare('INSERT INTO t VALUES (?, ?, ?, ?)').run(2, 'y', 3, 0);
  db.close();
}, 60_000);

afterAll(async () => {
  if (pgUp)
    await withPg(async (c) => {
      await c.query(`DROP TABLE IF EXISTS ${tag}, ${tag}_big`);
      await c.query(`DROP SEQUENCE IF EXISTS ${tag}_seq`);
    });
  if (myUp) {
    const my = await mysql.createConnection({ host: '127.0.0.1', port: 3306, user: 'root', database: 'recotem_test' });
    await my.query(`DROP TABLE IF EXISTS ${tag}, ${tag}_big`);
    await my.end();
  }
  if (dir) rmSync(dir, { recursive: true, force: true });
});

function source(
  cfg: Record<string, unknown>,
  dsn: string,
  opts: SqlSourceOptions & { allow?: boolean; env?: Record<string, string> } = {},
) {
  const env: Record<string, string> = {
    RECOTEM_RECIPE_DSN: dsn,
    RECOTEM_SQL_ALLOW_PRIVATE: opts.allow === false ? '0' : '1',
    ...opts.env,
  };
  return createSqlSource(sqlConfigSchema.parse({ type: 'sql', dsn_env: 'RECOTEM_RECIPE_DSN', ...cfg }), {
    ...opts,
    env,
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

describe.skipIf(!pgUp)('postgres', () => {
  it('streams typed rows through a cursor with named parameters bound, never interpolated', async () => {
    const logs = captureLogs();
    try {
      const src = await source(
        {
          query: `SELECT user_id, item_id, ts, score, n, ':not_a_param' AS lit FROM ${tag} WHERE k >= :min_k AND item_id <> :skip ORDER BY k`,
          query_parameters: { min_k: 1, skip: "zz'; DROP TABLE x; --" },
        },
        PG_DSN,
      );
      const t = await src.fetch(ctx);
      expect(t.columnNames).toEqual(['user_id', 'item_id', 'ts', 'score', 'n', 'lit']);
      expect(t.values('user_id')).toEqual([42, 7, 9007199254740993n]);
      expect(t.values('item_id')).toEqual(['a', 'b:c', 'c']);
      expect(t.values('ts')).toEqual([new Date('2024-01-01T00:00:00Z'), new Date('2024-01-02T12:00:00Z'), null]);
      expect(t.values('score')).toEqual(['1.50', '2.00', null]);
      expect(t.columnType('n')).toBe('float'); // an int column with a null, as pandas reads it
      expect(t.values('lit')).toEqual([':not_a_param', ':not_a_param', ':not_a_param']);
      expect(logs.events('sql_fetch_complete')[0]).toMatchObject({
        recipe: 'r1',
        run_id: 'run1',
        dialect: 'postgres',
        rows_loaded: 3,
      });
      expect(logs.events('sql_dsn_tls_not_configured')[0]).toMatchObject({
        dialect: 'postgres',
        detected_sslmode: '(absent)',
      });
      expect(logs.text()).not.toContain('supersecret');
    } finally {
      logs.stop();
    }
  });

  it('runs the query in a read-only transaction', async () => {
    const src = await source({ query: `SELECT nextval('${tag}_seq')` }, PG_DSN);
    const err = await failure(src.fetch(ctx));
    expect(err.message).toBe("query failed on dialect 'postgres': DatabaseError (25006)");
    expect(err.message).not.toContain('supersecret');
  });

  it('refuses stacked statements that would leave the read-only transaction', async () => {
    const src = await source({ query: `SELECT 1; COMMIT; DROP TABLE ${tag}` }, PG_DSN);
    expect((await failure(src.fetch(ctx))).message).toMatch(/^query failed on dialect 'postgres': DatabaseError/);
    const my = await source({ query: `SELECT 1; DROP TABLE ${tag}` }, MY_DSN);
    expect((await failure(my.fetch(ctx))).message).toMatch(/^query failed on dialect 'mysql': /);
    const lite = await source({ query: 'SELECT 1; DELETE FROM t' }, `sqlite:///${sqlitePath}`);
    expect((await failure(lite.fetch(ctx))).message).toMatch(/^query failed on dialect 'sqlite': /);
    await withPg(async (c) => {
      expect((await c.query(`SELECT count(*)::int AS n FROM ${tag}`)).rows[0].n).toBe(3);
    });
  });

  it('enforces the statement timeout', async () => {
    const src = await source({ query: 'SELECT pg_sleep(5)', statement_timeout_seconds: 1 }, PG_DSN);
    const t0 = Date.now();
    expect((await failure(src.fetch(ctx))).message).toBe("query failed on dialect 'postgres': DatabaseError (57014)");
    expect(Date.now() - t0).toBeLessThan(4000);
  });

  it('accepts exactly RECOTEM_MAX_SQL_ROWS rows and refuses one more', async () => {
    const env = { RECOTEM_MAX_SQL_ROWS: '1000' };
    const ok = await source({ query: `SELECT k FROM ${tag}_big WHERE k <= 1000` }, PG_DSN, { env });
    expect((await ok.fetch(ctx)).rowCount).toBe(1000);
    const over = await source({ query: `SELECT k FROM ${tag}_big ORDER BY k` }, PG_DSN, { env });
    const err = await failure(over.fetch(ctx));
    expect(err.message).toBe('query result exceeds RECOTEM_MAX_SQL_ROWS=1000 rows; tighten the query or raise the cap');
    expect(exitCodeFor(err)).toBe(3);
  });

  it('probes with SELECT 1 and reports connection failures by class only', async () => {
    await expect((await source({ query: 'SELECT 1' }, PG_DSN)).probe?.()).resolves.toBeUndefined();
    const bad = await source(
      { query: 'SELECT 1', connect_timeout_seconds: 2 },
      'postgresql://postgres:supersecret@127.0.0.1:1/recotem_test',
    );
    const err = await failure(bad.probe?.() ?? Promise.resolve());
    expect(err.message).toBe("probe failed for dialect 'postgres': Error (ECONNREFUSED)");
    const q = await failure(bad.fetch(ctx));
    expect(q.message).toBe("query failed on dialect 'postgres': Error (ECONNREFUSED)");
  });

  it('returns an empty table for an empty result', async () => {
    const t = await (await source({ query: `SELECT user_id FROM ${tag} WHERE false` }, PG_DSN)).fetch(ctx);
    expect(t.rowCount).toBe(0);
    expect(t.columnNames).toEqual(['user_id']);
  });
});

describe.skipIf(!myUp)('mysql and mariadb', () => {
  for (const dsn of [MY_DSN, 'mariadb+pymysql://root@127.0.0.1:3306/recotem_test']) {
    it(`streams rows with bound parameters (${dsn.split(':')[0]})`, async () => {
      const src = await source(
        {
          query: `SELECT user_id, item_id, ts, score FROM ${tag} WHERE k >= :k AND item_id <> :skip ORDER BY k`,
          query_parameters: { k: 1, skip: "x' OR '1'='1" },
        },
        dsn,
      );
      const t = await src.fetch(ctx);
      expect(t.values('user_id')).toEqual([42, 7]);
      expect(t.values('item_id')).toEqual(['a', 'b']);
      expect(t.values('ts')).toEqual([new Date('2024-01-01T00:00:00Z'), null]);
      expect(t.values('score')).toEqual(['1.50', null]);
    });
  }

  it('refuses writes in the read-only session and applies max_statement_time', async () => {
    const write = await source({ query: `INSERT INTO ${tag} VALUES (99, 1, 'z', NULL, NULL)` }, MY_DSN);
    const err = await failure(write.fetch(ctx));
    expect(err.message).toMatch(
      /^query failed on dialect 'mysql': Error \(ER_CANT_EXECUTE_IN_READ_ONLY_TRANSACTION\)$/,
    );
    const slow = await source(
      { query: 'SELECT SLEEP(5) AS s FROM DUAL WHERE 1 = 1', statement_timeout_seconds: 1 },
      MY_DSN,
    );
    const t0 = Date.now();
    const result = await slow.fetch(ctx).then(
      (t) => t.values('s'),
      (e: Error) => e.message,
    );
    expect(Date.now() - t0).toBeLessThan(4000);
    // MariaDB aborts the statement (1969, max_statement_time exceeded) or cuts SLEEP short (returning 1).
    expect(result === "query failed on dialect 'mysql': Error (errno 1969)" || JSON.stringify(result) === '[1]').toBe(
      true,
    );
  });

  it('enforces the row cap', async () => {
    const src = await source({ query: `SELECT k FROM ${tag}_big` }, MY_DSN, { env: { RECOTEM_MAX_SQL_ROWS: '1000' } });
    expect((await failure(src.fetch(ctx))).message).toContain('exceeds RECOTEM_MAX_SQL_ROWS=1000');
  });
});

describe('sqlite', () => {
  it('reads a file read-only, binds booleans as integers and warns that timeouts are unsupported', async () => {
    const logs = captureLogs();
    try {
      const src = await source(
        {
          query: 'SELECT user_id, item_id, rating FROM t WHERE flag = :f OR :all',
          query_parameters: { f: 1, all: true },
        },
        `sqlite:///${sqlitePath}`,
      );
      const t = await src.fetch(ctx);
      expect(t.values('user_id')).toEqual([1, 2]);
      expect(t.columnType('rating')).toBe('float');
      expect(t.values('rating')).toEqual([4.5, 3]);
      expect(logs.events('sql_statement_timeout_unsupported_on_sqlite')[0]).toMatchObject({ requested_seconds: 300 });
    } finally {
      logs.stop();
    }
    const write = await source({ query: 'DELETE FROM t' }, `sqlite:///${sqlitePath}`);
    expect((await failure(write.fetch(ctx))).message).toMatch(/^query failed on dialect 'sqlite': /);
    const db = new Database(sqlitePath, { readonly: true });
    expect((db.prepare('SELECT count(*) AS n FROM t').get() as { n: number }).n).toBe(2);
    db.close();
    expect(spawnSync('mkfifo', [join(dir, 'db.fifo')]).status).toBe(0);
    for (const special of [join(dir, 'db.fifo'), '/proc/self/environ', '/dev/zero']) {
      const refused = await source({ query: 'SELECT 1' }, `sqlite:///${special}`);
      expect((await failure(refused.fetch(ctx))).message).toBe(
        "query failed on dialect 'sqlite': NotRegularFileError (ENOTREGULAR)",
      );
    }
    const missing = await source({ query: 'SELECT 1' }, `sqlite:///${join(dir, 'missing.db')}`);
    expect((await failure(missing.fetch(ctx))).message).toBe(
      "query failed on dialect 'sqlite': SqliteError (SQLITE_CANTOPEN)",
    );
  });
});

describe('construction and the DSN guard', () => {
  const cfg = { query: 'SELECT 1' };

  it('requires the DSN variable', async () => {
    const err = await failure(
      createSqlSource(sqlConfigSchema.parse({ type: 'sql', dsn_env: 'RECOTEM_RECIPE_NOPE', query: 'SELECT 1' }), {
        env: {},
      }),
    );
    expect(err.message).toBe(
      'env var RECOTEM_RECIPE_NOPE is not set or is empty; set it to the database DSN (e.g. postgresql://user:pass@host/db)',
    );
  });

  it('refuses private hosts (exit 7) unless RECOTEM_SQL_ALLOW_PRIVATE', async () => {
    const err = await failure(source(cfg, PG_DSN, { allow: false }));
    expect(err.message).toBe(
      "refusing to connect to private/loopback host '127.0.0.1'; set RECOTEM_SQL_ALLOW_PRIVATE=1 to opt in (intended for in-cluster or compose service-name destinations)",
    );
    expect(err.cause).toBeInstanceOf(HttpFetchError);
    expect(exitCodeFor(err)).toBe(7);
    const mixed = await failure(
      source(cfg, 'postgresql://u@db.test/x?hostaddr=10.0.0.5', {
        allow: false,
        lookup: async () => ['93.184.216.34'],
      }),
    );
    expect(mixed.message).toContain("host '10.0.0.5'");
    const unresolvable = await failure(
      source(cfg, 'mysql://u@nowhere.test/x', { allow: false, lookup: async () => [] }),
    );
    expect(unresolvable.message).toBe(
      "hostname 'nowhere.test' does not resolve; verify the DSN host or set RECOTEM_SQL_ALLOW_PRIVATE=1 to bypass for offline tests",
    );
    expect(exitCodeFor(unresolvable)).toBe(7);
  });

  it('refuses routing that cannot be checked (exit 3)', async () => {
    const cases: [string, RegExp][] = [
      ['postgresql://u@db.test/x?service=prod', /^DSN routes via libpq service file/],
      ['mysql://u@db.test/x?unix_socket=/run/mysqld.sock', /^DSN routes via a unix socket/],
      ['postgresql://u@/x?host=/var/run/postgresql', /^DSN host is an absolute path/],
      ['postgresql://u@/x', /^DSN for dialect 'postgres' does not specify a host/],
    ];
    for (const [dsn, re] of cases) {
      const err = await failure(source(cfg, dsn, { allow: false, lookup: async () => ['93.184.216.34'] }));
      expect(err.message).toMatch(re);
      expect(exitCodeFor(err)).toBe(3);
    }
  });

  it('re-resolves the host before connecting and aborts on DNS rebinding', async () => {
    const answers = [['93.184.216.34'], ['10.0.0.7']];
    const rebind = await source(cfg, 'postgresql://u@db.test/x', {
      allow: false,
      lookup: async () => answers.shift() ?? [],
    });
    const err = await failure(rebind.fetch(ctx));
    expect(err.message).toBe(
      "DNS rebinding detected for host 'db.test': pinned=[93.184.216.34], current=[10.0.0.7]; aborting to prevent SSRF",
    );
    const gone = [['93.184.216.34'], []];
    const src = await source(cfg, 'postgresql://u@db.test/x', { allow: false, lookup: async () => gone.shift() ?? [] });
    expect((await failure(src.probe?.() ?? Promise.resolve())).message).toBe(
      "DNS re-resolution of 'db.test' failed before connect; aborting to prevent SSRF via DNS rebinding",
    );
  });

  it.skipIf(!pgUp)('connects after a passing re-check when the host is treated as public', async () => {
    const src = await source({ query: `SELECT count(*) AS n FROM ${tag}` }, PG_DSN, {
      allow: false,
      isInternal: (ip) => ip !== '127.0.0.1' && isInternalAddress(ip),
    });
    expect((await src.fetch(ctx)).values('n')).toEqual([3]);
  });

  it('does not warn about TLS when the DSN asks for it', async () => {
    const logs = captureLogs();
    try {
      await source(cfg, `${PG_DSN}?sslmode=verify-full`);
      await source(cfg, `${MY_DSN}?ssl_ca=/etc/ssl/ca.pem`);
      expect(logs.events('sql_dsn_tls_not_configured')).toHaveLength(0);
      await source(cfg, `${MY_DSN}?ssl=false`);
      expect(logs.events('sql_dsn_tls_not_configured')).toHaveLength(1);
    } finally {
      logs.stop();
    }
  });
});
