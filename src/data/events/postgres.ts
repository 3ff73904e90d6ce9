/**
 * The shared event store: one PostgreSQL table that every serving replica writes to and reads
 * from, so an event acknowledged by one replica is used by all. Writes are group-committed as one
 * multi-row INSERT per commit; the idempotency key is a unique (recipe, event_id) constraint.
 * Credentials never appear in the URL (refused by recipe validation); `pg` reads them from
 * PGUSER/PGPASSWORD, PGPASSFILE or ~/.pgpass.
 */
import pg from 'pg';
import { GroupCommitter } from './group-commit.js';
import {
  type EventStore,
  EventStoreUnavailableError,
  type NewEvent,
  type RecentEvent,
  type TrainingEvent,
} from './types.js';

/** Advisory lock key serialising the table creation of concurrently starting replicas ("RCEV"). */
const SCHEMA_LOCK = 0x52434556;

const SCHEMA = [
  `CREATE TABLE IF NOT EXISTS recotem_events (
    id BIGSERIAL PRIMARY KEY,
    recipe TEXT NOT NULL,
    event_id TEXT,
    user_id TEXT NOT NULL,
    item_id TEXT NOT NULL,
    event_type TEXT,
    weight DOUBLE PRECISION NOT NULL,
    ts_ms BIGINT NOT NULL,
    received_ms BIGINT NOT NULL,
    UNIQUE (recipe, event_id)
  )`,
  'CREATE INDEX IF NOT EXISTS recotem_events_user ON recotem_events (recipe, user_id, received_ms)',
  'CREATE INDEX IF NOT EXISTS recotem_events_time ON recotem_events (recipe, ts_ms)',
];

/** SQLSTATE classes meaning the server is unreachable or refusing work for now. */
const UNAVAILABLE_STATES = /^(08|53|57P0[1-3]|40001|40P01)/;
const UNAVAILABLE_ERRNO = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'ENOTFOUND', 'EAI_AGAIN', 'EPIPE']);

function translate(err: unknown): unknown {
  const code = (err as { code?: unknown }).code;
  const message = err instanceof Error ? err.message : String(err);
  if (
    (typeof code === 'string' && (UNAVAILABLE_STATES.test(code) || UNAVAILABLE_ERRNO.has(code))) ||
    /timeout|terminat|Connection|ended/i.test(message)
  ) {
    return new EventStoreUnavailableError(
      `event store unavailable (${typeof code === 'string' ? code : 'connection'})`,
      {
        cause: err,
      },
    );
  }
  return err;
}

export class PostgresEventStore implements EventStore {
  readonly kind = 'postgresql' as const;
  private readonly pool: pg.Pool;
  private schemaReady: Promise<void> | null = null;
  private readonly committer: GroupCommitter<NewEvent, boolean>;

  constructor(connectionString: string) {
    this.pool = new pg.Pool({
      connectionString,
      max: 4,
      connectionTimeoutMillis: 3000,
      idleTimeoutMillis: 30_000,
      application_name: 'recotem-events',
    });
    // An idle client losing its connection must not crash the process; the next query reports it.
    this.pool.on('error', () => undefined);
    this.committer = new GroupCommitter((events) => this.insert(events), 10_000);
  }

  private async query<R extends pg.QueryResultRow>(sql: string, params: unknown[] = []): Promise<R[]> {
    await this.ensureSchema();
    try {
      return (await this.pool.query<R>(sql, params)).rows;
    } catch (err) {
      throw translate(err);
    }
  }

  private ensureSchema(): Promise<void> {
    this.schemaReady ??= (async () => {
      let client: pg.PoolClient | null = null;
      try {
        client = await this.pool.connect();
        await client.query('BEGIN');
        await client.query('SELECT pg_advisory_xact_lock($1)', [SCHEMA_LOCK]);
        for (const statement of SCHEMA) await client.query(statement);
        await client.query('COMMIT');
      } catch (err) {
        await client?.query('ROLLBACK').catch(() => undefined);
        throw translate(err);
      } finally {
        client?.release();
      }
    })();
    // A failed attempt (server down) is retried by the next call.
    this.schemaReady.catch(() => {
      this.schemaReady = null;
    });
    return this.schemaReady;
  }

