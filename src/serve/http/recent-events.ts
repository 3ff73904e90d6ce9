/**
 * Real-time personalisation: the events a user sent after the served model was trained, read
 * from the recipe's event store and folded into `:recommend` like a request `history`. A store
 * that fails on this path costs the personalisation, not the answer: the request is scored
 * without events, and the failure is logged and counted.
 */
import { EventStoreUnavailableError, type RecentEvent } from '../../data/events/types.js';
import { errorClassName } from '../../errors/index.js';
import { getLogger } from '../../log/index.js';
import type { ServerContext } from './context.js';
import type { LoadedEntry } from './routes/common.js';

const log = getLogger('recotem.serve.events');

/**
 * Events received after this instant (epoch ms) are new to the model: the moment training read
 * the store when it included events, else the model's `trained_at`.
 */
export function modelEventCutoff(header: Readonly<Record<string, unknown>>): number {
  const until = header.events_until_ms;
  if (typeof until === 'number' && Number.isFinite(until)) return until;
  const trainedAt = header.trained_at;
  const ms = typeof trainedAt === 'string' ? Date.parse(trainedAt) : Number.NaN;
  return Number.isFinite(ms) ? ms : 0;
}

/** Per user, the recent events to fold in (weight-0 events dropped); null when the recipe folds none. */
export async function recentEvents(
  ctx: ServerContext,
  loaded: LoadedEntry,
  users: readonly string[],
): Promise<Map<string, RecentEvent[]> | null> {
  const options = loaded.entry.serving.events ?? null;
  if (options === null || !options.realtime || users.length === 0) return null;
  try {
    const store = await ctx.events.get(loaded.entry.name, options);
    const since = modelEventCutoff(loaded.entry.header);
    const found = await store.recent(loaded.entry.name, users, since, loaded.entry.serving.maxHistory);
    for (const [user, events] of found) {
      if (events.some((e) => e.weight <= 0))
        found.set(
          user,
          events.filter((e) => e.weight > 0),
        );
    }
    return found;
  } catch (err) {
    ctx.metrics.eventStoreErrors.inc({ recipe: loaded.entry.name, operation: 'read' });
    const level = err instanceof EventStoreUnavailableError ? 'warn' : 'error';
    log[level]('events_read_failed', { recipe: loaded.entry.name, exc_type: errorClassName(err) });
    return null;
  }
}
