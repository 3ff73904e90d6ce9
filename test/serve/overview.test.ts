/** GET /v1/overview and GET /v1/recipes/{name}/training: the read-only routes the console reads. */
import { describe, expect, it } from 'vitest';
import { stubEntry } from '../../src/serve/registry/entry.js';
import { API_KEY, keyEntries, makeApp } from './helpers/app.js';
import { loadedEntry, SHA, standardModel } from './helpers/model.js';

const SUMMARY = {
  started_at: '2026-05-07T01:00:00.000Z',
  n_trials: 3,
  truncated: false,
  trials: [
    { n: 0, algorithm: 'IALSRecommender', state: 'COMPLETE', score: 0.2, t: 1.5 },
    { n: 1, algorithm: 'TopPopRecommender', state: 'COMPLETE', score: 0.1, t: 2 },
    { n: 2, algorithm: 'IALSRecommender', state: 'PRUNED', score: null, t: 3 },
  ],
  algorithms: [
    {
      algorithm: 'IALSRecommender',
      completed: 1,
      other: 1,
      best_score: 0.2,
      best_trial: 0,
      best_params: { n_components: 8 },
    },
  ],
  split: { scheme: 'random', heldout_ratio: 0.1, nested: { dropped: true } },
};

const HEADER = {
  trained_at: '2026-05-07T01:23:45Z',
  best_class: 'IALSRecommender',
  best_score: 0.2,
  best_params: { n_components: 8 },
  metric: 'ndcg',
  cutoff: 10,
  data_stats: { n_rows: 7, n_users: 4, n_items: 6, drop_count: 0, dedup_policy: 'keep_last' },
  tuning: { n_trials: 3 },
  search_summary: SUMMARY,
};

const METADATA = new Map([
  ['i1', { title: 'One', genre: 'a' }],
  ['i2', { title: 'Two', genre: 'b' }],
]);

const keyed = { apiKeys: keyEntries(['k1', API_KEY]) };
const auth = { 'x-api-key': API_KEY };

describe('GET /v1/overview', () => {
  it('needs the API key like every v1 route', async () => {
    const { app } = await makeApp({ settings: keyed, entries: [loadedEntry('a', standardModel())] });
    expect((await app.inject({ method: 'GET', url: '/v1/overview' })).json()).toMatchObject({
      code: 'MISSING_API_KEY',
    });
    const wrong = await app.inject({ method: 'GET', url: '/v1/overview', headers: { 'x-api-key': 'w'.repeat(40) } });
    expect(wrong.statusCode).toBe(401);
    expect(wrong.json()).toMatchObject({ code: 'INVALID_API_KEY' });
    expect((await app.inject({ method: 'GET', url: '/v1/overview', headers: auth })).statusCode).toBe(200);
    expect((await app.inject({ method: 'POST', url: '/v1/overview', headers: auth })).statusCode).toBe(405);
    await app.close();
  });

  it('lists every recipe with its state, model and data counts, including those without a model', async () => {
    const { app } = await makeApp({
      settings: keyed,
      entries: [
        loadedEntry('good', standardModel(), { header: HEADER }),
        loadedEntry('old', standardModel(), { error: 'HMAC verify failed: bad signature' }),
        stubEntry('broken', '/a/broken.recotem', 'read failed: .../broken.recotem not found'),
        stubEntry('waiting', '/a/waiting.recotem', null),
      ],
    });
    const body = (await app.inject({ method: 'GET', url: '/v1/overview', headers: auth })).json();
    expect(body.server).toMatchObject({
      version: '0.0.0-test',
      status: 'degraded',
      auth: true,
      request_metrics: false,
    });
    expect(body.server.uptime_seconds).toBeGreaterThanOrEqual(0);
    const byName = Object.fromEntries(body.recipes.map((r: { name: string }) => [r.name, r]));
    expect(Object.keys(byName)).toEqual(['broken', 'good', 'old', 'waiting']);
    expect(byName.good).toEqual({
      name: 'good',
      state: 'loaded',
      error: null,
      model_version: `sha256:${SHA}`,
      loaded_at: '2026-05-28T20:26:40Z',
      trained_at: '2026-05-07T01:23:45Z',
      best_class: 'IALSRecommender',
      best_score: 0.2,
      metric: 'ndcg',
      cutoff: 10,
      data_stats: { n_rows: 7, n_users: 4, n_items: 6 },
      kid: 'k1',
      swap_count: 0,
      last_swap_at: null,
    });
    expect(byName.old).toMatchObject({ state: 'stale', error: 'HMAC verify failed: bad signature' });
    expect(byName.broken).toMatchObject({ state: 'failed', model_version: null, loaded_at: null, kid: null });
    expect(byName.waiting).toMatchObject({ state: 'loading', error: null });
    await app.close();
  });

  it('counts a hot swap when a recipe changes model, not when the same bytes are reloaded', async () => {
    const { app, ctx } = await makeApp({ entries: [loadedEntry('a', standardModel())] });
    const swaps = async () => (await app.inject({ method: 'GET', url: '/v1/overview' })).json().recipes[0];
    ctx.registry.replace(loadedEntry('a', standardModel()));
    expect(await swaps()).toMatchObject({ swap_count: 0, last_swap_at: null });
    const before = Date.now();
    ctx.registry.replace(loadedEntry('a', standardModel(), { sha: 'cd'.repeat(32) }));
    const after = await swaps();
    expect(after).toMatchObject({ swap_count: 1, model_version: `sha256:${'cd'.repeat(32)}` });
    expect(Date.parse(after.last_swap_at)).toBeGreaterThanOrEqual(Math.floor(before / 1000) * 1000);
    await app.close();
  });
});

