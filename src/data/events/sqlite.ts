/**
 * The embedded event store: one SQLite file in WAL mode with `synchronous=FULL`, so a commit is
 * on disk before the request is answered and survives a killed process. Writes go through a
 * group committer: the events of every request parsed in the same event-loop turn are inserted
 * in one transaction. Reads are indexed point lookups and run synchronously (tens of µs).
 */
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import Database from 'better-sqlite3';
import { GroupCommitter } from './group-commit.js';
import {
  type EventStore,
  EventStoreUnavailableError,
  type NewEvent,
  type RecentEvent,
  type TrainingEvent,
} from './types.js';

const SCHEMA = `
CREATE TABLE IF NOT EXISTS recotem_events (
  id INTEGER PRIMARY KEY,
  recipe TEXT NOT NULL,
  event_id TEXT,
  user_id TEXT NOT NULL,
  item_id TEXT NOT NULL,
  event_type TEXT,
  weight REAL NOT NULL,
  ts_ms INTEGER NOT NULL,
  received_ms INTEGER NOT NULL,
  UNIQUE (recipe, event_id)
);
CREATE INDEX IF NOT EXISTS recotem_events_user ON recotem_events (recipe, user_id, received_ms);
CREATE INDEX IF NOT EXISTS recotem_events_time ON recotem_events (recipe, ts_ms);
`;

/** SQLite result codes that mean "not now", not "bad request". */
const UNAVAILABLE = /^SQLITE_(BUSY|LOCKED|FULL|IOERR|CANTOPEN|READONLY|NOTADB|CORRUPT|PROTOCOL)/;

function translate(err: unknown): unknown {
  const code = (err as { code?: unknown }).code;
  if (typeof code === 'string' && UNAVAILABLE.test(code)) {
    return new EventStoreUnavailableError(`event store unavailable (${code})`, { cause: err });
  }
  if (err instanceof TypeError && /not open/.test(err.message)) {
    return new EventStoreUnavailableError('event store is closed', { cause: err });
  }
  return err;
}

export class SqliteEventStore implements EventStore {
  readonly kind = 'sqlite' as const;
  private readonly db: Database.Database;
  private readonly insert: Database.Statement;
  private readonly recentStmt: Database.Statement;
  private readonly trainingStmt: Database.Statement;
  private readonly deleteStmt: Database.Statement;
  private readonly committer: GroupCommitter<NewEvent, boolean>;

  constructor(readonly path: string) {
    try {
      mkdirSync(dirname(path), { recursive: true });
      this.db = new Database(path, { timeout: 5000 });
      this.db.pragma('journal_mode = WAL');
      this.db.pragma('synchronous = FULL');
      this.db.exec(SCHEMA);
    } catch (err) {
      throw translateOpen(err, path);
    }
    this.insert = this.db.prepare(
      `INSERT OR IGNORE INTO recotem_events (recipe, event_id, user_id, item_id, event_type, weight, ts_ms, received_ms)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
    );
    this.recentStmt = this.db.prepare(
      `SELECT item_id AS itemId, weight FROM recotem_events
       WHERE recipe = ? AND user_id = ? AND received_ms > ? ORDER BY received_ms DESC, id DESC LIMIT ?`,
    );
    this.trainingStmt = this.db.prepare(
      `SELECT user_id AS userId, item_id AS itemId, ts_ms AS tsMs, weight FROM recotem_events
       WHERE recipe = ? AND ts_ms >= ? ORDER BY id`,
    );
    this.deleteStmt = this.db.prepare(
      `DELETE FROM recotem_events WHERE id IN
       (SELECT id FROM recotem_events WHERE recipe = ? AND ts_ms < ? LIMIT ?)`,
    );
    const insertAll = this.db.transaction((events: NewEvent[]) =>
      events.map(
        (e) =>
          this.insert.run(e.recipe, e.eventId, e.userId, e.itemId, e.eventType, e.weight, e.tsMs, e.receivedMs)
            .changes === 1,
      ),
    );
    this.committer = new GroupCommitter((events) => {
      try {
        return insertAll(events);
      } catch (err) {
        throw translate(err);
      }
    });
  }

  append(events: readonly NewEvent[]): Promise<boolean[]> {
    return this.committer.submit(events);
  }

  async recent(recipe: string, users: readonly string[], sinceMs: number, limit: number) {
    const out = new Map<string, RecentEvent[]>();
    try {
      for (const user of users) {
        if (out.has(user)) continue;
        out.set(user, this.recentStmt.all(recipe, user, Math.floor(sinceMs), limit) as RecentEvent[]);
      }
    } catch (err) {
      throw translate(err);
    }
    return out;
  }

  async forTraining(recipe: string, sinceMs: number): Promise<TrainingEvent[]> {
    try {
      return this.trainingStmt.all(recipe, Math.floor(sinceMs)) as TrainingEvent[];
    } catch (err) {
      throw translate(err);
    }
  }

  async deleteOlderThan(recipe: string, beforeMs: number, batch: number): Promise<number> {
    try {
      return this.deleteStmt.run(recipe, Math.floor(beforeMs), batch).changes;
    } catch (err) {
      throw translate(err);
    }
  }

  async probe(): Promise<void> {
    try {
      this.db.prepare('SELECT 1').get();
    } catch (err) {
      throw translate(err);
    }
  }

  async close(): Promise<void> {
    await this.committer.drain();
    if (this.db.open) this.db.close();
  }
}

function translateOpen(err: unknown, path: string): unknown {
  const translated = translate(err);
  if (translated !== err) return translated;
  const code = (err as NodeJS.ErrnoException).code;
  if (typeof code === 'string') {
    return new EventStoreUnavailableError(`event store '${path}' cannot be opened (${code})`, { cause: err });
  }
  return err;
}
