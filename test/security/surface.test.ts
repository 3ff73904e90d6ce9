/**
 * The unauthenticated surface (security.md B8, B9, B12): with API keys configured, every route but
 * the liveness health check answers 401 without a key, the public health body holds counts only,
 * metrics need a key, and the OpenAPI document and docs exist only in development environments.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { registerSecret } from '../helpers/secrets.js';
import { API_KEY, keyEntries, makeApp, type TestApp } from '../serve/helpers/app.js';
import { loadedEntry, standardModel } from '../serve/helpers/model.js';

const PROTECTED: [method: 'GET' | 'POST', url: string][] = [
  ['GET', '/v1/recipes'],
  ['GET', '/v1/recipes/demo'],
  ['GET', '/v1/health/details'],
  ['GET', '/health/details'],
  ['GET', '/v1/metrics'],
  ['POST', '/v1/recipes/demo:recommend'],
  ['POST', '/v1/recipes/demo:recommend-related'],
  ['POST', '/v1/recipes/demo:batch-recommend'],
  ['POST', '/v1/recipes/demo:batch-recommend-related'],
  ['POST', '/v1/recipes/nope:recommend'],
];

describe('production server with API keys', () => {
  let t: TestApp;
  beforeAll(async () => {
    registerSecret(API_KEY, 'surface API key');
    t = await makeApp({
      settings: { apiKeys: keyEntries(['ops', API_KEY]), metricsEnabled: true, env: 'production' },
      entries: [loadedEntry('demo', standardModel())],
    });
  });
  afterAll(() => t.app.close());

  it.each(PROTECTED)('%s %s without a key → 401, with the key → not 401', async (method, url) => {
    const payload = method === 'POST' ? { user_id: 'u1', seed_item_ids: ['i1'], requests: [] } : undefined;
    const anonymous = await t.app.inject({ method, url, payload });
    expect(anonymous.statusCode).toBe(401);
    expect(anonymous.json()).toEqual({ detail: 'X-API-Key header required', code: 'MISSING_API_KEY' });
    const keyed = await t.app.inject({ method, url, payload, headers: { 'x-api-key': API_KEY } });
    expect(keyed.statusCode).not.toBe(401);
  });

  it.each(['/v1/health', '/health'])('%s is public and reveals counts only', async (url) => {
    const r = await t.app.inject({ method: 'GET', url });
    expect(r.statusCode).toBe(200);
    expect(Object.keys(r.json()).sort()).toEqual(['loaded', 'status', 'total']);
    expect(r.body).not.toContain('demo');
  });

  it.each(['/openapi.json', '/docs', '/redoc'])('%s does not exist outside development', async (url) => {
    expect((await t.app.inject({ method: 'GET', url, headers: { 'x-api-key': API_KEY } })).statusCode).toBe(404);
  });
});