describe('GET /v1/recipes/{name}/training', () => {
  it('returns the search summary, statistics and what requests may use', async () => {
    const entry = { ...loadedEntry('a', standardModel(), { header: HEADER, metadata: METADATA }) };
    const { app } = await makeApp({ settings: keyed, entries: [entry] });
    expect((await app.inject({ method: 'GET', url: '/v1/recipes/a/training' })).statusCode).toBe(401);
    const r = await app.inject({ method: 'GET', url: '/v1/recipes/a/training', headers: auth });
    expect(r.statusCode).toBe(200);
    const body = r.json();
    expect(body).toMatchObject({
      name: 'a',
      model_version: `sha256:${SHA}`,
      best_class: 'IALSRecommender',
      best_params: { n_components: 8 },
      metric: 'ndcg',
      cutoff: 10,
      data_stats: { n_rows: 7, dedup_policy: 'keep_last' },
      model: { n_users: 4, n_items: 6, explains: false },
      item_metadata: { fields: ['title', 'genre'], filterable: [] },
      serving: { unknown_user: 'error', max_history: 100 },
    });
    expect(body.search.trials).toEqual(SUMMARY.trials);
    expect(body.search.algorithms[0].best_params).toEqual({ n_components: 8 });
    // Nested values in the split are dropped rather than passed through.
    expect(body.search.split).toEqual({ scheme: 'random', heldout_ratio: 0.1 });
    await app.close();
  });

  it('search is null for artifacts without a (well-formed) summary', async () => {
    const { app } = await makeApp({
      entries: [
        loadedEntry('none', standardModel()),
        loadedEntry('bad', standardModel(), { header: { ...HEADER, search_summary: { trials: 'x' } } }),
      ],
    });
    for (const name of ['none', 'bad']) {
      const r = await app.inject({ method: 'GET', url: `/v1/recipes/${name}/training` });
      expect(r.statusCode).toBe(200);
      expect(r.json().search).toBeNull();
    }
    await app.close();
  });

  it('404 for an unknown recipe, 503 without a model, 422 for a malformed name', async () => {
    const { app } = await makeApp({ entries: [stubEntry('stub', '/a/stub.recotem', null)] });
    const unknown = await app.inject({ method: 'GET', url: '/v1/recipes/nope/training' });
    expect(unknown.statusCode).toBe(404);
    expect(unknown.json()).toMatchObject({ code: 'RECIPE_NOT_FOUND' });
    const stub = await app.inject({ method: 'GET', url: '/v1/recipes/stub/training' });
    expect(stub.statusCode).toBe(503);
    expect(stub.json()).toMatchObject({ code: 'RECIPE_UNAVAILABLE' });
    const bad = await app.inject({ method: 'GET', url: `/v1/recipes/${'x'.repeat(65)}/training` });
    expect(bad.statusCode).toBe(422);
    expect((await app.inject({ method: 'POST', url: '/v1/recipes/stub/training' })).statusCode).toBe(405);
    await app.close();
  });
});
