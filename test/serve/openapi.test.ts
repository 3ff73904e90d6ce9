/**
 * The OpenAPI document as a client author uses it: a real validator accepts it, a client generated
 * from it (openapi-typescript types + openapi-fetch) calls every operation of a running server,
 * and every response the server sends for a documented status parses with the documented schema.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import SwaggerParser from '@apidevtools/swagger-parser';
import { Ajv } from 'ajv';
import createClient from 'openapi-fetch';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type EventsOptions, type ModelEntry, stubEntry } from '../../src/serve/registry/entry.js';
import { API_KEY, keyEntries, makeApp, type TestApp } from './helpers/app.js';
import { loadedEntry, standardModel } from './helpers/model.js';
import { DOCUMENT_PATH, generateClientTypes, TYPES_PATH } from './openapi-client/generate.js';
import type { paths } from './openapi-client/paths.generated.js';

type Json = Record<string, unknown>;

let committed: Json;
let healthy: TestApp;
let degraded: TestApp;
let base: string;

const EVENT_KEY = 'event-key-'.padEnd(43, 'e');
const settings = { apiKeys: keyEntries(['k1', API_KEY]), eventApiKeys: keyEntries(['e1', EVENT_KEY]), env: 'dev' };
const eventsDir = mkdtempSync(join(tmpdir(), 'recotem-openapi-events-'));

/** An entry taking events into `location` (a temp SQLite file, or a server that is down). */
function withEvents(entry: ModelEntry, location: EventsOptions['location']): ModelEntry {
  const events: EventsOptions = { location, realtime: true, retentionDays: 30, eventTypes: null };
  return { ...entry, serving: { ...entry.serving, events } };
}

beforeAll(async () => {
  committed = JSON.parse(await readFile(DOCUMENT_PATH, 'utf8')) as Json;
  healthy = await makeApp({
    settings,
    entries: [
      loadedEntry('demo', standardModel()),
      loadedEntry('broken', standardModel({ foldInError: new RangeError('solver blew up') })),
      withEvents(loadedEntry('tracked', standardModel()), { kind: 'sqlite', path: join(eventsDir, 'events.db') }),
      withEvents(loadedEntry('storeless', standardModel()), {
        kind: 'postgresql',
        url: 'postgresql://127.0.0.1:1/recotem_test',
      }),
    ],
  });
  degraded = await makeApp({
    settings,
    entries: [loadedEntry('demo', standardModel()), stubEntry('stub', '/artifacts/stub.recotem', 'not loaded yet')],
  });
  await healthy.app.listen({ host: '127.0.0.1', port: 0 });
  const address = healthy.app.server.address();
  base = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
});
afterAll(async () => {
  await healthy?.app.close();
  await degraded?.app.close();
  rmSync(eventsDir, { recursive: true, force: true });
});

describe('the OpenAPI document', () => {
  it('committed and served, is valid OpenAPI 3 with every $ref resolved', async () => {
    expect(JSON.stringify(committed)).not.toContain('#/definitions/');
    await expect(SwaggerParser.validate(structuredClone(committed) as never)).resolves.toBeDefined();
    const served = (await healthy.app.inject({ method: 'GET', url: '/openapi.json' })).json() as Json;
    expect(served.paths).toEqual(committed.paths);
    await expect(SwaggerParser.validate(served as never)).resolves.toBeDefined();
  });

  it('gives the committed client types (regenerate with test/serve/openapi-client/generate.ts)', async () => {
    const generated = await generateClientTypes(await readFile(DOCUMENT_PATH, 'utf8'));
    expect(generated).toBe(await readFile(TYPES_PATH, 'utf8'));
  });
});

