/**
 * The event stores a server uses, opened on first use and shared by every recipe that names the
 * same store (several recipes may share one PostgreSQL database). Each recipe with events gets a
 * background retention sweep that deletes expired events in small batches, yielding between
 * batches so requests are never blocked behind a long delete. Closing finishes pending writes.
 */
import type { EventStore } from '../../data/events/index.js';
import { errorClassName, errorMessage } from '../../errors/index.js';
import { getLogger } from '../../log/index.js';
import type { ServeMetrics } from '../metrics/metrics.js';
import type { EventsOptions } from '../registry/entry.js';

const log = getLogger('recotem.serve.events');

/** The store code is imported when a recipe first uses events: most servers have none, and start faster. */
let openers: Promise<typeof import('../../data/events/open.js')> | null = null;
async function open(location: EventsOptions['location']): Promise<EventStore> {
  openers ??= import('../../data/events/open.js');
  return (await openers).openEventStore(location);
}
const DAY_MS = 86_400_000;
/** How long a store that failed to open is reported unavailable without a new attempt. */
const OPEN_RETRY_MS = 2000;

export interface EventStoresOptions {
  /** First sweep after a store opens (default 5 s). */
  retentionFirstDelayMs?: number;
  /** Time between sweeps (default 10 min). */
  retentionIntervalMs?: number;
  /** Events deleted per statement (default 5000). */
  retentionBatch?: number;
}

export class EventStores {
  private readonly stores = new Map<string, Promise<EventStore>>();
  /** Stores that failed to open recently: not retried on every request (a read-only disk, a dead server). */
  private readonly failures = new Map<string, { at: number; error: unknown }>();
  private readonly sweeps = new Map<string, { timer: NodeJS.Timeout; options: EventsOptions }>();
  private closed = false;
  private readonly firstDelay: number;
  private readonly interval: number;
  private readonly batch: number;

  constructor(
    private readonly metrics: ServeMetrics,
    opts: EventStoresOptions = {},
  ) {
    this.firstDelay = opts.retentionFirstDelayMs ?? 5000;
    this.interval = opts.retentionIntervalMs ?? 600_000;
    this.batch = opts.retentionBatch ?? 5000;
  }

  /** The store of a recipe's events; rejects with EventStoreUnavailableError when it cannot be opened. */
  get(recipe: string, options: EventsOptions): Promise<EventStore> {
    if (this.closed) return Promise.reject(new Error('event stores are closed'));
    const key = JSON.stringify(options.location);
    let store = this.stores.get(key);
    const failed = this.failures.get(key);
    if (store === undefined && failed !== undefined && Date.now() - failed.at < OPEN_RETRY_MS) {
      return Promise.reject(failed.error);
    }
    if (store === undefined) {
      store = open(options.location);
      this.stores.set(key, store);
      store.then(
        async () => {
          const { describeEventStore } = await openers!;
          log.info('event_store_opened', { kind: options.location.kind, store: describeEventStore(options.location) });
        },
        (err) => {
          // Retried after a pause: the database may come back, the disk may become writable.
          this.stores.delete(key);
          this.failures.set(key, { at: Date.now(), error: err });
          log.warn('event_store_open_failed', { kind: options.location.kind, error: errorMessage(err) });
        },
      );
    }
    this.scheduleRetention(recipe, options);
    return store;
  }

  private scheduleRetention(recipe: string, options: EventsOptions): void {
    const current = this.sweeps.get(recipe);
    if (current !== undefined && JSON.stringify(current.options) === JSON.stringify(options)) return;
    if (current !== undefined) clearTimeout(current.timer);
    const run = (delay: number) => {
      const timer = setTimeout(async () => {
        await this.sweep(recipe, options).catch(() => undefined);
        if (!this.closed && this.sweeps.get(recipe)?.timer === timer) run(this.interval);
      }, delay);
      timer.unref();
      this.sweeps.set(recipe, { timer, options });
    };
    run(this.firstDelay);
  }

  /** Delete the recipe's events older than its retention; returns how many went. */
  async sweep(recipe: string, options: EventsOptions): Promise<number> {
    const before = Date.now() - options.retentionDays * DAY_MS;
    let total = 0;
    try {
      const store = await this.get(recipe, options);
      for (;;) {
        if (this.closed) break;
        const deleted = await store.deleteOlderThan(recipe, before, this.batch);
        total += deleted;
        if (deleted < this.batch) break;
        // Let requests run between batches.
        await new Promise((resolve) => setImmediate(resolve));
      }
    } catch (err) {
      this.metrics.eventStoreErrors.inc({ recipe, operation: 'retention' });
      log.warn('events_retention_failed', { recipe, exc_type: errorClassName(err), error: errorMessage(err) });
      throw err;
    }
    if (total > 0) {
      this.metrics.eventsExpired.inc({ recipe }, total);
      log.info('events_expired', { recipe, deleted: total, retention_days: options.retentionDays });
    }
    return total;
  }

  /** Stop the sweeps, finish pending writes and close every store. */
  async close(): Promise<void> {
    this.closed = true;
    for (const { timer } of this.sweeps.values()) clearTimeout(timer);
    this.sweeps.clear();
    const stores = [...this.stores.values()];
    this.stores.clear();
    await Promise.all(
      stores.map(async (pending) => {
        const store = await pending.catch(() => null);
        await store?.close().catch((err) => log.warn('event_store_close_failed', { error: errorMessage(err) }));
      }),
    );
  }
}
