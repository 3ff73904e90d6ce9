/**
 * The event store's contract, shared by the embedded SQLite store and the PostgreSQL store. One
 * store may hold the events of several recipes (a PostgreSQL database shared by replicas), so
 * every row carries its recipe name.
 */
import { DataSourceError } from '../../errors/index.js';

/** One event as written (already validated and weighted by the HTTP layer). */
export interface NewEvent {
  readonly recipe: string;
  /** Idempotency key; null: always a new event. */
  readonly eventId: string | null;
  readonly userId: string;
  readonly itemId: string;
  readonly eventType: string | null;
  readonly weight: number;
  /** Event time, epoch milliseconds. */
  readonly tsMs: number;
  /** Receipt time, epoch milliseconds: decides which events a model has not seen yet. */
  readonly receivedMs: number;
}

/** A user's recent event, as the read path folds it in. */
export interface RecentEvent {
  readonly itemId: string;
  readonly weight: number;
}

/** An event as training reads it. */
export interface TrainingEvent {
  readonly userId: string;
  readonly itemId: string;
  readonly tsMs: number;
  readonly weight: number;
}

export interface EventStore {
  readonly kind: 'sqlite' | 'postgresql';
  /** Commit the events; per event, true when it was new and false when its event id was already stored. */
  append(events: readonly NewEvent[]): Promise<boolean[]>;
  /** Per user, the newest events received after `sinceMs`, newest first, at most `limit` each. */
  recent(recipe: string, users: readonly string[], sinceMs: number, limit: number): Promise<Map<string, RecentEvent[]>>;
  /** Every event of the recipe with an event time at or after `sinceMs`, in arrival order. */
  forTraining(recipe: string, sinceMs: number): Promise<TrainingEvent[]>;
  /** Delete up to `batch` events older than `beforeMs`; returns how many went. */
  deleteOlderThan(recipe: string, beforeMs: number, batch: number): Promise<number>;
  /** Cheap round trip proving the store answers. */
  probe(): Promise<void>;
  /** Finish pending writes, then release the connection(s). */
  close(): Promise<void>;
}

/** The store cannot take or give events right now (connection refused, disk full, locked). */
export class EventStoreUnavailableError extends DataSourceError {
  override name = 'EventStoreUnavailableError';
}
