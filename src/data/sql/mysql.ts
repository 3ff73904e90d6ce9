/**
 * MySQL and MariaDB through `mysql2`: one connection, a read-only session with the server's own
 * statement time limit, and a streamed result collected in chunks. MariaDB is recognised by the
 * DSN dialect or the server version, since its time-limit variable differs.
 */
import { readFileSync } from 'node:fs';
import type { Connection, ConnectionOptions, FieldPacket } from 'mysql2';
import type { ColumnType } from '../table.js';
import { type ConnectSettings, readOnlyFailure, type SqlDriver, timeoutFailure } from './driver.js';
import { type ParsedDsn, queryParam } from './dsn.js';
import type { BindValue } from './params.js';
import type { RowSink } from './rows.js';

type MysqlModule = typeof import('mysql2');

/** mysql2 column type codes. */
const INT_TYPES = new Set([1, 2, 3, 8, 9, 13]);
const FLOAT_TYPES = new Set([4, 5]);

function hintFor(field: FieldPacket): ColumnType | undefined {
  const t = (field as unknown as { columnType?: number }).columnType ?? -1;
  if (INT_TYPES.has(t)) return 'int';
  if (FLOAT_TYPES.has(t)) return 'float';
  return undefined;
}

const OFF = new Set(['', 'false', '0']);

function sslOptions(dsn: ParsedDsn): ConnectionOptions['ssl'] {
  const on = (k: string) => {
    const v = queryParam(dsn, k);
    return v !== null && !OFF.has(v.trim().toLowerCase());
  };
  if (!['ssl', 'ssl_ca', 'ssl_cert', 'ssl_key', 'ssl_verify_cert'].some(on)) return undefined;
  const ca = queryParam(dsn, 'ssl_ca');
  const cert = queryParam(dsn, 'ssl_cert');
  const key = queryParam(dsn, 'ssl_key');
  const verify = queryParam(dsn, 'ssl_verify_cert');
  return {
    ...(ca ? { ca: readFileSync(ca) } : {}),
    ...(cert ? { cert: readFileSync(cert) } : {}),
    ...(key ? { key: readFileSync(key) } : {}),
    rejectUnauthorized: verify === null || !OFF.has(verify.trim().toLowerCase()),
  };
}

function options(s: ConnectSettings): ConnectionOptions {
  const dsn = s.dsn;
  return {
    host: queryParam(dsn, 'host') ?? dsn.host ?? undefined,
    port: dsn.port ?? undefined,
    user: dsn.username ?? undefined,
    password: dsn.password ?? undefined,
    database: dsn.database ?? undefined,
    connectTimeout: s.connectTimeoutSeconds * 1000,
    ssl: sslOptions(dsn),
    supportBigNumbers: true,
    bigNumberStrings: false,
    timezone: 'Z',
    dateStrings: ['DATE'],
    multipleStatements: false,
    charset: queryParam(dsn, 'charset') ?? 'utf8mb4',
  };
}

function connect(mysql: MysqlModule, s: ConnectSettings): Promise<Connection> {
  return new Promise((resolve, reject) => {
    const conn = mysql.createConnection(options(s));
    conn.once('error', reject);
    conn.connect((err) => {
      if (err) reject(err);
      else {
        conn.removeListener('error', reject);
        conn.on('error', () => undefined);
        resolve(conn);
      }
    });
  });
}

function run(conn: Connection, sql: string): Promise<unknown[]> {
  return new Promise((resolve, reject) => {
    conn.query({ sql, rowsAsArray: true }, (err, rows) => (err ? reject(err) : resolve(rows as unknown[])));
  });
}

/** Ends the connection; a connection that is already gone (or hangs) is destroyed after a grace period. */
function close(conn: Connection): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(() => {
      conn.destroy();
      resolve();
    }, 2000);
    timer.unref();
    try {
      conn.end(() => {
        clearTimeout(timer);
        resolve();
      });
    } catch {
      clearTimeout(timer);
      conn.destroy();
      resolve();
    }
  });
}

function streamInto(
  conn: Connection,
  text: string,
  values: readonly BindValue[],
  sink: RowSink,
  chunk: number,
): Promise<void> {
  return new Promise((resolve, reject) => {
    let buffer: unknown[][] = [];
    let failed = false;
    const query = conn.query({ sql: text, values: values as BindValue[], rowsAsArray: true });
    const fail = (err: unknown) => {
      if (failed) return;
      failed = true;
      reject(err);
    };
    query.on('fields', (fields: FieldPacket[]) => {
      sink.setColumns(
        fields.map((f) => f.name),
        fields.map(hintFor),
      );
    });
    query.on('result', (row: unknown) => {
      if (failed) return;
      buffer.push(row as unknown[]);
      if (buffer.length >= chunk) {
        try {
          sink.accept(buffer);
        } catch (err) {
          fail(err);
          // Stop reading: closing the connection aborts the transfer.
          conn.destroy();
          return;
        }
        buffer = [];
      }
    });
    query.on('error', fail);
    query.on('end', () => {
      if (failed) return;
      try {
        sink.accept(buffer);
        resolve();
      } catch (err) {
        fail(err);
      }
    });
  });
}

export function mysqlDriver(mysql: MysqlModule, dialect: 'mysql' | 'mariadb'): SqlDriver {
  return {
    async probe(s) {
      const conn = await connect(mysql, s);
      try {
        await run(conn, 'SELECT 1');
      } finally {
        await close(conn);
      }
    },

    async columns(s, text) {
      const conn = await connect(mysql, s);
      try {
        // A server-side prepared statement describes its result columns without running.
        return await new Promise<string[]>((resolve, reject) => {
          conn.prepare(text, (err, stmt) => {
            if (err) return reject(err);
            // The typings omit the described result columns the statement carries.
            const described = (stmt as unknown as { columns?: FieldPacket[] }).columns ?? [];
            const names = described.map((f) => f.name);
            stmt.close();
            resolve(names);
          });
        });
      } finally {
        await close(conn);
      }
    },

    async fetch(s, text, values, sink, chunk) {
      const conn = await connect(mysql, s);
      try {
        const version = String(((await run(conn, 'SELECT VERSION()')) as unknown[][])[0]?.[0] ?? '');
        const mariadb = dialect === 'mariadb' || /mariadb/i.test(version);
        const label = mariadb ? 'mariadb' : 'mysql';
        try {
          await run(conn, 'SET SESSION TRANSACTION READ ONLY');
        } catch (err) {
          throw readOnlyFailure(label, err);
        }
        try {
          await run(
            conn,
            mariadb
              ? `SET SESSION max_statement_time = ${s.statementTimeoutSeconds}`
              : `SET SESSION MAX_EXECUTION_TIME = ${Math.round(s.statementTimeoutSeconds * 1000)}`,
          );
        } catch (err) {
          throw timeoutFailure(label, err);
        }
        await run(conn, 'START TRANSACTION');
        await streamInto(conn, text, values, sink, chunk);
        await run(conn, 'COMMIT');
      } finally {
        await close(conn);
      }
    },
  };
}
