/**
 * PostgreSQL through `pg`: one connection, a read-only transaction with `SET LOCAL
 * statement_timeout`, and a server-side cursor fetched in chunks.
 */
import { readFileSync } from 'node:fs';
import type { ConnectionOptions } from 'node:tls';
import type { Client, ClientConfig, FieldDef, QueryConfig } from 'pg';
import type { ColumnType } from '../table.js';
import { type ConnectSettings, readOnlyFailure, type SqlDriver, timeoutFailure } from './driver.js';
import { queryParam } from './dsn.js';
import type { BindValue } from './params.js';

type PgModule = typeof import('pg');

const OID = {
  bool: 16,
  int8: 20,
  int2: 21,
  int4: 23,
  float4: 700,
  float8: 701,
  numeric: 1700,
  date: 1082,
  timestamp: 1114,
  timestamptz: 1184,
};

function hintFor(field: FieldDef): ColumnType | undefined {
  switch (field.dataTypeID) {
    case OID.int2:
    case OID.int4:
    case OID.int8:
      return 'int';
    case OID.float4:
    case OID.float8:
      return 'float';
    case OID.bool:
      return 'bool';
    default:
      return undefined;
  }
}

function clientConfig(pg: PgModule, s: ConnectSettings): ClientConfig {
  const dsn = s.dsn;
  const queryHost = queryParam(dsn, 'host');
  const hostaddr = queryParam(dsn, 'hostaddr');
  const host = hostaddr ?? queryHost ?? dsn.host ?? undefined;
  const verifyName = queryHost ?? dsn.host ?? undefined;
  const base = pg.types;
  return {
    host,
    port: dsn.port ?? undefined,
    user: dsn.username ?? queryParam(dsn, 'user') ?? undefined,
    password: dsn.password ?? undefined,
    database: dsn.database ?? queryParam(dsn, 'dbname') ?? undefined,
    connectionTimeoutMillis: s.connectTimeoutSeconds * 1000,
    application_name: queryParam(dsn, 'application_name') ?? 'recotem',
    ssl: sslOptions(queryParam(dsn, 'sslmode'), dsn, verifyName),
    types: {
      getTypeParser: ((oid: number, format?: 'text' | 'binary') => {
        if (oid === OID.int8) return (v: string) => (Number.isSafeInteger(Number(v)) ? Number(v) : BigInt(v));
        if (oid === OID.numeric || oid === OID.date) return (v: string) => v;
        // Timestamps without a zone are UTC instants, as the original reads them.
        if (oid === OID.timestamp) return (v: string) => new Date(`${v.replace(' ', 'T')}Z`);
        return base.getTypeParser(oid, format ?? 'text');
      }) as ClientConfig['types'] extends { getTypeParser: infer F } ? F : never,
    },
  };
}

function sslOptions(
  mode: string | null,
  dsn: ConnectSettings['dsn'],
  servername: string | undefined,
): ClientConfig['ssl'] {
  if (mode === null || mode === 'disable' || mode === 'allow' || mode === 'prefer') return false;
  const opts: ConnectionOptions = { rejectUnauthorized: mode === 'verify-ca' || mode === 'verify-full' };
  const ca = queryParam(dsn, 'sslrootcert');
  const cert = queryParam(dsn, 'sslcert');
  const key = queryParam(dsn, 'sslkey');
  if (ca) opts.ca = readFileSync(ca);
  if (cert) opts.cert = readFileSync(cert);
  if (key) opts.key = readFileSync(key);
  if (mode === 'verify-full') opts.servername = servername;
  if (mode === 'verify-ca') opts.checkServerIdentity = () => undefined;
  return opts;
}

async function connect(pg: PgModule, s: ConnectSettings): Promise<Client> {
  const client = new pg.Client(clientConfig(pg, s));
  // A dropped connection must not become an unhandled 'error' event.
  client.on('error', () => undefined);
  await client.connect();
  return client;
}

export function postgresDriver(pg: PgModule): SqlDriver {
  return {
    async probe(s) {
      const client = await connect(pg, s);
      try {
        await client.query('SELECT 1');
      } finally {
        await client.end().catch(() => undefined);
      }
    },

    async columns(s, text, values) {
      const client = await connect(pg, s);
      try {
        await client.query('BEGIN READ ONLY');
        await client.query(`SET LOCAL statement_timeout = ${Math.round(s.statementTimeoutSeconds * 1000)}`);
        await client.query({
          text: `DECLARE recotem_cursor NO SCROLL CURSOR FOR ${text}`,
          values: values as BindValue[],
          queryMode: 'extended',
        } as unknown as QueryConfig);
        // FETCH 0 returns the row description and no row.
        const res = await client.query({ text: 'FETCH FORWARD 0 FROM recotem_cursor', rowMode: 'array' });
        return res.fields.map((f) => f.name);
      } finally {
        await client.query('ROLLBACK').catch(() => undefined);
        await client.end().catch(() => undefined);
      }
    },

    async fetch(s, text, values, sink, chunk) {
      const client = await connect(pg, s);
      try {
        await client.query('BEGIN');
        try {
          await client.query('SET TRANSACTION READ ONLY');
        } catch (err) {
          throw readOnlyFailure('postgres', err);
        }
        try {
          await client.query(`SET LOCAL statement_timeout = ${Math.round(s.statementTimeoutSeconds * 1000)}`);
        } catch (err) {
          throw timeoutFailure('postgres', err);
        }
        // The extended protocol refuses multiple statements, so `...; COMMIT; DELETE ...` cannot
        // leave the read-only transaction.
        await client.query({
          text: `DECLARE recotem_cursor NO SCROLL CURSOR FOR ${text}`,
          values: values as BindValue[],
          queryMode: 'extended',
        } as unknown as QueryConfig);
        let first = true;
        for (;;) {
          const res = await client.query({ text: `FETCH FORWARD ${chunk} FROM recotem_cursor`, rowMode: 'array' });
          if (first) {
            sink.setColumns(
              res.fields.map((f) => f.name),
              res.fields.map(hintFor),
            );
            first = false;
          }
          sink.accept(res.rows as unknown[][]);
          if (res.rows.length < chunk) break;
        }
        await client.query('CLOSE recotem_cursor');
        await client.query('COMMIT');
      } catch (err) {
        await client.query('ROLLBACK').catch(() => undefined);
        throw err;
      } finally {
        await client.end().catch(() => undefined);
      }
    },
  };
}
