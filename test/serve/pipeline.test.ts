/** Request pipeline order, routing edge cases, body decoding and the error envelopes. */
import { afterEach, describe, expect, it } from 'vitest';
import { captureLogs } from '../../src/log/index.js';
import { API_KEY, jsonHeaders, keyEntries, makeApp, type TestApp } from './helpers/app.js';
import { loadedEntry, standardModel } from './helpers/model.js';

let t: TestApp;
afterEach(async () => {
  await t?.app.close();
});

async function app() {
  t = await makeApp({
    settings: { apiKeys: keyEntries(['k1', API_KEY]) },
    entries: [loadedEntry('demo', standardModel())],
  });
  return t.app;
}

describe('routing', () => {
  it.each([
    ['POST', '/v1/recipes/demo:unknownverb', 405, { detail: 'Method Not Allowed' }],
    ['POST', '/v1/recipes/demo', 405, { detail: 'Method Not Allowed' }],
    ['POST', '/v1/recipes/:recommend', 405, { detail: 'Method Not Allowed' }],
    ['POST', '/v1/health', 405, { detail: 'Method Not Allowed' }],
    ['DELETE', '/v1/recipes', 405, { detail: 'Method Not Allowed' }],
    ['OPTIONS', '/v1/health', 405, { detail: 'Method Not Allowed' }],
    ['POST', '/v1/recipes/a/b:recommend', 404, { detail: 'Not Found' }],
    ['POST', '/v1/recipes/a%2Fb:recommend', 404, { detail: 'Not Found' }],
    ['GET', '/nope', 404, { detail: 'Not Found' }],
    ['GET', '/metrics', 404, { detail: 'Not Found' }],
    ['GET', '/v1/metrics', 404, { detail: 'Not Found' }],
    ['POST', '/predict/demo', 404, { detail: 'Not Found' }],
    ['POST', '/v1/recipes/demo:recommend-batch', 405, { detail: 'Method Not Allowed' }],
    ['GET', '/openapi.json', 404, { detail: 'Not Found' }],
    ['GET', '/docs', 404, { detail: 'Not Found' }],
    ['GET', '/v1/%zz', 404, { detail: 'Not Found' }],
  ])('%s %s → %i without authentication', async (method, url, status, body) => {
    const a = await app();
    const r = await a.inject({
      method: method as 'GET',
      url,
      headers: { 'content-type': 'application/json' },
      payload: method === 'GET' || method === 'OPTIONS' || method === 'DELETE' ? undefined : '{}',
    });
    expect(r.statusCode).toBe(status);
    expect(r.json()).toEqual(body);
    expect(r.headers['x-request-id']).toMatch(/^[0-9a-f]{12}$/);
  });

  it('accepts the verb after a URL-encoded colon', async () => {
    const a = await app();
    const r = await a.inject({
      method: 'POST',
      url: '/v1/recipes/demo%3Arecommend',
      headers: jsonHeaders(),
      payload: '{"user_id":"u1"}',
    });
    expect(r.statusCode).toBe(200);
  });

  it('treats GET name:verb as a detail lookup whose name fails the rule (after auth)', async () => {
    const a = await app();
    const unauth = await a.inject({ method: 'GET', url: '/v1/recipes/demo:recommend' });
    expect(unauth.statusCode).toBe(401);
    const r = await a.inject({ method: 'GET', url: '/v1/recipes/demo:recommend', headers: { 'x-api-key': API_KEY } });
    expect(r.statusCode).toBe(422);
    expect(r.json().errors).toEqual([
      expect.objectContaining({ type: 'string_pattern_mismatch', loc: ['path', 'name'] }),
    ]);
  });

  it('a name with a colon before the verb fails validation on the path', async () => {
    const a = await app();
    const r = await a.inject({
      method: 'POST',
      url: '/v1/recipes/a:b:recommend',
      headers: jsonHeaders(),
      payload: '{"user_id":"u1"}',
    });
    expect(r.statusCode).toBe(422);
    expect(r.json().errors[0].loc).toEqual(['path', 'name']);
  });
});

