import { afterEach, describe, expect, it } from 'vitest';
import { unserializableRecord } from '../../src/serve/http/items.js';
import { API_KEY, jsonHeaders, keyEntries, makeApp, type TestApp } from './helpers/app.js';
import { loadedEntry, SHA, standardModel } from './helpers/model.js';

let t: TestApp;
afterEach(async () => {
  await t?.app.close();
});

async function app(entries = [loadedEntry('demo', standardModel())]) {
  t = await makeApp({ settings: { apiKeys: keyEntries(['k1', API_KEY]) }, entries });
  return t.app;
}

function post(a: TestApp['app'], url: string, body: unknown) {
  return a.inject({ method: 'POST', url, headers: jsonHeaders(), payload: JSON.stringify(body) });
}

describe(':recommend', () => {
  it('ranks by score, removes training items and sets the model version and request id', async () => {
    const a = await app();
    const r = await post(a, '/v1/recipes/demo:recommend', { user_id: 'u1', limit: 3 });
    expect(r.statusCode).toBe(200);
    const body = r.json();
    expect(body.items.map((i: { item_id: string }) => i.item_id)).toEqual(['i2', 'i3', 'i4']);
    expect(body.items[0]).toEqual({ item_id: 'i2', score: 5 });
    expect(body.recipe).toBe('demo');
    expect(body.model_version).toBe(`sha256:${SHA}`);
    expect(r.headers['x-recotem-model-version']).toBe(`sha256:${SHA}`);
    expect(r.headers['x-request-id']).toBe(body.request_id);
    expect(body.request_id).toMatch(/^[0-9a-f]{12}$/);
    expect(r.headers['content-type']).toMatch(/^application\/json/);
    expect(r.headers['x-recotem-items-degraded']).toBeUndefined();
  });

  it('defaults limit to 10 and applies exclusions after the top-k cut', async () => {
    const a = await app();
    const all = await post(a, '/v1/recipes/demo:recommend', { user_id: 'u1' });
    expect(all.json().items).toHaveLength(5);
    const r = await post(a, '/v1/recipes/demo:recommend', {
      user_id: 'u1',
      limit: 3,
      exclude_items: ['i2', 'i6', 'zz'],
    });
    expect(r.json().items.map((i: { item_id: string }) => i.item_id)).toEqual(['i3', 'i4']);
  });

  it('breaks score ties by ascending item index', async () => {
    const a = await app();
    const r = await post(a, '/v1/recipes/demo:recommend', { user_id: 'u4', limit: 4 });
    expect(r.json().items).toEqual([
      { item_id: 'i1', score: 0 },
      { item_id: 'i2', score: 0 },
      { item_id: 'i3', score: 0 },
      { item_id: 'i4', score: 0 },
    ]);
  });

  it('answers 200 with no items for a user who saw everything', async () => {
    const a = await app();
    const r = await post(a, '/v1/recipes/demo:recommend', { user_id: 'u2' });
    expect(r.statusCode).toBe(200);
    expect(r.json().items).toEqual([]);
  });

  it('404 UNKNOWN_USER never echoes the user id and carries no model version', async () => {
    const a = await app();
    const r = await post(a, '/v1/recipes/demo:recommend', { user_id: 'secret-user-77' });
    expect(r.statusCode).toBe(404);
    expect(r.json()).toEqual({ detail: 'user not seen during training', code: 'UNKNOWN_USER' });
    expect(r.body).not.toContain('secret-user-77');
    expect(r.headers['x-recotem-model-version']).toBeUndefined();
    expect(r.headers['x-request-id']).toMatch(/^[0-9a-f]{12}$/);
  });

  it('serves popular items to unknown users when the recipe asks for it', async () => {
    const a = await app([loadedEntry('demo', standardModel(), { popular: true })]);
    const r = await post(a, '/v1/recipes/demo:recommend', { user_id: 'nobody', limit: 2 });
    expect(r.statusCode).toBe(200);
    expect(r.json().items).toEqual([
      { item_id: 'i1', score: 2 },
      { item_id: 'i2', score: 1 },
    ]);
  });

  it('404 RECIPE_NOT_FOUND and 503 RECIPE_UNAVAILABLE', async () => {
    const stub = { ...loadedEntry('stub', standardModel()), loaded: false, model: null, sha256: null };
    const a = await app([loadedEntry('demo', standardModel()), stub]);
    const missing = await post(a, '/v1/recipes/nope:recommend', { user_id: 'u1' });
    expect(missing.statusCode).toBe(404);
    expect(missing.json()).toEqual({ detail: "Recipe 'nope' not found", code: 'RECIPE_NOT_FOUND' });
    const unavailable = await post(a, '/v1/recipes/stub:recommend', { user_id: 'u1' });
    expect(unavailable.statusCode).toBe(503);
    expect(unavailable.json()).toMatchObject({
      detail: "Recipe 'stub' is registered but not loaded",
      code: 'RECIPE_UNAVAILABLE',
    });
    expect(unavailable.json().request_id).toBe(unavailable.headers['x-request-id']);
  });

  it('serves a stale entry (loaded, last reload failed) normally', async () => {
    const a = await app([loadedEntry('demo', standardModel(), { error: 'HMAC verify failed: x' })]);
    const r = await post(a, '/v1/recipes/demo:recommend', { user_id: 'u1', limit: 1 });
    expect(r.statusCode).toBe(200);
  });

  it('joins metadata with model values winning, keeps column order, degrades bad records', async () => {
    const metadata = new Map<string, Record<string, unknown>>([
      ['i2', { title: 'Two', score: 'meta-score', item_id: 'other', genre: null }],
      ['i3', unserializableRecord('non-finite number')],
    ]);
    const a = await app([loadedEntry('demo', standardModel(), { metadata })]);
    const r = await post(a, '/v1/recipes/demo:recommend', { user_id: 'u1', limit: 3 });
    expect(r.statusCode).toBe(200);
    expect(r.headers['x-recotem-items-degraded']).toBe('1');
    const items = r.json().items;
    expect(items[0]).toEqual({ item_id: 'i2', score: 5, title: 'Two', genre: null });
    expect(Object.keys(items[0])).toEqual(['item_id', 'score', 'title', 'genre']);
    expect(items[1]).toEqual({ item_id: 'i3', score: 4 });
    expect(items[2]).toEqual({ item_id: 'i4', score: 3 });
  });

  it('drops items whose id breaks the item rule and counts them as degraded', async () => {
    const long = 'x'.repeat(257);
    const model = standardModel({ itemIds: ['i1', long, 'i3', 'i4', 'i5', 'i6'] });
    const a = await app([loadedEntry('demo', model)]);
    const r = await post(a, '/v1/recipes/demo:recommend', { user_id: 'u1', limit: 3 });
    expect(r.json().items.map((i: { item_id: string }) => i.item_id)).toEqual(['i3', 'i4']);
    expect(r.headers['x-recotem-items-degraded']).toBe('1');
  });
});