describe('a client generated from the document', () => {
  it('calls every operation of a running server', async () => {
    const client = createClient<paths>({ baseUrl: base, headers: { 'x-api-key': API_KEY } });
    const name = { path: { name: 'demo' } };
    const seen: Response[] = [];
    const ok = <T extends { response: Response; data?: unknown }>(r: T): NonNullable<T['data']> => {
      expect(r.response.status).toBe(200);
      expect(r.response.headers.get('x-request-id')).toMatch(/\S/);
      seen.push(r.response);
      return r.data as NonNullable<T['data']>;
    };

    expect(ok(await client.GET('/v1/health')).status).toBe('ok');
    expect(ok(await client.GET('/v1/health/details')).recipes.demo.loaded).toBe(true);
    expect(ok(await client.GET('/v1/recipes')).recipes.map((r) => r.name)).toContain('demo');
    expect(ok(await client.GET('/v1/recipes/{name}', { params: name })).supported_verbs).toContain('recommend');

    const single = ok(
      await client.POST('/v1/recipes/{name}:recommend', { params: name, body: { user_id: 'u1', limit: 2 } }),
    );
    expect(single.items.map((i) => i.item_id)).toEqual(['i2', 'i3']);
    const related = ok(
      await client.POST('/v1/recipes/{name}:recommend-related', {
        params: name,
        body: { seed_items: ['i1'], limit: 2 },
      }),
    );
    expect(related.items).toHaveLength(2);
    const batch = ok(
      await client.POST('/v1/recipes/{name}:batch-recommend', {
        params: name,
        body: { requests: [{ user_id: 'u1', limit: 1 }, { user_id: 'nobody' }] },
      }),
    );
    expect(batch.results.map((r) => r.status)).toEqual(['ok', 'error']);
    const relatedBatch = ok(
      await client.POST('/v1/recipes/{name}:batch-recommend-related', {
        params: name,
        body: { requests: [{ seed_items: ['i1'], limit: 1 }] },
      }),
    );
    expect(relatedBatch.results[0].status).toBe('ok');
    for (const r of seen.slice(4)) expect(r.headers.get('x-recotem-model-version')).toMatch(/^sha256:/);
    expect(ok(await client.GET('/v1/overview')).recipes.map((r) => r.state)).toContain('loaded');
    expect(ok(await client.GET('/v1/recipes/{name}/training', { params: name })).model.n_items).toBe(6);

    const refused = await createClient<paths>({ baseUrl: base }).GET('/v1/recipes');
    expect([refused.response.status, refused.error?.code]).toEqual([401, 'MISSING_API_KEY']);
  });
});

/** One request that must answer `status` for the documented (method, path). */
interface Probe {
  app: () => TestApp;
  url: string;
  key?: boolean;
  body?: unknown;
  /** The key sent instead of the read key (the event ring's). */
  apiKey?: string;
}

const post = (url: string, body: unknown, key = true): Probe => ({ app: () => healthy, url, body, key });
const get = (url: string, key = true, app = () => healthy): Probe => ({ app, url, key });
const onDegraded = (url: string, body?: unknown): Probe => ({ app: () => degraded, url, body, key: true });

