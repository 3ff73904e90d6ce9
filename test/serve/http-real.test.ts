/** A subset of the API over a real socket on 127.0.0.1 (keep-alive, headers, bodies as clients see them). */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { API_KEY, keyEntries, makeApp, type TestApp } from './helpers/app.js';
import { loadedEntry, SHA, standardModel } from './helpers/model.js';

let t: TestApp;
let base: string;

beforeAll(async () => {
  t = await makeApp({
    settings: { apiKeys: keyEntries(['k1', API_KEY]), allowedOrigins: ['https://app.example'] },
    entries: [loadedEntry('demo', standardModel())],
  });
  await t.app.listen({ host: '127.0.0.1', port: 0 });
  const address = t.app.server.address();
  base = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
});
afterAll(async () => {
  await t.app.close();
});

const json = { 'content-type': 'application/json', 'x-api-key': API_KEY };

describe('over HTTP', () => {
  it(':recommend answers with JSON, model version and request id', async () => {
    const r = await fetch(`${base}/v1/recipes/demo:recommend`, {
      method: 'POST',
      headers: { ...json, 'x-request-id': 'real-1' },
      body: '{"user_id":"u1","limit":2}',
    });
    expect(r.status).toBe(200);
    expect(r.headers.get('content-type')).toMatch(/^application\/json/);
    expect(r.headers.get('x-recotem-model-version')).toBe(`sha256:${SHA}`);
    expect(r.headers.get('x-request-id')).toBe('real-1');
    expect(await r.json()).toMatchObject({ request_id: 'real-1', items: [{ item_id: 'i2' }, { item_id: 'i3' }] });
  });

  it('a literal colon in the path reaches the verb', async () => {
    const r = await fetch(`${base}/v1/recipes/demo:batch-recommend`, {
      method: 'POST',
      headers: json,
      body: '{"requests":[{"user_id":"u1","limit":1}]}',
    });
    expect(r.status).toBe(200);
    expect(((await r.json()) as { results: { status: string }[] }).results[0].status).toBe('ok');
  });

  it('401, 404, 405, 422 and the Host check as a client sees them', async () => {
    expect((await fetch(`${base}/v1/recipes`)).status).toBe(401);
    const nf = await fetch(`${base}/nothing-here`);
    expect([nf.status, await nf.json()]).toEqual([404, { detail: 'Not Found' }]);
    expect((await fetch(`${base}/v1/health`, { method: 'POST' })).status).toBe(405);
    const bad = await fetch(`${base}/v1/recipes/demo:recommend`, {
      method: 'POST',
      headers: json,
      body: '{"user_id":',
    });
    expect(bad.status).toBe(422);
    expect(((await bad.json()) as { errors: { type: string }[] }).errors[0].type).toBe('json_invalid');
    const form = await fetch(`${base}/v1/recipes/demo:recommend`, {
      method: 'POST',
      headers: { 'x-api-key': API_KEY },
      body: new URLSearchParams({ user_id: 'u1' }),
    });
    expect(form.status).toBe(422);
  });

  it('CORS preflight answers OK with the allow headers', async () => {
    const r = await fetch(`${base}/v1/recipes/demo:recommend`, {
      method: 'OPTIONS',
      headers: {
        origin: 'https://app.example',
        'access-control-request-method': 'POST',
        'access-control-request-headers': 'x-api-key',
      },
    });
    expect(r.status).toBe(200);
    expect(await r.text()).toBe('OK');
    expect(r.headers.get('access-control-allow-origin')).toBe('https://app.example');
  });

  it('health and its /health alias', async () => {
    for (const path of ['/v1/health', '/health']) {
      const r = await fetch(`${base}${path}`);
      expect([r.status, await r.json()]).toEqual([200, { status: 'ok', total: 1, loaded: 1 }]);
    }
  });
});
