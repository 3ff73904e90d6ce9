/** Recipe list/detail, health, health details, metrics endpoint and the OpenAPI document. */
import { afterEach, describe, expect, it } from 'vitest';
import { captureLogs } from '../../src/log/index.js';
import { stubEntry } from '../../src/serve/registry/entry.js';
import { API_KEY, jsonHeaders, keyEntries, makeApp, type TestApp } from './helpers/app.js';
import { loadedEntry, SHA, standardModel } from './helpers/model.js';

let t: TestApp;
afterEach(async () => {
  await t?.app.close();
});

const auth = { 'x-api-key': API_KEY };
const settings = { apiKeys: keyEntries(['k1', API_KEY]) };

const HEADER = {
  recipe_name: 'zeta',
  recipe_hash: 'c'.repeat(64),
  recotem_version: '0.1.0',
  irspack_version: null,
  trained_at: '2026-05-07T01:23:45Z',
  best_class: 'IALSRecommender',
  best_params: { n_components: 64 },
  best_score: 0.33,
  metric: 'ndcg',
  cutoff: 10,
  tuning: { tried_algorithms: ['IALSRecommender', 'TopPopRecommender'], n_trials: 4 },
  data_stats: { n_rows: 10 },
};

describe('GET /v1/recipes', () => {
  it('lists loaded and stale entries sorted by name, hides stubs', async () => {
    t = await makeApp({
      settings,
      entries: [
        loadedEntry('zeta', standardModel(), { header: HEADER }),
        loadedEntry('alpha', standardModel(), { error: 'stale' }),
        stubEntry('broken', '/x', 'YAML parse failed: x'),
      ],
    });
    const r = await t.app.inject({ method: 'GET', url: '/v1/recipes', headers: auth });
    expect(r.statusCode).toBe(200);
    expect(r.headers['x-recotem-model-version']).toBeUndefined();
    expect(r.json()).toEqual({
      recipes: ['alpha', 'zeta'].map((name) => ({
        name,
        model_version: `sha256:${SHA}`,
        loaded_at: new Date(1_780_000_000 * 1000).toISOString().replace('.000Z', 'Z'),
        supported_verbs: ['recommend', 'recommend-related', 'batch-recommend', 'batch-recommend-related'],
        kind: 'user-item',
      })),
    });
  });
});

describe('GET /v1/recipes/{name}', () => {
  it('adds the header-derived fields', async () => {
    t = await makeApp({ settings, entries: [loadedEntry('zeta', standardModel(), { header: HEADER })] });
    const r = await t.app.inject({ method: 'GET', url: '/v1/recipes/zeta', headers: auth });
    expect(r.statusCode).toBe(200);
    expect(r.json()).toMatchObject({
      name: 'zeta',
      config_digest: null,
      algorithms: ['IALSRecommender', 'TopPopRecommender'],
      best_algorithm: 'IALSRecommender',
      trained_at: '2026-05-07T01:23:45Z',
      best_class: 'IALSRecommender',
      best_params: { n_components: 64 },
      best_score: 0.33,
      metric: 'ndcg',
      cutoff: 10,
      tuning: HEADER.tuning,
      data_stats: { n_rows: 10 },
      recotem_version: '0.1.0',
      irspack_version: null,
      recipe_hash: 'c'.repeat(64),
    });
  });

  it('nulls header values that break the schema and logs them instead of failing', async () => {
    const header = {
      ...HEADER,
      trained_at: '2026-05-07 01:23:45',
      metric: 'auc',
      recipe_hash: 'XYZ',
      cutoff: 0,
      config_digest: 'abc',
      algorithms: ['A'],
    };
    t = await makeApp({ settings, entries: [loadedEntry('zeta', standardModel(), { header })] });
    const logs = captureLogs();
    try {
      const r = await t.app.inject({ method: 'GET', url: '/v1/recipes/zeta', headers: auth });
      expect(r.statusCode).toBe(200);
      expect(r.json()).toMatchObject({
        trained_at: null,
        metric: null,
        recipe_hash: null,
        cutoff: null,
        config_digest: 'sha256:abc',
        algorithms: ['A'],
      });
      expect(logs.events('recipe_detail_header_invalid')[0].fields).toEqual([
        'trained_at',
        'metric',
        'cutoff',
        'recipe_hash',
      ]);
    } finally {
      logs.stop();
    }
  });

  it('404, 503 and 422 like the verbs', async () => {
    t = await makeApp({ settings, entries: [stubEntry('stub', '/x', 'read failed: x')] });
    expect((await t.app.inject({ method: 'GET', url: '/v1/recipes/nope', headers: auth })).json()).toEqual({
      detail: "Recipe 'nope' not found",
      code: 'RECIPE_NOT_FOUND',
    });
    expect((await t.app.inject({ method: 'GET', url: '/v1/recipes/stub', headers: auth })).statusCode).toBe(503);
    expect(
      (await t.app.inject({ method: 'GET', url: `/v1/recipes/${'a'.repeat(65)}`, headers: auth })).statusCode,
    ).toBe(422);
  });
});

