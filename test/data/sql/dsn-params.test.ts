import { describe, expect, it } from 'vitest';
import { parseDsn, renderDsnForLog, sqliteFile } from '../../../src/data/sql/dsn.js';
import { bindValues, translateNamedParams } from '../../../src/data/sql/params.js';
import { DataSourceError, exitCodeFor } from '../../../src/errors/index.js';

describe('parseDsn', () => {
  it('parses SQLAlchemy URLs with percent-decoded credentials, IPv6 hosts and query lists', () => {
    const d = parseDsn('postgresql+psycopg://us%40er:p%3Ass@[::1]:5433/db?sslmode=require&host=a&host=b', 'E');
    expect(d).toMatchObject({
      backend: 'postgresql',
      dialect: 'postgres',
      username: 'us@er',
      password: 'p:ss',
      host: '::1',
      port: 5433,
      database: 'db',
    });
    expect(d.query.get('host')).toEqual(['a', 'b']);
    expect(parseDsn('mariadb://root@127.0.0.1/x', 'E').dialect).toBe('mariadb');
    expect(parseDsn('mysql+pymysql://u:pw@h/x?charset=utf8mb4', 'E').dialect).toBe('mysql');
  });

  it('maps sqlite paths like SQLAlchemy', () => {
    expect(sqliteFile(parseDsn('sqlite:///relative.db', 'E'))).toBe('relative.db');
    expect(sqliteFile(parseDsn('sqlite:////abs/x.db', 'E'))).toBe('/abs/x.db');
    expect(sqliteFile(parseDsn('sqlite://', 'E'))).toBe(':memory:');
  });

  it('refuses bad URLs and unsupported dialects without echoing the DSN', () => {
    for (const bad of ['not a url', 'postgresql://h:port/db', '://x']) {
      const err = (() => {
        try {
          parseDsn(bad, 'RECOTEM_RECIPE_DSN');
        } catch (e) {
          return e as Error;
        }
      })();
      expect(err).toBeInstanceOf(DataSourceError);
      expect(err?.message).toBe('env var RECOTEM_RECIPE_DSN is not a valid SQLAlchemy URL');
      expect(exitCodeFor(err)).toBe(3);
    }
    expect(() => parseDsn('oracle://u:secret@h/db', 'E')).toThrow(
      "unsupported SQL dialect 'oracle'; officially supported: ['mysql', 'postgres', 'sqlite'].",
    );
  });

  it('renders DSNs for logs without credentials or secret-looking parameters', () => {
    const text = renderDsnForLog(parseDsn('postgresql://u:hunter2@db:5432/app?sslmode=require&password=hunter2', 'E'));
    expect(text).toBe('postgresql://db:5432/app?sslmode=require');
  });
});

describe('translateNamedParams', () => {
  it('numbers postgres placeholders per distinct name and leaves casts, literals, comments and escapes alone', () => {
    const q = translateNamedParams(
      'SELECT CAST(:a AS int), z::int, :c::int, \':skip\', "col:x", $$ :dollar $$, x\\:y -- :comment\n, /* :block */ :b, :a FROM t WHERE y = :b',
      'postgres',
    );
    // `:c::int` is not a parameter (followed by a colon), exactly like SQLAlchemy's text().
    expect(q.text).toBe(
      'SELECT CAST($1 AS int), z::int, :c::int, \':skip\', "col:x", $$ :dollar $$, x:y -- :comment\n, /* :block */ $2, $1 FROM t WHERE y = $2',
    );
    expect(q.order).toEqual(['a', 'b']);
  });

  it('uses ? per occurrence for mysql and sqlite, honouring backslash escapes in MySQL strings', () => {
    const q = translateNamedParams("SELECT :a, 'it\\'s :no', `c:d`, :a # :hash\n", 'mysql');
    expect(q.text).toBe("SELECT ?, 'it\\'s :no', `c:d`, ? # :hash\n");
    expect(q.order).toEqual(['a', 'a']);
    expect(translateNamedParams('SELECT x FROM t WHERE a=:a AND b=:b2', 'sqlite')).toEqual({
      text: 'SELECT x FROM t WHERE a=? AND b=?',
      order: ['a', 'b2'],
    });
  });

  it('binds values in order and refuses unused or missing parameters', () => {
    const q = translateNamedParams('SELECT :a, :b, :a', 'sqlite');
    expect(bindValues(q, { a: 1, b: 'x' })).toEqual([1, 'x', 1]);
    expect(() => bindValues(q, { a: 1 })).toThrow("query parameter ':b' has no value in query_parameters");
    expect(() => bindValues(q, { a: 1, b: 2, c: 3 })).toThrow(
      "query_parameters key 'c' does not appear as ':c' in the query",
    );
    expect(bindValues(translateNamedParams('SELECT :f', 'postgres'), { f: { valueOf: () => 5 } })).toEqual([5]);
  });
});

describe('session refusal messages', () => {
  it('name the dialect and only the error class', async () => {
    const { readOnlyFailure, timeoutFailure, driverErrorLabel } = await import('../../../src/data/sql/driver.js');
    class DatabaseError extends Error {
      code = '25P02';
    }
    const e = new DatabaseError('password=hunter2 in a message');
    expect(readOnlyFailure('postgres', e).message).toBe(
      "failed to enforce READ ONLY transaction on 'postgres': DatabaseError (25P02); refusing to run the query",
    );
    expect(readOnlyFailure('sqlite', new TypeError('x')).message).toBe(
      'failed to enforce read-only mode on sqlite (TypeError); refusing to run the query',
    );
    expect(timeoutFailure('mariadb', e).message).toBe(
      "failed to enforce statement_timeout on 'mariadb': DatabaseError (25P02); refusing to run the query",
    );
    expect(driverErrorLabel(e)).not.toContain('hunter2');
  });
});