describe('authentication runs before the body is decoded or validated', () => {
  it.each([
    ['bad JSON', '{not json', { 'content-type': 'application/json' }],
    ['wrong content type', 'user_id=u1', { 'content-type': 'application/x-www-form-urlencoded' }],
    ['invalid body', '{"user_id": 5}', { 'content-type': 'application/json' }],
  ])('%s without a key → 401', async (_label, payload, headers) => {
    const a = await app();
    const r = await a.inject({ method: 'POST', url: '/v1/recipes/demo:recommend', headers, payload });
    expect(r.statusCode).toBe(401);
    expect(r.json()).toEqual({ detail: 'X-API-Key header required', code: 'MISSING_API_KEY' });
  });

  it('an invalid recipe name without a key → 401, with a key → 422', async () => {
    const a = await app();
    const bad = '/v1/recipes/b%20d:recommend';
    expect(
      (await a.inject({ method: 'POST', url: bad, headers: { 'content-type': 'application/json' }, payload: '{}' }))
        .statusCode,
    ).toBe(401);
    expect((await a.inject({ method: 'POST', url: bad, headers: jsonHeaders(), payload: '{}' })).statusCode).toBe(422);
  });
});

describe('body decoding', () => {
  it('invalid JSON → 422 json_invalid with the body location', async () => {
    const a = await app();
    const r = await a.inject({
      method: 'POST',
      url: '/v1/recipes/demo:recommend',
      headers: jsonHeaders(),
      payload: '{"user_id": }',
    });
    expect(r.statusCode).toBe(422);
    const body = r.json();
    expect(body).toMatchObject({ detail: 'Request validation failed', code: 'VALIDATION_ERROR' });
    expect(body.request_id).toBe(r.headers['x-request-id']);
    expect(body.errors).toHaveLength(1);
    expect(body.errors[0].type).toBe('json_invalid');
    expect(body.errors[0].loc[0]).toBe('body');
  });

  it.each([
    ['text/plain', '{"user_id":"u1"}'],
    ['application/x-www-form-urlencoded', 'user_id=u1'],
    ['multipart/form-data; boundary=x', '--x--'],
    [undefined, '{"user_id":"u1"}'],
    ['not a media type', '{"user_id":"u1"}'],
  ])('Content-Type %s → 422 without parsing', async (contentType, payload) => {
    const a = await app();
    const headers: Record<string, string> = { 'x-api-key': API_KEY };
    if (contentType !== undefined) headers['content-type'] = contentType;
    const r = await a.inject({ method: 'POST', url: '/v1/recipes/demo:recommend', headers, payload });
    expect(r.statusCode).toBe(422);
    expect(r.json()).toMatchObject({ code: 'VALIDATION_ERROR', errors: [{ type: 'content_type', loc: ['body'] }] });
  });

  it('application/json with a charset parameter is JSON', async () => {
    const a = await app();
    const r = await a.inject({
      method: 'POST',
      url: '/v1/recipes/demo:recommend',
      headers: { 'x-api-key': API_KEY, 'content-type': 'application/json; charset=utf-8' },
      payload: '{"user_id":"u1"}',
    });
    expect(r.statusCode).toBe(200);
  });

  it('a POST without any body → 422 missing body', async () => {
    const a = await app();
    const r = await a.inject({ method: 'POST', url: '/v1/recipes/demo:recommend', headers: { 'x-api-key': API_KEY } });
    expect(r.statusCode).toBe(422);
    expect(r.json().errors).toEqual([{ type: 'missing', loc: ['body'], msg: 'Field required' }]);
  });

  it('logs validation_failed without the offending values', async () => {
    const a = await app();
    const logs = captureLogs();
    try {
      await a.inject({
        method: 'POST',
        url: '/v1/recipes/demo:recommend',
        headers: jsonHeaders(),
        payload: '{"user_id": 12345678, "limit": 0}',
      });
      const [event] = logs.events('validation_failed');
      expect(event).toMatchObject({ method: 'POST', count: 2, is_v1_verb: true });
      expect(logs.text()).not.toContain('12345678');
    } finally {
      logs.stop();
    }
  });
});

