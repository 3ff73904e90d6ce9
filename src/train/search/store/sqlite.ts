/**
 * SQLite driver of the study store (better-sqlite3). All access is serialised through one
 * connection per store; cross-process safety comes from `BEGIN IMMEDIATE` (one writer at a time,
 * waiting up to the busy timeout). A session is live while its process runs: same host → the pid
 * is probed; another host (a shared file, which the spec advises against) → assumed live.
 */
import { mkdirSync } from 'node:fs';
import { hostname } from 'node:os';
import { dirname } from 'node:path';
import Database from 'better-sqlite3';
import type { Query, Row, SqlDriver } from './sql-study.js';
import { SqlStudyStore } from './sql-study.js';

const SCHEMA = `
CREATE TABLE IF NOT EXISTS recotem_studies (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  name TEXT NOT NULL UNIQUE,
  direction TEXT NOT NULL,
  round INTEGER NOT NULL,
  round_cap INTEGER NOT NULL,
  created_at TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS recotem_sessions (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  study_id INTEGER NOT NULL REFERENCES recotem_studies(id),
  round INTEGER NOT NULL,
  pid INTEGER NOT NULL,
  host TEXT NOT NULL,
  started_at TEXT NOT NULL,
  ended_at TEXT
);
CREATE TABLE IF NOT EXISTS recotem_trials (
  study_id INTEGER NOT NULL REFERENCES recotem_studies(id),
  number INTEGER NOT NULL,
  round INTEGER NOT NULL,
  session_id INTEGER,
  state TEXT NOT NULL CHECK (state IN ('RUNNING', 'COMPLETE', 'PRUNED', 'FAIL')),
  class TEXT,
  admitted INTEGER NOT NULL DEFAULT 0,
  value REAL,
  params TEXT NOT NULL DEFAULT '{}',
  user_attrs TEXT NOT NULL DEFAULT '{}',
  intermediate TEXT NOT NULL DEFAULT '[]',
  started_at TEXT NOT NULL,
  finished_at TEXT,
  PRIMARY KEY (study_id, number)
);
CREATE TABLE IF NOT EXISTS recotem_queue (
  study_id INTEGER NOT NULL REFERENCES recotem_studies(id),
  round INTEGER NOT NULL,
  position INTEGER NOT NULL,
  class TEXT NOT NULL,
  PRIMARY KEY (study_id, round, position)
);
`;

function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

class SqliteDriver implements SqlDriver {
  readonly kind = 'sqlite' as const;
  private readonly db: Database.Database;
  /** Serialises statements and transactions on the single connection. */
  private tail: Promise<unknown> = Promise.resolve();

  constructor(file: string) {
    if (file !== ':memory:') mkdirSync(dirname(file), { recursive: true });
    this.db = new Database(file);
    this.db.pragma('busy_timeout = 30000');
    if (file !== ':memory:') this.db.pragma('journal_mode = WAL');
  }

  private run(sql: string, params: readonly unknown[] = []): Row[] {
    const stmt = this.db.prepare(sql);
    if (stmt.reader) return stmt.all(...params) as Row[];
    stmt.run(...params);
    return [];
  }

  private serial<T>(fn: () => Promise<T>): Promise<T> {
    const next = this.tail.then(fn, fn);
    this.tail = next.catch(() => undefined);
    return next;
  }

  query: Query = (sql, params) => this.serial(async () => this.run(sql, params));

  async ensureSchema(): Promise<void> {
    await this.serial(async () => this.db.exec(SCHEMA));
  }

  withStudyLock<T>(_studyId: number, fn: (q: Query) => Promise<T>): Promise<T> {
    return this.serial(async () => {
      this.db.exec('BEGIN IMMEDIATE');
      try {
        const out = await fn(async (sql, params) => this.run(sql, params));
        this.db.exec('COMMIT');
        return out;
      } catch (err) {
        if (this.db.inTransaction) this.db.exec('ROLLBACK');
        throw err;
      }
    });
  }

  withNewSession<T extends { sessionId: number }>(studyId: number, fn: (q: Query) => Promise<T>): Promise<T> {
    // The process itself is the liveness token: nothing more to hold.
    return this.withStudyLock(studyId, fn);
  }

  async deadSessions(q: Query, studyId: number): Promise<number[]> {
    const host = hostname();
    const rows = await q('SELECT id, pid, host FROM recotem_sessions WHERE study_id = ? AND ended_at IS NULL', [
      studyId,
    ]);
    return rows.filter((r) => r.host === host && !pidAlive(Number(r.pid))).map((r) => Number(r.id));
  }

  async releaseSession(): Promise<void> {}

  async close(): Promise<void> {
    await this.serial(async () => this.db.close());
  }
}

/** A study store on the SQLite file `file` (created with its directory if missing). */
export function openSqliteStore(file: string): SqlStudyStore {
  return new SqlStudyStore(new SqliteDriver(file));
}