describe(':recommend-related', () => {
  it('folds the known seeds in, never recommends a seed, ignores unknown seeds', async () => {
    const a = await app();
    const r = await post(a, '/v1/recipes/demo:recommend-related', {
      seed_items: ['i1', 'nope'],
      limit: 3,
      exclude_items: ['i3'],
    });
    expect(r.statusCode).toBe(200);
    expect(r.json().items.map((i: { item_id: string }) => i.item_id)).toEqual(['i2', 'i4']);
    expect(r.headers['x-recotem-model-version']).toBe(`sha256:${SHA}`);
  });

  it('404 UNKNOWN_SEED_ITEMS when no seed is known', async () => {
    const a = await app();
    const r = await post(a, '/v1/recipes/demo:recommend-related', { seed_items: ['x', 'y'] });
    expect(r.statusCode).toBe(404);
    expect(r.json()).toEqual({ detail: 'no known seed_items', code: 'UNKNOWN_SEED_ITEMS' });
  });

  it('404 NO_CANDIDATES when every item is a seed, 200 [] when exclusions remove everything', async () => {
    const a = await app();
    const all = ['i1', 'i2', 'i3', 'i4', 'i5', 'i6'];
    const none = await post(a, '/v1/recipes/demo:recommend-related', { seed_items: all });
    expect(none.statusCode).toBe(404);
    expect(none.json()).toEqual({ detail: 'no candidates produced by ranker', code: 'NO_CANDIDATES' });
    const excluded = await post(a, '/v1/recipes/demo:recommend-related', {
      seed_items: ['i1'],
      limit: 2,
      exclude_items: ['i2', 'i3'],
    });
    expect(excluded.statusCode).toBe(200);
    expect(excluded.json().items).toEqual([]);
  });

  it('a fold-in that throws answers 500 INTERNAL_ERROR with the request id', async () => {
    const failing = new RangeError('fold-in failed');
    const a = await app([loadedEntry('demo', standardModel({ foldInError: failing }))]);
    const r = await post(a, '/v1/recipes/demo:recommend-related', { seed_items: ['i1'] });
    expect(r.statusCode).toBe(500);
    expect(r.json()).toEqual({
      detail: 'internal error',
      code: 'INTERNAL_ERROR',
      request_id: r.headers['x-request-id'],
    });
  });
});

describe('recipe serving limits', () => {
  it('seed_items beyond serving.max_history → 422 on the single verb, VALIDATION_ERROR per batch element', async () => {
    const a = await app([loadedEntry('demo', standardModel(), { maxHistory: 2 })]);
    const single = await post(a, '/v1/recipes/demo:recommend-related', { seed_items: ['i1', 'i2', 'i3'] });
    expect(single.statusCode).toBe(422);
    expect(single.json().errors).toEqual([
      { type: 'too_long', loc: ['body', 'seed_items'], msg: 'List should have at most 2 items after validation' },
    ]);
    expect((await post(a, '/v1/recipes/demo:recommend-related', { seed_items: ['i1', 'i2'] })).statusCode).toBe(200);
    const batch = await post(a, '/v1/recipes/demo:batch-recommend-related', {
      requests: [
        { seed_items: ['i1', 'i2', 'i3'], limit: 1000 },
        { seed_items: ['i1'], limit: 1000 },
      ],
    });
    expect(batch.json().results).toEqual([
      {
        index: 0,
        status: 'error',
        error: { code: 'VALIDATION_ERROR', message: 'seed_items: List should have at most 2 items after validation' },
      },
      { index: 1, status: 'ok', items: expect.any(Array) },
    ]);
  });
});
