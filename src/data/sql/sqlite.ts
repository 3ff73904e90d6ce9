/**
 * SQLite through `better-sqlite3`: the file opened read-only with `PRAGMA query_only`, rows iterated
 * lazily. SQLite has no statement timeout; the request is logged and nothing is executed for it.
 */
import type BetterSqlite3 from 'better-sqlite3';
import { requireRegularFileSync } from '../../config/index.js';
import { getLogger } from '../../log/index.js';
import type { ColumnType } from '../table.js';
import { type ConnectSettings, readOnlyFailure, type SqlDriver } from './driver.js';
import { sqliteFile } from './dsn.js';

const log = getLogger('recotem.data.sql');

type SqliteCtor = typeof BetterSqlite3;

function hintFor(declared: string | null): ColumnType | undefined {
  const t = (declared ?? '').toUpperCase();
  if (t.includes('INT')) return 'int';
  if (t.includes('REAL') || t.includes('FLOA') || t.includes('DOUB')) return 'float';
  return undefined;
}

function open(Database: SqliteCtor, s: ConnectSettings): BetterSqlite3.Database {
  const file = sqliteFile(s.dsn);
  const memory = file === ':memory:' || file === '';
  // A FIFO would block the open forever; /proc, /sys and /dev entries are never databases.
  if (!memory) requireRegularFileSync(file);
  // An in-memory database cannot be opened read-only; query_only still guards it.
  return new Database(memory ? ':memory:' : file, {
    readonly: !memory,
    fileMustExist: !memory,
    timeout: s.connectTimeoutSeconds * 1000,
  });
}

export function sqliteDriver(Database: SqliteCtor): SqlDriver {
  return {
    async probe(s) {
      const db = open(Database, s);
      try {
        db.prepare('SELECT 1').get();
      } finally {
        db.close();
      }
    },

    async columns(s, text) {
      const db = open(Database, s);
      try {
        return db
          .prepare(text)
          .columns()
          .map((c) => c.name);
      } finally {
        db.close();
      }
    },

    async fetch(s, text, values, sink, chunk) {
      const db = open(Database, s);
      try {
        try {
          db.pragma('query_only = ON');
        } catch (err) {
          throw readOnlyFailure('sqlite', err);
        }
        log.warn('sql_statement_timeout_unsupported_on_sqlite', { requested_seconds: s.statementTimeoutSeconds });
        const stmt = db.prepare(text);
        stmt.raw(true);
        stmt.safeIntegers(true);
        const columns = stmt.columns();
        sink.setColumns(
          columns.map((c) => c.name),
          columns.map((c) => hintFor(c.type)),
        );
        const bound = values.map((v) => (typeof v === 'boolean' ? (v ? 1 : 0) : v));
        let buffer: unknown[][] = [];
        for (const row of stmt.iterate(...bound) as IterableIterator<unknown[]>) {
          buffer.push(row);
          if (buffer.length >= chunk) {
            sink.accept(buffer);
            buffer = [];
          }
        }
        sink.accept(buffer);
      } finally {
        db.close();
      }
    },
  };
}