/** A request per documented response of every operation; the test fails if one is missing. */
const PROBES: Record<string, Probe> = {
  'GET /v1/health 200': get('/v1/health', false),
  'GET /v1/health 503': get('/v1/health', false, () => degraded),
  'GET /v1/health/details 200': get('/v1/health/details'),
  'GET /v1/health/details 401': get('/v1/health/details', false),
  'GET /v1/health/details 503': get('/v1/health/details', true, () => degraded),
  'GET /v1/recipes 200': get('/v1/recipes'),
  'GET /v1/recipes 401': get('/v1/recipes', false),
  'GET /v1/recipes/{name} 200': get('/v1/recipes/demo'),
  'GET /v1/recipes/{name} 401': get('/v1/recipes/demo', false),
  'GET /v1/recipes/{name} 404': get('/v1/recipes/nothing'),
  'GET /v1/recipes/{name} 422': get('/v1/recipes/bad.name'),
  'GET /v1/recipes/{name} 503': onDegraded('/v1/recipes/stub'),
  'GET /v1/overview 200': get('/v1/overview'),
  'GET /v1/overview 401': get('/v1/overview', false),
  'GET /v1/recipes/{name}/training 200': get('/v1/recipes/demo/training'),
  'GET /v1/recipes/{name}/training 401': get('/v1/recipes/demo/training', false),
  'GET /v1/recipes/{name}/training 404': get('/v1/recipes/nothing/training'),
  'GET /v1/recipes/{name}/training 422': get('/v1/recipes/bad.name/training'),
  'GET /v1/recipes/{name}/training 503': onDegraded('/v1/recipes/stub/training'),
};
for (const verb of ['recommend', 'recommend-related', 'batch-recommend', 'batch-recommend-related']) {
  const path = `/v1/recipes/{name}:${verb}`;
  const element = verb.endsWith('related') ? { seed_items: ['i1'], limit: 2 } : { user_id: 'u1', limit: 2 };
  const body = verb.startsWith('batch') ? { requests: [element, { limit: 2 }] } : element;
  PROBES[`POST ${path} 200`] = post(`/v1/recipes/demo:${verb}`, body);
  PROBES[`POST ${path} 401`] = post(`/v1/recipes/demo:${verb}`, body, false);
  PROBES[`POST ${path} 404`] = post(`/v1/recipes/nothing:${verb}`, body);
  PROBES[`POST ${path} 422`] = post(`/v1/recipes/demo:${verb}`, { ...element, surprise: 1 });
  PROBES[`POST ${path} 503`] = onDegraded(`/v1/recipes/stub:${verb}`, body);
}
const eventProbe = (url: string, body: unknown, key = true): Probe => ({ ...post(url, body, key), apiKey: EVENT_KEY });
const someEvents = { events: [{ user_id: 'probe-user', item_id: 'i1' }, { user_id: 'probe-user' }] };
PROBES['POST /v1/recipes/{name}:events 200'] = eventProbe('/v1/recipes/tracked:events', someEvents);
PROBES['POST /v1/recipes/{name}:events 401'] = eventProbe('/v1/recipes/tracked:events', someEvents, false);
PROBES['POST /v1/recipes/{name}:events 404'] = eventProbe('/v1/recipes/demo:events', someEvents);
PROBES['POST /v1/recipes/{name}:events 422'] = eventProbe('/v1/recipes/tracked:events', { events: [] });
PROBES['POST /v1/recipes/{name}:events 503'] = eventProbe('/v1/recipes/storeless:events', someEvents);
PROBES['POST /v1/recipes/{name}:recommend 500'] = post('/v1/recipes/broken:recommend', {
  user_id: 'u1',
  history: ['i3'],
});
PROBES['POST /v1/recipes/{name}:recommend-related 500'] = post('/v1/recipes/broken:recommend-related', {
  seed_items: ['i1'],
});

/** JSON pointers in the document start at its root; ajv resolves them against the registered document. */
function rebase(schema: unknown): unknown {
  if (Array.isArray(schema)) return schema.map(rebase);
  if (schema === null || typeof schema !== 'object') return schema;
  const out: Json = {};
  for (const [k, v] of Object.entries(schema))
    out[k] = k === '$ref' && typeof v === 'string' ? `openapi${v}` : rebase(v);
  return out;
}

describe('every documented response', () => {
  it('is what the server sends, and parses with its documented schema', async () => {
    const ajv = new Ajv({ strict: false, allErrors: true });
    ajv.addSchema(committed, 'openapi');
    const documented: string[] = [];
    const failures: string[] = [];
    for (const [path, item] of Object.entries(committed.paths as Record<string, Record<string, Json>>)) {
      for (const [method, op] of Object.entries(item)) {
        for (const [status, response] of Object.entries(op.responses as Record<string, Json>)) {
          const id = `${method.toUpperCase()} ${path} ${status}`;
          documented.push(id);
          const probe = PROBES[id];
          if (!probe) continue;
          const r = await probe.app().app.inject({
            method: method.toUpperCase() as 'GET',
            url: probe.url,
            headers: {
              'content-type': 'application/json',
              ...(probe.key ? { 'x-api-key': probe.apiKey ?? API_KEY } : {}),
            },
            ...(probe.body === undefined ? {} : { payload: JSON.stringify(probe.body) }),
          });
          if (String(r.statusCode) !== status) {
            failures.push(`${id}: answered ${r.statusCode} ${r.body.slice(0, 200)}`);
            continue;
          }
          if (!r.headers['x-request-id']) failures.push(`${id}: no x-request-id`);
          const schema = (response.content as Record<string, { schema: unknown }>)['application/json'].schema;
          const validate = ajv.compile(rebase(schema) as object);
          if (!validate(r.json()))
            failures.push(`${id}: ${ajv.errorsText(validate.errors)} in ${r.body.slice(0, 300)}`);
        }
      }
    }
    expect(failures).toEqual([]);
    expect(Object.keys(PROBES).sort()).toEqual(documented.sort());
  });
});