describe('health', () => {
  it('ok when empty or all loaded; degraded 503 otherwise; stale counts as loaded', async () => {
    t = await makeApp({ settings });
    expect((await t.app.inject({ method: 'GET', url: '/v1/health' })).json()).toEqual({
      status: 'ok',
      total: 0,
      loaded: 0,
    });
    t.ctx.registry.replace(loadedEntry('a', standardModel(), { error: 'stale' }));
    const one = await t.app.inject({ method: 'GET', url: '/v1/health' });
    expect([one.statusCode, one.json()]).toEqual([200, { status: 'ok', total: 1, loaded: 1 }]);
    t.ctx.registry.replace(stubEntry('b', '/x', 'read failed'));
    for (const url of ['/v1/health', '/health']) {
      const r = await t.app.inject({ method: 'GET', url });
      expect(r.statusCode).toBe(503);
      expect(r.json()).toEqual({ status: 'degraded', total: 2, loaded: 1 });
      expect(r.body).not.toContain('read failed');
    }
  });

  it('is degraded until the initial load has finished', async () => {
    t = await makeApp({ settings, startupComplete: false });
    const r = await t.app.inject({ method: 'GET', url: '/v1/health' });
    expect(r.statusCode).toBe(503);
    t.ctx.state.startupComplete = true;
    expect((await t.app.inject({ method: 'GET', url: '/v1/health' })).statusCode).toBe(200);
  });

  it('details list every recipe; stale or stub makes it 503', async () => {
    t = await makeApp({ settings, entries: [loadedEntry('good', standardModel(), { kid: 'prod-1' })] });
    const ok = await t.app.inject({ method: 'GET', url: '/v1/health/details', headers: auth });
    expect(ok.statusCode).toBe(200);
    expect(ok.json()).toEqual({
      status: 'ok',
      recipes: {
        good: { loaded: true, trained_at: '2026-05-07T01:23:45Z', best_class: 'IALSRecommender', kid: 'prod-1' },
      },
    });
    t.ctx.registry.replace(stubEntry('news', '/x', 'read failed: artifact not found: <redacted-uri>'));
    t.ctx.registry.setLoadError('good', 'HMAC verify failed: x');
    const bad = await t.app.inject({ method: 'GET', url: '/health/details', headers: auth });
    expect(bad.statusCode).toBe(503);
    expect(bad.json().status).toBe('degraded');
    expect(bad.json().recipes.news).toEqual({
      loaded: false,
      error: 'read failed: artifact not found: <redacted-uri>',
    });
    expect(bad.json().recipes.good.error).toBe('HMAC verify failed: x');
  });
});

