/**
 * PostgreSQL driver of the study store (`pg`). Queries go through a small pool; the study lock is
 * `SELECT … FOR UPDATE` on the study row. Each session keeps one extra connection holding the
 * session advisory lock (RECOTEM_LOCK_SPACE, session id): the session counts as live exactly as
 * long as that lock is held, so a crashed process is detected by the server dropping its lock.
 *
 * Credentials never appear in the URL (rejected earlier); `pg` reads them from PGUSER/PGPASSWORD,
 * PGPASSFILE or ~/.pgpass.
 */
import pg from 'pg';
import type { Query, Row, SqlDriver } from './sql-study.js';
import { SqlStudyStore } from './sql-study.js';

/** First key of every advisory lock this store takes ("RCTM"). */
const RECOTEM_LOCK_SPACE = 0x5243544d;

const SCHEMA = [
  `CREATE TABLE IF NOT EXISTS recotem_studies (
    id SERIAL PRIMARY KEY,
    name TEXT NOT NULL UNIQUE,
    direction TEXT NOT NULL,
    round INTEGER NOT NULL,
    round_cap INTEGER NOT NULL,
    created_at TEXT NOT NULL
  )`,
  `CREATE TABLE IF NOT EXISTS recotem_sessions (
    id SERIAL PRIMARY KEY,
    study_id INTEGER NOT NULL REFERENCES recotem_studies(id),
    round INTEGER NOT NULL,
    pid INTEGER NOT NULL,
    host TEXT NOT NULL,
    started_at TEXT NOT NULL,
    ended_at TEXT
  )`,
  `CREATE TABLE IF NOT EXISTS recotem_trials (
    study_id INTEGER NOT NULL REFERENCES recotem_studies(id),
    number INTEGER NOT NULL,
    round INTEGER NOT NULL,
    session_id INTEGER,
    state TEXT NOT NULL CHECK (state IN ('RUNNING', 'COMPLETE', 'PRUNED', 'FAIL')),
    class TEXT,
    admitted INTEGER NOT NULL DEFAULT 0,
    value DOUBLE PRECISION,
    params TEXT NOT NULL DEFAULT '{}',
    user_attrs TEXT NOT NULL DEFAULT '{}',
    intermediate TEXT NOT NULL DEFAULT '[]',
    started_at TEXT NOT NULL,
    finished_at TEXT,
    PRIMARY KEY (study_id, number)
  )`,
  `CREATE TABLE IF NOT EXISTS recotem_queue (
    study_id INTEGER NOT NULL REFERENCES recotem_studies(id),
    round INTEGER NOT NULL,
    position INTEGER NOT NULL,
    class TEXT NOT NULL,
    PRIMARY KEY (study_id, round, position)
  )`,
];

/** `?` placeholders → `$1, $2, …` (our statements never contain a literal `?`). */
function numberPlaceholders(sql: string): string {
  let i = 0;
  return sql.replace(/\?/g, () => `$${++i}`);
}

type Queryable = Pick<pg.ClientBase, 'query'>;

function queryOn(c: Queryable): Query {
  return async (sql, params = []) => {
    const res = await c.query(numberPlaceholders(sql), params as unknown[]);
    return res.rows as Row[];
  };
}

class PostgresDriver implements SqlDriver {
  readonly kind = 'postgresql' as const;
  private readonly pool: pg.Pool;
  private readonly sessionClients = new Map<number, pg.Client>();

  constructor(private readonly connectionString: string) {
    this.pool = new pg.Pool({ connectionString, max: 4 });
    // An idle client losing its connection must not crash the process; the next query reports it.
    this.pool.on('error', () => undefined);
  }

  query: Query = (sql, params) => queryOn(this.pool)(sql, params);

  async ensureSchema(): Promise<void> {
    await this.transaction(async (q) => {
      // Concurrent CREATE TABLE IF NOT EXISTS can collide in the catalog; serialise it.
      await q('SELECT pg_advisory_xact_lock(?, 0)', [RECOTEM_LOCK_SPACE]);
      for (const ddl of SCHEMA) await q(ddl);
    });
  }

  private async transaction<T>(fn: (q: Query) => Promise<T>, client?: pg.ClientBase): Promise<T> {
    const c = client ?? (await this.pool.connect());
    try {
      await c.query('BEGIN');
      try {
        const out = await fn(queryOn(c));
        await c.query('COMMIT');
        return out;
      } catch (err) {
        await c.query('ROLLBACK').catch(() => undefined);
        throw err;
      }
    } finally {
      if (!client) (c as pg.PoolClient).release();
    }
  }

  withStudyLock<T>(studyId: number, fn: (q: Query) => Promise<T>): Promise<T> {
    return this.transaction(async (q) => {
      await q('SELECT id FROM recotem_studies WHERE id = ? FOR UPDATE', [studyId]);
      return fn(q);
    });
  }

  async withNewSession<T extends { sessionId: number }>(studyId: number, fn: (q: Query) => Promise<T>): Promise<T> {
    const client = new pg.Client({ connectionString: this.connectionString });
    client.on('error', () => undefined);
    await client.connect();
    try {
      const out = await this.transaction(async (q) => {
        await q('SELECT id FROM recotem_studies WHERE id = ? FOR UPDATE', [studyId]);
        const r = await fn(q);
        // Session-level lock: survives the commit, released when this connection closes.
        await q('SELECT pg_advisory_lock(?, ?)', [RECOTEM_LOCK_SPACE, r.sessionId]);
        return r;
      }, client);
      this.sessionClients.set(out.sessionId, client);
      return out;
    } catch (err) {
      await client.end().catch(() => undefined);
      throw err;
    }
  }

  async deadSessions(q: Query, studyId: number): Promise<number[]> {
    const rows = await q(
      `SELECT s.id FROM recotem_sessions s
        WHERE s.study_id = ? AND s.ended_at IS NULL
          AND NOT EXISTS (
            SELECT 1 FROM pg_locks l
             WHERE l.locktype = 'advisory' AND l.granted
               AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database())
               AND l.classid = ?::oid AND l.objid = s.id::oid AND l.objsubid = 2)`,
      [studyId, RECOTEM_LOCK_SPACE],
    );
    return rows.map((r) => Number(r.id));
  }

  async releaseSession(sessionId: number): Promise<void> {
    const c = this.sessionClients.get(sessionId);
    if (!c) return;
    this.sessionClients.delete(sessionId);
    await c.end().catch(() => undefined);
  }

  async close(): Promise<void> {
    for (const id of [...this.sessionClients.keys()]) await this.releaseSession(id);
    await this.pool.end();
  }
}

/** A study store on the PostgreSQL database of `connectionString` (tables created if missing). */
export function openPostgresStore(connectionString: string): SqlStudyStore {
  return new SqlStudyStore(new PostgresDriver(connectionString));
}