describe('X-Request-ID', () => {
  it('echoes a well-formed incoming id in header and body', async () => {
    const a = await app();
    const id = 'abc_DEF-123';
    const r = await a.inject({
      method: 'POST',
      url: '/v1/recipes/demo:recommend',
      headers: { ...jsonHeaders(), 'x-request-id': id },
      payload: '{"user_id":"u1"}',
    });
    expect(r.headers['x-request-id']).toBe(id);
    expect(r.json().request_id).toBe(id);
  });

  it.each(['', 'has space', 'x'.repeat(129), 'ümlaut', 'a;b'])('replaces %j with a fresh 12-hex id', async (id) => {
    const a = await app();
    const r = await a.inject({ method: 'GET', url: '/v1/health', headers: { 'x-request-id': id } });
    expect(r.headers['x-request-id']).toMatch(/^[0-9a-f]{12}$/);
  });

  it('accepts exactly 128 characters', async () => {
    const a = await app();
    const id = 'r'.repeat(128);
    const r = await a.inject({ method: 'GET', url: '/v1/health', headers: { 'x-request-id': id } });
    expect(r.headers['x-request-id']).toBe(id);
  });

  it('binds the id (and the kid) into log records of that request', async () => {
    const a = await app();
    const id = 'req-42';
    const logs = captureLogs();
    try {
      const r = await a.inject({
        method: 'POST',
        url: '/v1/recipes/nope:recommend',
        headers: { ...jsonHeaders(), 'x-request-id': id },
        payload: '{"user_id":"u1"}',
      });
      expect(r.headers['x-request-id']).toBe(id);
      const [event] = logs.events('recipe_not_found');
      expect(event.request_id).toBe(id);
      expect(event.kid).toBe('k1');
    } finally {
      logs.stop();
    }
  });

  it('is set on 400 host rejections and 401s', async () => {
    const a = await app();
    const host = await a.inject({
      method: 'GET',
      url: '/v1/health',
      headers: { host: 'evil.example', 'x-request-id': 'rid1' },
    });
    expect(host.statusCode).toBe(400);
    expect(host.headers['x-request-id']).toBe('rid1');
    const unauth = await a.inject({ method: 'GET', url: '/v1/recipes', headers: { 'x-request-id': 'rid2' } });
    expect(unauth.headers['x-request-id']).toBe('rid2');
  });
});

describe('unhandled errors', () => {
  it('become the 500 envelope with the request id and no exception text', async () => {
    const a = await app();
    const entry = t.ctx.registry.get('demo')!;
    const broken = {
      ...entry,
      model: {
        ...entry.model!,
        recommender: {
          ...entry.model!.recommender,
          nUsers: 4,
          nItems: 6,
          scoreUsers() {
            throw new TypeError('secret internals');
          },
        },
      },
    };
    t.ctx.registry.replace(broken as typeof entry);
    const logs = captureLogs();
    try {
      const r = await a.inject({
        method: 'POST',
        url: '/v1/recipes/demo:recommend',
        headers: jsonHeaders(),
        payload: '{"user_id":"u1"}',
      });
      expect(r.statusCode).toBe(500);
      expect(r.json()).toEqual({
        detail: 'internal error',
        code: 'INTERNAL_ERROR',
        request_id: r.headers['x-request-id'],
      });
      expect(r.body).not.toContain('secret internals');
      expect(logs.events('unhandled_500')[0]).toMatchObject({ exc_type: 'TypeError' });
      expect(logs.events('recommender_unexpected_key_error')[0].user_id_hash).toMatch(/^[0-9a-f]{8}$/);
      expect(logs.text()).not.toContain('"u1"');
    } finally {
      logs.stop();
    }
  });

  it('a model whose shape disagrees with its seen matrix → 500 and the layout metric', async () => {
    const a = await app();
    const entry = t.ctx.registry.get('demo')!;
    const broken = { ...entry, model: { ...entry.model!, recommender: { ...entry.model!.recommender, nItems: 99 } } };
    t.ctx.registry.replace(broken as typeof entry);
    const r = await a.inject({
      method: 'POST',
      url: '/v1/recipes/demo:recommend',
      headers: jsonHeaders(),
      payload: '{"user_id":"u1"}',
    });
    expect(r.statusCode).toBe(500);
    const text = await t.ctx.metrics.exposition();
    expect(text).toContain('recotem_recommender_layout_unexpected_total{recipe="demo"} 1');
  });
});

describe('access log', () => {
  it('one DEBUG record per request with status and duration, in the request context', async () => {
    const a = await app();
    const logs = captureLogs();
    try {
      await a.inject({ method: 'GET', url: '/v1/health?probe=1', headers: { 'x-request-id': 'acc-1' } });
      await a.inject({ method: 'GET', url: '/nope' });
      const records = logs.events('http_request');
      expect(records).toHaveLength(2);
      expect(records[0]).toMatchObject({
        level: 'debug',
        method: 'GET',
        path: '/v1/health',
        status: 200,
        request_id: 'acc-1',
      });
      expect(records[1]).toMatchObject({ path: '/nope', status: 404 });
      expect(typeof records[0].duration_ms).toBe('number');
    } finally {
      logs.stop();
    }
  });
});