describe('metrics endpoint', () => {
  it('is absent unless enabled', async () => {
    t = await makeApp({ settings });
    expect((await t.app.inject({ method: 'GET', url: '/v1/metrics', headers: auth })).statusCode).toBe(404);
  });

  it('requires the key and counts verb outcomes with closed labels', async () => {
    t = await makeApp({
      settings: { ...settings, metricsEnabled: true },
      entries: [loadedEntry('demo', standardModel())],
    });
    expect((await t.app.inject({ method: 'GET', url: '/v1/metrics' })).statusCode).toBe(401);
    const post = (url: string, body: unknown, key: string | null = API_KEY) =>
      t.app.inject({ method: 'POST', url, headers: jsonHeaders(key), payload: JSON.stringify(body) });
    await post('/v1/recipes/demo:recommend', { user_id: 'u1' });
    await post('/v1/recipes/demo:recommend', { user_id: 'ghost' });
    await post('/v1/recipes/demo:recommend', { user_id: 5 });
    await post('/v1/recipes/demo:recommend-related', { seed_items: ['zz'] });
    await post('/v1/recipes/minted-name-1:recommend', { user_id: 'u1' });
    await post('/v1/recipes/minted-name-2:recommend', { user_id: 'u1' });
    await post('/v1/recipes/bad%20name:recommend', { user_id: 'u1' });
    await post('/v1/recipes/demo:recommend', { user_id: 'u1' }, null);
    await t.app.inject({ method: 'GET', url: '/v1/recipes/bad%20name', headers: auth });
    const r = await t.app.inject({ method: 'GET', url: '/v1/metrics', headers: auth });
    expect(r.statusCode).toBe(200);
    expect(r.headers['content-type']).toBe('text/plain; version=0.0.4; charset=utf-8');
    const text = r.body;
    expect(text).toContain('recotem_v1_requests_total{recipe="demo",verb="recommend",status="ok"} 1');
    expect(text).toContain('recotem_v1_requests_total{recipe="demo",verb="recommend",status="unknown_user"} 1');
    expect(text).toContain('recotem_v1_requests_total{recipe="demo",verb="recommend",status="validation_error"} 1');
    expect(text).toContain(
      'recotem_v1_requests_total{recipe="demo",verb="recommend-related",status="unknown_seed_items"} 1',
    );
    expect(text).toContain(
      'recotem_v1_requests_total{recipe="__unknown__",verb="recommend",status="recipe_not_found"} 2',
    );
    expect(text).not.toContain('minted-name');
    expect(text).not.toContain('bad name');
    expect(text).toContain('recotem_v1_validation_errors_outside_verb_total 1');
    expect(text).toContain('recotem_v1_request_latency_seconds_count{recipe="demo",verb="recommend"} 3');
    expect(text).toMatch(/process_cpu_seconds_total|nodejs_/);
  });
});

describe('OpenAPI and docs', () => {
  it('are served only in development environments', async () => {
    t = await makeApp({ settings: { ...settings, env: 'production' } });
    expect((await t.app.inject({ method: 'GET', url: '/openapi.json' })).statusCode).toBe(404);
    await t.app.close();
    t = await makeApp({ settings: { ...settings, env: ' Dev ' } });
    const r = await t.app.inject({ method: 'GET', url: '/openapi.json' });
    expect(r.statusCode).toBe(200);
    const doc = r.json();
    expect(doc.info).toEqual({ title: 'Recotem Inference API', version: '0.0.0-test' });
    expect(Object.keys(doc.paths)).toEqual(
      expect.arrayContaining([
        '/v1/recipes',
        '/v1/recipes/{name}',
        '/v1/health',
        '/v1/health/details',
        '/v1/recipes/{name}:recommend',
        '/v1/recipes/{name}:recommend-related',
        '/v1/recipes/{name}:batch-recommend',
        '/v1/recipes/{name}:batch-recommend-related',
      ]),
    );
    expect(doc.paths['/v1/metrics']).toBeUndefined();
    const text = JSON.stringify(doc);
    for (const code of ['RECIPE_NOT_FOUND', 'UNKNOWN_SEED_ITEMS', 'INVALID_API_KEY']) expect(text).toContain(code);
    expect(text).toContain('"status"');
    const docs = await t.app.inject({ method: 'GET', url: '/docs' });
    expect(docs.statusCode).toBe(200);
    expect(docs.headers['content-type']).toMatch(/^text\/html/);
  });
});
