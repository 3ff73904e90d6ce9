/**
 * `:events` over inject(): element-level errors, idempotency, the separate key ring, 503 when the
 * store is down, metrics, and real-time personalisation of `:recommend` and `:batch-recommend`.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { EventStores } from '../../src/serve/events/stores.js';
import { ServeMetrics } from '../../src/serve/metrics/metrics.js';
import type { EventsOptions, ModelEntry } from '../../src/serve/registry/entry.js';
import { API_KEY, API_KEY_2, jsonHeaders, keyEntries, makeApp, type TestApp } from './helpers/app.js';
import { loadedEntry, standardModel } from './helpers/model.js';

const dir = mkdtempSync(join(tmpdir(), 'recotem-serve-events-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

let t: TestApp | undefined;
afterEach(async () => {
  await t?.app.close();
  t = undefined;
});

const WRITE_KEY = 'write-key-'.padEnd(43, 'w');
let storeCount = 0;

function eventsOptions(over: Partial<EventsOptions> = {}): EventsOptions {
  storeCount++;
  return {
    location: { kind: 'sqlite', path: join(dir, `store${storeCount}.db`) },
    realtime: true,
    retentionDays: 30,
    eventTypes: null,
    ...over,
  };
}

function withEvents(entry: ModelEntry, options: EventsOptions = eventsOptions()): ModelEntry {
  return { ...entry, serving: { ...entry.serving, events: options } };
}

async function app(entries: ModelEntry[], settings: Record<string, unknown> = {}) {
  t = await makeApp({
    settings: { apiKeys: keyEntries(['k1', API_KEY]), eventApiKeys: keyEntries(['w1', WRITE_KEY]), ...settings },
    entries,
  });
  return t;
}

async function post(body: unknown, verb: string, key: string | null = API_KEY, recipe = 'demo') {
  return t!.app.inject({
    method: 'POST',
    url: `/v1/recipes/${recipe}:${verb}`,
    headers: jsonHeaders(key),
    payload: JSON.stringify(body),
  });
}
const send = (events: unknown[], recipe = 'demo') => post({ events }, 'events', WRITE_KEY, recipe);
const ids = (r: { json: () => { items: { item_id: string }[] } }) => r.json().items.map((i) => i.item_id);

describe(':events ingest', () => {
  it('commits valid events, reports bad ones by index, and counts a retried event id once', async () => {
    await app([withEvents(loadedEntry('demo', standardModel()), eventsOptions({ eventTypes: { view: 1, buy: 3 } }))]);
    const now = Math.floor(Date.now() / 1000);
    const r = await send([
      { user_id: 'u1', item_id: 'i2', event_id: 'e1', event_type: 'buy' },
      { user_id: 'u1' },
      'not an object',
      { user_id: 'u1', item_id: 'i3', timestamp: 'yesterday' },
      { user_id: 'u1', item_id: 'i3', timestamp: now + 3 * 86_400 },
      { user_id: 'u1', item_id: 'i3', event_type: 'like' },
      { user_id: 'u1', item_id: 'i4', timestamp: '2026-01-02T03:04:05Z', event_type: 'view' },
      { user_id: 'u1', item_id: 'i5', timestamp: now - 60, extra: 1 },
      { user_id: 'u1', item_id: 'i2', event_id: 'e1', event_type: 'buy' },
    ]);
    expect(r.statusCode).toBe(200);
    const body = r.json();
    expect(body.accepted).toBe(2);
    expect(body.duplicates).toBe(1);
    expect(body.errors.map((e: { index: number; code: string }) => [e.index, e.code])).toEqual([
      [1, 'invalid_event'],
      [2, 'invalid_event'],
      [3, 'invalid_timestamp'],
      [4, 'invalid_timestamp'],
      [5, 'unknown_event_type'],
      [7, 'invalid_event'],
    ]);
    expect(body.errors[0].detail).toContain('item_id');
    expect(body.errors[4].detail).toBe('event_type must be one of: view, buy');
    // Ids are never echoed in error details.
    expect(JSON.stringify(body.errors)).not.toContain('u1');

    const retry = await send([{ user_id: 'u1', item_id: 'i2', event_id: 'e1' }]);
    expect(retry.json()).toEqual({ accepted: 0, duplicates: 1, errors: [] });
  });

  it('answers 422 for a body that is not an envelope of 1 to 1000 events', async () => {
    await app([withEvents(loadedEntry('demo', standardModel()))]);
    for (const body of [{}, { events: [] }, { events: 'x' }, { events: [{}], more: 1 }]) {
      const r = await post(body, 'events', WRITE_KEY);
      expect(r.statusCode).toBe(422);
      expect(r.json().code).toBe('VALIDATION_ERROR');
    }
    const tooMany = Array.from({ length: 1001 }, (_, i) => ({ user_id: 'u', item_id: `i${i}` }));
    const r = await send(tooMany);
    expect(r.statusCode).toBe(422);
    expect(r.json().errors[0].loc).toEqual(['body', 'events']);
    const max = await send(tooMany.slice(0, 1000));
    expect(max.json().accepted).toBe(1000);
  });

  it('is 404 for unknown recipes and recipes without events', async () => {
    await app([loadedEntry('plain', standardModel()), withEvents(loadedEntry('demo', standardModel()))]);
    const unknown = await send([{ user_id: 'u', item_id: 'i1' }], 'nope');
    expect(unknown.statusCode).toBe(404);
    expect(unknown.json().code).toBe('RECIPE_NOT_FOUND');
    const off = await send([{ user_id: 'u', item_id: 'i1' }], 'plain');
    expect(off.statusCode).toBe(404);
    expect(off.json()).toEqual({ detail: "Recipe 'plain' does not take events", code: 'EVENTS_NOT_ENABLED' });
  });

  it('keeps the key rings apart: a read key cannot write and a write key cannot read', async () => {
    await app([withEvents(loadedEntry('demo', standardModel()))]);
    const readKeyWrites = await post({ events: [{ user_id: 'u', item_id: 'i1' }] }, 'events', API_KEY);
    expect(readKeyWrites.statusCode).toBe(401);
    expect(readKeyWrites.json().code).toBe('INVALID_API_KEY');
    const noKey = await post({ events: [{ user_id: 'u', item_id: 'i1' }] }, 'events', null);
    expect(noKey.json().code).toBe('MISSING_API_KEY');
    const writeKeyReads = await post({ user_id: 'u1' }, 'recommend', WRITE_KEY);
    expect(writeKeyReads.statusCode).toBe(401);
    expect((await post({ user_id: 'u1' }, 'recommend', API_KEY)).statusCode).toBe(200);
  });

  it('refuses every event write when read keys are set but no event keys are', async () => {
    await app([withEvents(loadedEntry('demo', standardModel()))], { eventApiKeys: [] });
    for (const key of [API_KEY, API_KEY_2, WRITE_KEY]) {
      expect((await post({ events: [{ user_id: 'u', item_id: 'i1' }] }, 'events', key)).statusCode).toBe(401);
    }
  });

  it('answers 503 with Retry-After when the store is down, and counts the failure', async () => {
    const down = eventsOptions({ location: { kind: 'postgresql', url: 'postgresql://127.0.0.1:1/recotem_test' } });
    await app([withEvents(loadedEntry('demo', standardModel()), down)], { metricsEnabled: true });
    const r = await send([{ user_id: 'u1', item_id: 'i2' }]);
    expect(r.statusCode).toBe(503);
    expect(r.headers['retry-after']).toBe('1');
    expect(r.json()).toMatchObject({ code: 'EVENTS_UNAVAILABLE', request_id: expect.any(String) });
    // Reads still answer, without the events.
    const rec = await post({ user_id: 'u1', limit: 2 }, 'recommend');
    expect(rec.statusCode).toBe(200);
    const metrics = await t!.ctx.metrics.exposition();
    expect(metrics).toContain('recotem_event_store_errors_total{recipe="demo",operation="write"} 1');
    expect(metrics).toContain('recotem_event_store_errors_total{recipe="demo",operation="read"} 1');
    expect(metrics).toMatch(/recotem_v1_requests_total\{recipe="demo",verb="events",status="unavailable"\} 1/);
  });

  it('counts events and requests in the metrics', async () => {
    await app([withEvents(loadedEntry('demo', standardModel()))], { metricsEnabled: true });
    await send([{ user_id: 'u1', item_id: 'i2', event_id: 'x' }, { user_id: 'u1', item_id: 'i2', event_id: 'x' }, {}]);
    const metrics = await t!.ctx.metrics.exposition();
    expect(metrics).toContain('recotem_events_ingested_total{recipe="demo",outcome="accepted"} 1');
    expect(metrics).toContain('recotem_events_ingested_total{recipe="demo",outcome="duplicate"} 1');
    expect(metrics).toContain('recotem_events_ingested_total{recipe="demo",outcome="rejected"} 1');
    expect(metrics).toContain('recotem_v1_requests_total{recipe="demo",verb="events",status="ok"} 1');
  });
});

describe('real-time personalisation', () => {
  it("changes a known user's next :recommend at once and never returns the items acted on", async () => {
    await app([withEvents(loadedEntry('demo', standardModel()))]);
    expect(ids(await post({ user_id: 'u1', limit: 3 }, 'recommend'))).toEqual(['i2', 'i3', 'i4']);
    expect(
      (
        await send([
          { user_id: 'u1', item_id: 'i2' },
          { user_id: 'u1', item_id: 'i3' },
        ])
      ).json().accepted,
    ).toBe(2);
    expect(ids(await post({ user_id: 'u1', limit: 3 }, 'recommend'))).toEqual(['i4', 'i5', 'i6']);
  });

  it('gives an unknown user with events personal recommendations instead of 404', async () => {
    const model = standardModel();
    await app([withEvents(loadedEntry('demo', model))]);
    expect((await post({ user_id: 'newcomer' }, 'recommend')).statusCode).toBe(404);
    await send([{ user_id: 'newcomer', item_id: 'i1' }]);
    const r = await post({ user_id: 'newcomer', limit: 2 }, 'recommend');
    expect(r.statusCode).toBe(200);
    expect(ids(r)).toEqual(['i2', 'i3']);
  });

  it('folds events into :batch-recommend per element', async () => {
    await app([withEvents(loadedEntry('demo', standardModel()))]);
    await send([
      { user_id: 'u1', item_id: 'i2' },
      { user_id: 'newcomer', item_id: 'i6' },
    ]);
    const r = await post(
      { requests: [{ user_id: 'u1', limit: 2 }, { user_id: 'newcomer', limit: 2 }, { user_id: 'ghost' }, 'bad'] },
      'batch-recommend',
    );
    const results = r.json().results;
    expect(results[0].items.map((i: { item_id: string }) => i.item_id)).toEqual(['i3', 'i4']);
    expect(results[1].items.map((i: { item_id: string }) => i.item_id)).toEqual(['i1', 'i2']);
    expect(results[2].error.code).toBe('UNKNOWN_USER');
    expect(results[3].error.code).toBe('VALIDATION_ERROR');
  });

  it('folds only events received after the model was trained, only when realtime is on, and caps them', async () => {
    const future = loadedEntry('demo', standardModel(), { header: { trained_at: '2099-01-01T00:00:00Z' } });
    await app([
      withEvents(future),
      withEvents(loadedEntry('off', standardModel()), eventsOptions({ realtime: false })),
      withEvents(loadedEntry('capped', standardModel(), { maxHistory: 1 })),
    ]);
    await send([{ user_id: 'u1', item_id: 'i2' }]);
    expect(ids(await post({ user_id: 'u1', limit: 1 }, 'recommend'))).toEqual(['i2']);
    await send([{ user_id: 'u1', item_id: 'i2' }], 'off');
    expect(ids(await post({ user_id: 'u1', limit: 1 }, 'recommend', API_KEY, 'off'))).toEqual(['i2']);
    // max_history 1: only the newest event counts.
    await send([{ user_id: 'u1', item_id: 'i2' }], 'capped');
    await send([{ user_id: 'u1', item_id: 'i3' }], 'capped');
    expect(ids(await post({ user_id: 'u1', limit: 1 }, 'recommend', API_KEY, 'capped'))).toEqual(['i2']);
  });

  it('ignores events of a weight-0 type when folding', async () => {
    await app([withEvents(loadedEntry('demo', standardModel()), eventsOptions({ eventTypes: { hide: 0, view: 1 } }))]);
    await send([{ user_id: 'u1', item_id: 'i2', event_type: 'hide' }]);
    expect(ids(await post({ user_id: 'u1', limit: 1 }, 'recommend'))).toEqual(['i2']);
  });
});

describe('retention', () => {
  it('deletes events older than retention_days in the background and keeps recent ones', async () => {
    const options = eventsOptions({ retentionDays: 1 });
    const stores = new EventStores(new ServeMetrics({ requestMetrics: false }), {
      retentionFirstDelayMs: 20,
      retentionIntervalMs: 30,
      retentionBatch: 2,
    });
    try {
      const store = await stores.get('r', options);
      const day = 86_400_000;
      const now = Date.now();
      const old = (itemId: string) => ({
        recipe: 'r',
        eventId: null,
        userId: 'u',
        itemId,
        eventType: null,
        weight: 1,
        tsMs: now - 2 * day,
        receivedMs: now,
      });
      await store.append([old('a'), old('b'), old('c'), { ...old('fresh'), tsMs: now }]);
      for (let i = 0; i < 100 && (await store.forTraining('r', 0)).length > 1; i++) {
        await new Promise((r) => setTimeout(r, 20));
      }
      expect((await store.forTraining('r', 0)).map((e) => e.itemId)).toEqual(['fresh']);
    } finally {
      await stores.close();
    }
  });
});
