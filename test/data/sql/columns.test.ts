import { describe, expect, it } from 'vitest';
import { sqlConfigSchema } from '../../../src/data/sources/configs.js';
import { createSqlSource } from '../../../src/data/sources/sql.js';
import { serverUp } from '../../helpers/servers.js';

/** A source over the test server; the loopback host is allowed as the suite's own database. */
function source(dsn: string, query: string, params: Record<string, unknown> = {}) {
  const env = { RECOTEM_RECIPE_DSN: dsn, RECOTEM_SQL_ALLOW_PRIVATE: '1' };
  return createSqlSource(
    sqlConfigSchema.parse({ type: 'sql', dsn_env: 'RECOTEM_RECIPE_DSN', query, query_parameters: params }),
    { env },
  );
}

const SERVERS = [
  {
    name: 'postgres',
    dsn: 'postgresql://postgres@127.0.0.1:5432/recotem_test',
    slow: 'SELECT pg_sleep(20) AS slept, 1 AS user_id, CAST(:tag AS text) AS item_id',
  },
  {
    name: 'mariadb',
    dsn: 'mysql://root@127.0.0.1:3306/recotem_test',
    slow: 'SELECT SLEEP(20) AS slept, 1 AS user_id, :tag AS item_id',
  },
] as const;

describe('SQL column lists without running the query', () => {
  for (const s of SERVERS) {
    it.skipIf(!serverUp(s.name))(`${s.name}: names the result columns of a query that would take 20 s`, async () => {
      const src = await source(s.dsn, s.slow, { tag: 'x' });
      const started = Date.now();
      expect((await src.columns?.())?.columnNames).toEqual(['slept', 'user_id', 'item_id']);
      expect(Date.now() - started).toBeLessThan(10_000);
    });

    it.skipIf(!serverUp(s.name))(`${s.name}: a query the server rejects fails as a data-source error`, async () => {
      const src = await source(s.dsn, 'SELECT user_id FROM recotem_no_such_table_for_columns');
      await expect(src.columns?.()).rejects.toThrow(/^query failed on dialect '(postgres|mysql)'/);
    });
  }

  it('sqlite: duplicate names get the same suffixes the fetch gives them', async () => {
    const src = await source('sqlite:///:memory:', 'SELECT 1 AS a, 2 AS a, 3 AS b');
    expect((await src.columns?.())?.columnNames).toEqual(['a', 'a.1', 'b']);
    expect((await src.fetch({ recipeName: 'r', runId: 'x', extra: {} })).columnNames).toEqual(['a', 'a.1', 'b']);
  });
});
