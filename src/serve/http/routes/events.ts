/**
 * `POST /v1/recipes/{name}:events`: validate each event on its own, commit the valid ones (the
 * answer waits for the commit, so 200 means they are durable), and report per-element errors.
 * A store that cannot take the write answers 503 with Retry-After; nothing is dropped silently.
 */
import type { FastifyReply, FastifyRequest } from 'fastify';
import { EventStoreUnavailableError, type NewEvent } from '../../../data/events/types.js';
import { parseIsoToMs } from '../../../data/time.js';
import { errorClassName } from '../../../errors/index.js';
import { getLogger } from '../../../log/index.js';
import type { EventsOptions } from '../../registry/entry.js';
import type { ServerContext } from '../context.js';
import { ApiError, recipeNotFound } from '../errors.js';
import { type EventErrorCode, EventInput, type EventsRequest, type EventsResponse } from '../event-schemas.js';
import { recordVerbOutcome } from '../plugins/verb-metrics.js';
import { elementErrorMessage, toValidationItems } from '../validation.js';

const log = getLogger('recotem.serve.events');

/** Events may be stamped at most this far ahead of the server clock. */
const MAX_FUTURE_MS = 86_400_000;
/** Seconds a client should wait before retrying when the store is unavailable. */
export const EVENTS_RETRY_AFTER_SECONDS = 1;

type ElementError = { index: number; code: EventErrorCode; detail: string };

/** Epoch ms of an event's timestamp, or an error text. */
function eventTime(value: string | number | undefined, now: number): number | string {
  if (value === undefined) return now;
  let ms: number;
  if (typeof value === 'number') {
    if (!Number.isFinite(value) || value < 0) return 'timestamp must be a non-negative number of epoch seconds';
    ms = value * 1000;
  } else {
    ms = parseIsoToMs(value);
    if (Number.isNaN(ms)) return 'timestamp must be an ISO-8601 date/time or epoch seconds';
  }
  if (ms > now + MAX_FUTURE_MS) return 'timestamp is more than a day in the future';
  return ms;
}

/** The store failed: 503 + Retry-After, counted and logged without any event content. */
export function storeUnavailable(ctx: ServerContext, recipe: string, operation: string, err: unknown): ApiError {
  ctx.metrics.eventStoreErrors.inc({ recipe, operation });
  log.warn('event_store_unavailable', { recipe, operation, exc_type: errorClassName(err) });
  return new ApiError(503, 'EVENTS_UNAVAILABLE', 'event store unavailable; retry later', {
    'retry-after': String(EVENTS_RETRY_AFTER_SECONDS),
  });
}

export function eventsOptionsOf(ctx: ServerContext, name: string): EventsOptions {
  const entry = ctx.registry.get(name);
  if (entry === undefined) throw recipeNotFound(name);
  const options = entry.serving.events ?? null;
  if (options === null) throw new ApiError(404, 'EVENTS_NOT_ENABLED', `Recipe '${name}' does not take events`);
  return options;
}

export async function handleEvents(
  ctx: ServerContext,
  request: FastifyRequest,
  _reply: FastifyReply,
  name: string,
): Promise<EventsResponse> {
  const options = eventsOptionsOf(ctx, name);
  const body = request.body as EventsRequest;
  const now = Date.now();
  const errors: ElementError[] = [];
  const valid: NewEvent[] = [];
  body.events.forEach((element, index) => {
    const parsed = EventInput.safeParse(element);
    if (!parsed.success) {
      const detail =
        element === null || typeof element !== 'object' || Array.isArray(element)
          ? 'event must be an object'
          : elementErrorMessage(toValidationItems(parsed.error, element, []));
      errors.push({ index, code: 'invalid_event', detail });
      return;
    }
    const event = parsed.data;
    const ts = eventTime(event.timestamp, now);
    if (typeof ts === 'string') {
      errors.push({ index, code: 'invalid_timestamp', detail: ts });
      return;
    }
    let weight = 1;
    if (options.eventTypes !== null && event.event_type !== undefined) {
      const w = Object.hasOwn(options.eventTypes, event.event_type) ? options.eventTypes[event.event_type] : undefined;
      if (w === undefined) {
        const known = Object.keys(options.eventTypes).join(', ');
        errors.push({ index, code: 'unknown_event_type', detail: `event_type must be one of: ${known}` });
        return;
      }
      weight = w;
    }
    valid.push({
      recipe: name,
      eventId: event.event_id ?? null,
      userId: event.user_id,
      itemId: event.item_id,
      eventType: event.event_type ?? null,
      weight,
      tsMs: ts,
      receivedMs: now,
    });
  });
  let inserted: boolean[] = [];
  if (valid.length > 0) {
    try {
      const store = await ctx.events.get(name, options);
      inserted = await store.append(valid);
    } catch (err) {
      if (err instanceof EventStoreUnavailableError) throw storeUnavailable(ctx, name, 'write', err);
      throw err;
    }
  }
  const accepted = inserted.filter(Boolean).length;
  const duplicates = inserted.length - accepted;
  const label = request.verbCall?.recipeLabel ?? name;
  if (accepted > 0) ctx.metrics.eventsIngested.inc({ recipe: label, outcome: 'accepted' }, accepted);
  if (duplicates > 0) ctx.metrics.eventsIngested.inc({ recipe: label, outcome: 'duplicate' }, duplicates);
  if (errors.length > 0) {
    ctx.metrics.eventsIngested.inc({ recipe: label, outcome: 'rejected' }, errors.length);
    log.warn('events_rejected', { recipe: name, count: errors.length, first_index: errors[0].index });
  }
  recordVerbOutcome(request, ctx.metrics, 'ok', false);
  return { accepted, duplicates, errors };
}
