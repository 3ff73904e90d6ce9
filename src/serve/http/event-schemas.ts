/**
 * Schemas of `POST /v1/recipes/{name}:events`. The envelope is validated as a whole (422 when it
 * is not one); each event is validated on its own so that one bad event never drops the good
 * ones: it gets an entry in `errors` instead.
 */
import { z } from 'zod';
import { MAX_ID_CHARS } from './schemas.js';

export const MAX_EVENTS_PER_REQUEST = 1000;
const idString = z.string().min(1).max(MAX_ID_CHARS);

export const EventsRequest = z
  .object({
    events: z
      .array(z.unknown())
      .min(1)
      .max(MAX_EVENTS_PER_REQUEST)
      .meta({ description: 'Up to 1000 events; each is validated on its own (see EventInput)' }),
  })
  .strict()
  .meta({ id: 'EventsRequest' });
export type EventsRequest = z.output<typeof EventsRequest>;

export const EventInput = z
  .object({
    user_id: idString,
    item_id: idString,
    timestamp: z
      .union([z.string().min(1).max(64), z.number()])
      .optional()
      .meta({ description: 'ISO-8601 date/time or epoch seconds; default: the time the server received it' }),
    event_type: z
      .string()
      .min(1)
      .max(64)
      .optional()
      .meta({ description: "One of the recipe's events.event_types when it lists them" }),
    event_id: z
      .string()
      .min(1)
      .max(MAX_ID_CHARS)
      .optional()
      .meta({ description: 'Idempotency key: an event sent again with the same id is counted once' }),
  })
  .strict()
  .meta({ id: 'EventInput' });
export type EventInput = z.output<typeof EventInput>;

export const EVENT_ERROR_CODES = ['invalid_event', 'invalid_timestamp', 'unknown_event_type'] as const;
export type EventErrorCode = (typeof EVENT_ERROR_CODES)[number];

export const EventsResponse = z
  .object({
    accepted: z.number().int().min(0).meta({ description: 'Events committed by this request' }),
    duplicates: z.number().int().min(0).meta({ description: 'Events whose event_id was already stored' }),
    errors: z.array(
      z.object({ index: z.number().int().min(0), code: z.enum(EVENT_ERROR_CODES), detail: z.string() }).strict(),
    ),
  })
  .strict()
  .meta({ id: 'EventsResponse' });
export type EventsResponse = z.output<typeof EventsResponse>;
