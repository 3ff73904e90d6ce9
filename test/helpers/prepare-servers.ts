/**
 * Creates the test database on each server that answers and reports, one line each, the servers
 * that do not answer at all. A server that answers but refuses the set-up is an error, never a skip.
 */
import mysql from 'mysql2/promise';
import pg from 'pg';
import type { ServerInfo } from './server-list.js';

const CONNECT_TIMEOUT_MS = 3000;
const UNREACHABLE = new Set([
  'ECONNREFUSED',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ECONNRESET',
  'EADDRNOTAVAIL',
]);

function errorCode(err: unknown): string | undefined {
  return (err as { code?: string }).code;
}

/** Errors a client raises when nothing listens at the address (or nothing answers in time). */
function isUnreachable(err: unknown): boolean {
  return UNREACHABLE.has(errorCode(err) ?? '') || /timeout/i.test(String((err as Error).message));
}

async function createPostgresDatabase(s: ServerInfo, database: string): Promise<void> {
  const client = new pg.Client({
    host: s.host,
    port: s.port,
    user: s.user,
    database: 'postgres',
    connectionTimeoutMillis: CONNECT_TIMEOUT_MS,
  });
  await client.connect();
  try {
    const found = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [database]);
    if (found.rowCount === 0) {
      // 42P04: another run created it between the check and here.
      await client.query(`CREATE DATABASE "${database}"`).catch((err) => {
        if (errorCode(err) !== '42P04') throw err;
      });
    }
  } finally {
    await client.end();
  }
}

async function createMariaDbDatabase(s: ServerInfo, database: string): Promise<void> {
  const conn = await mysql.createConnection({
    host: s.host,
    port: s.port,
    user: s.user,
    connectTimeout: CONNECT_TIMEOUT_MS,
  });
  try {
    await conn.query(`CREATE DATABASE IF NOT EXISTS \`${database}\``);
  } finally {
    await conn.end();
  }
}

export interface PrepareOptions {
  /** Under CI every server must answer: a missing one throws instead of skipping. */
  ci: boolean;
  report: (line: string) => void;
}

export async function prepareServers<K extends string>(
  servers: Record<K, ServerInfo>,
  database: string,
  opts: PrepareOptions,
): Promise<Record<K, boolean>> {
  const usable = {} as Record<K, boolean>;
  const missing: string[] = [];
  for (const name of Object.keys(servers) as K[]) {
    const s = servers[name];
    try {
      await (s.kind === 'postgres' ? createPostgresDatabase(s, database) : createMariaDbDatabase(s, database));
      usable[name] = true;
    } catch (err) {
      if (!isUnreachable(err)) {
        throw new Error(
          `${s.label} on ${s.host}:${s.port} answers but database ${database} could not be created as ${s.user}: ${(err as Error).message}`,
        );
      }
      usable[name] = false;
      const line = `${s.label} is not reachable on ${s.host}:${s.port} (${errorCode(err) ?? 'timeout'}): its suites are skipped; start it with \`${s.start}\` (bash .ci/run starts both servers)`;
      missing.push(line);
      opts.report(line);
    }
  }
  if (opts.ci && missing.length > 0)
    throw new Error(`CI=true needs every test server, so this fails the run. ${missing.join(' ')}`);
  return usable;
}