  private async insert(events: NewEvent[]): Promise<boolean[]> {
    // The first occurrence of an id in this commit is the one that may be new; later ones are repeats.
    const firstOfId = new Map<string, number>();
    const rows: number[] = [];
    const inserted = new Array<boolean>(events.length).fill(false);
    events.forEach((e, i) => {
      if (e.eventId === null) {
        rows.push(i);
        return;
      }
      const key = `${e.recipe}\u0000${e.eventId}`;
      if (!firstOfId.has(key)) {
        firstOfId.set(key, i);
        rows.push(i);
      }
    });
    const col = <T>(f: (e: NewEvent) => T) => rows.map((i) => f(events[i]));
    const returned = await this.query<{ recipe: string; event_id: string | null; n: string }>(
      `INSERT INTO recotem_events (recipe, event_id, user_id, item_id, event_type, weight, ts_ms, received_ms)
       SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::float8[], $7::int8[], $8::int8[])
       ON CONFLICT (recipe, event_id) DO NOTHING
       RETURNING recipe, event_id`,
      [
        col((e) => e.recipe),
        col((e) => e.eventId),
        col((e) => e.userId),
        col((e) => e.itemId),
        col((e) => e.eventType),
        col((e) => e.weight),
        col((e) => Math.floor(e.tsMs)),
        col((e) => Math.floor(e.receivedMs)),
      ],
    );
    for (const i of rows) if (events[i].eventId === null) inserted[i] = true;
    for (const r of returned) {
      if (r.event_id === null) continue;
      const i = firstOfId.get(`${r.recipe}\u0000${r.event_id}`);
      if (i !== undefined) inserted[i] = true;
    }
    return inserted;
  }

  append(events: readonly NewEvent[]): Promise<boolean[]> {
    return this.committer.submit(events);
  }

  async recent(recipe: string, users: readonly string[], sinceMs: number, limit: number) {
    const out = new Map<string, RecentEvent[]>();
    if (users.length === 0) return out;
    const distinct = [...new Set(users)];
    const rows = await this.query<{ user_id: string; item_id: string; weight: number }>(
      `SELECT e.user_id, e.item_id, e.weight FROM unnest($2::text[]) AS u(user_id)
       CROSS JOIN LATERAL (
         SELECT user_id, item_id, weight FROM recotem_events
         WHERE recipe = $1 AND user_id = u.user_id AND received_ms > $3
         ORDER BY received_ms DESC, id DESC LIMIT $4
       ) e`,
      [recipe, distinct, Math.floor(sinceMs), limit],
    );
    for (const user of distinct) out.set(user, []);
    for (const r of rows) out.get(r.user_id)?.push({ itemId: r.item_id, weight: r.weight });
    return out;
  }

  async forTraining(recipe: string, sinceMs: number): Promise<TrainingEvent[]> {
    const rows = await this.query<{ user_id: string; item_id: string; ts_ms: number; weight: number }>(
      `SELECT user_id, item_id, ts_ms::float8 AS ts_ms, weight FROM recotem_events
       WHERE recipe = $1 AND ts_ms >= $2 ORDER BY id`,
      [recipe, Math.floor(sinceMs)],
    );
    return rows.map((r) => ({ userId: r.user_id, itemId: r.item_id, tsMs: r.ts_ms, weight: r.weight }));
  }

  async deleteOlderThan(recipe: string, beforeMs: number, batch: number): Promise<number> {
    const rows = await this.query<{ id: string }>(
      `DELETE FROM recotem_events WHERE id IN
       (SELECT id FROM recotem_events WHERE recipe = $1 AND ts_ms < $2 LIMIT $3) RETURNING id`,
      [recipe, Math.floor(beforeMs), batch],
    );
    return rows.length;
  }

  async probe(): Promise<void> {
    await this.query('SELECT 1');
  }

  async close(): Promise<void> {
    await this.committer.drain();
    await this.pool.end();
  }
}
