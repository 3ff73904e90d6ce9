/** Batch verbs. */
import { afterEach, describe, expect, it } from 'vitest';
import { API_KEY, jsonHeaders, keyEntries, makeApp, type TestApp } from './helpers/app.js';
import { loadedEntry, SHA, standardModel } from './helpers/model.js';

let t: TestApp;
afterEach(async () => {
  await t?.app.close();
});

async function batch(
  verb: string,
  body: unknown,
  opts: { metrics?: boolean; metadata?: Map<string, Record<string, unknown>> } = {},
) {
  t = await makeApp({
    settings: { apiKeys: keyEntries(['k1', API_KEY]), metricsEnabled: opts.metrics ?? false },
    entries: [loadedEntry('demo', standardModel(), { metadata: opts.metadata })],
  });
  return t.app.inject({
    method: 'POST',
    url: `/v1/recipes/demo:${verb}`,
    headers: jsonHeaders(),
    payload: JSON.stringify(body),
  });
}

describe(':batch-recommend', () => {
  it('one result per element in order, with per-element errors and the model version', async () => {
    const r = await batch('batch-recommend', {
      requests: [
        { user_id: 'u1', limit: 2 },
        { user_id: 'ghost' },
        { user_id: 'u3', limit: 2, exclude_items: ['i6'] },
        { limit: 3 },
        'not-an-object',
        null,
      ],
    });
    expect(r.statusCode).toBe(200);
    expect(r.headers['x-recotem-model-version']).toBe(`sha256:${SHA}`);
    expect(r.headers['x-recotem-items-degraded']).toBeUndefined();
    const body = r.json();
    expect(body.model_version).toBe(`sha256:${SHA}`);
    expect(body.request_id).toBe(r.headers['x-request-id']);
    expect(body.results).toEqual([
      {
        index: 0,
        status: 'ok',
        items: [
          { item_id: 'i2', score: 5 },
          { item_id: 'i3', score: 4 },
        ],
      },
      { index: 1, status: 'error', error: { code: 'UNKNOWN_USER', message: 'user not seen during training' } },
      { index: 2, status: 'ok', items: [{ item_id: 'i5', score: -2 }] },
      { index: 3, status: 'error', error: { code: 'VALIDATION_ERROR', message: 'user_id: Field required' } },
      { index: 4, status: 'error', error: { code: 'VALIDATION_ERROR', message: 'request must be an object' } },
      { index: 5, status: 'error', error: { code: 'VALIDATION_ERROR', message: 'request must be an object' } },
    ]);
  });

  it('answers 200 even when every element failed', async () => {
    const r = await batch('batch-recommend', { requests: [{ user_id: 'x' }, { user_id: 'y' }] });
    expect(r.statusCode).toBe(200);
    expect(r.headers['x-recotem-model-version']).toBe(`sha256:${SHA}`);
    expect(r.json().results.every((e: { status: string }) => e.status === 'error')).toBe(true);
  });

  it('element messages use the dotted path of the first error', async () => {
    const r = await batch('batch-recommend', {
      requests: [
        { user_id: 'u1', limit: 0 },
        { user_id: 'u1', exclude_items: ['ok', ''] },
        { user_id: 'u1', x: 1 },
      ],
    });
    const messages = r.json().results.map((e: { error: { message: string } }) => e.error.message);
    expect(messages).toEqual([
      'limit: Input should be greater than or equal to 1',
      'exclude_items.1: String should have at least 1 character',
      'x: Extra inputs are not permitted',
    ]);
  });

  it('enforces the aggregate limit cap in input order and continues after a rejection', async () => {
    const fits = await batch('batch-recommend', {
      requests: Array.from({ length: 10 }, () => ({ user_id: 'u1', limit: 500 })),
    });
    expect(fits.json().results.every((e: { status: string }) => e.status === 'ok')).toBe(true);
    await t.app.close();
    const over = await batch('batch-recommend', {
      requests: Array.from({ length: 10 }, () => ({ user_id: 'u1', limit: 501 })),
    });
    const statuses = over.json().results.map((e: { status: string }) => e.status);
    expect(statuses).toEqual([...Array(9).fill('ok'), 'error']);
    expect(over.json().results[9].error).toEqual({
      code: 'VALIDATION_ERROR',
      message: 'aggregate limit cap exceeded: 5000',
    });
    await t.app.close();
    const later = await batch('batch-recommend', {
      requests: [
        ...Array.from({ length: 4 }, () => ({ user_id: 'u1', limit: 1000 })),
        { user_id: 'ghost', limit: 990 },
        { user_id: 'u1', limit: 11 },
        { user_id: 'u1', limit: 10 },
        { user_id: 'u1', limit: 4000 },
      ],
    });
    // The unknown user still counts toward the aggregate; the limit of 4000 fails the element rule.
    expect(
      later
        .json()
        .results.map(
          (e: { status: string; error?: { code: string; message: string } }) => e.error?.message ?? e.status,
        ),
    ).toEqual([
      'ok',
      'ok',
      'ok',
      'ok',
      'user not seen during training',
      'aggregate limit cap exceeded: 5000',
      'ok',
      'limit: Input should be less than or equal to 1000',
    ]);
  });

  it('joins metadata only with include_metadata, never sets the degraded header', async () => {
    const metadata = new Map<string, Record<string, unknown>>([['i2', { title: 'Two' }]]);
    const without = await batch('batch-recommend', { requests: [{ user_id: 'u1', limit: 1 }] }, { metadata });
    expect(without.json().results[0].items).toEqual([{ item_id: 'i2', score: 5 }]);
    await t.app.close();
    const withMeta = await batch(
      'batch-recommend',
      { requests: [{ user_id: 'u1', limit: 1 }], include_metadata: true },
      { metadata },
    );
    expect(withMeta.json().results[0].items).toEqual([{ item_id: 'i2', score: 5, title: 'Two' }]);
  });

  it('records batch size, element errors and an ok request in the metrics', async () => {
    await batch('batch-recommend', { requests: [{ user_id: 'u1' }, { user_id: 'ghost' }, 7] }, { metrics: true });
    const text = await t.ctx.metrics.exposition();
    expect(text).toContain('recotem_v1_batch_size_count{recipe="demo",verb="batch-recommend"} 1');
    expect(text).toContain(
      'recotem_v1_batch_element_errors_total{recipe="demo",verb="batch-recommend",code="UNKNOWN_USER"} 1',
    );
    expect(text).toContain(
      'recotem_v1_batch_element_errors_total{recipe="demo",verb="batch-recommend",code="VALIDATION_ERROR"} 1',
    );
    expect(text).toContain('recotem_v1_requests_total{recipe="demo",verb="batch-recommend",status="ok"} 1');
  });
});

describe(':batch-recommend-related', () => {
  it('per element: ok, UNKNOWN_SEED_ITEMS, NO_CANDIDATES, VALIDATION_ERROR', async () => {
    const r = await batch('batch-recommend-related', {
      requests: [
        { seed_items: ['i1'], limit: 2 },
        { seed_items: ['zz'] },
        { seed_items: ['i1', 'i2', 'i3', 'i4', 'i5', 'i6'] },
        { seed_items: [] },
      ],
    });
    expect(r.statusCode).toBe(200);
    expect(r.json().results).toEqual([
      {
        index: 0,
        status: 'ok',
        items: [
          { item_id: 'i2', score: 30 },
          { item_id: 'i3', score: 24 },
        ],
      },
      { index: 1, status: 'error', error: { code: 'UNKNOWN_SEED_ITEMS', message: 'no known seed_items' } },
      { index: 2, status: 'error', error: { code: 'NO_CANDIDATES', message: 'no candidates produced by ranker' } },
      {
        index: 3,
        status: 'error',
        error: { code: 'VALIDATION_ERROR', message: 'seed_items: List should have at least 1 item after validation' },
      },
    ]);
  });

  it('a fold-in that throws fails each element with INTERNAL_ERROR, not the call', async () => {
    const failing = new RangeError('fold-in failed');
    t = await makeApp({
      settings: { apiKeys: keyEntries(['k1', API_KEY]) },
      entries: [loadedEntry('demo', standardModel({ foldInError: failing }))],
    });
    const r = await t.app.inject({
      method: 'POST',
      url: '/v1/recipes/demo:batch-recommend-related',
      headers: jsonHeaders(),
      payload: JSON.stringify({ requests: [{ seed_items: ['i1'] }, { seed_items: ['nope'] }] }),
    });
    expect(r.statusCode).toBe(200);
    expect(r.json().results).toEqual([
      { index: 0, status: 'error', error: { code: 'INTERNAL_ERROR', message: 'internal error' } },
      { index: 1, status: 'error', error: { code: 'UNKNOWN_SEED_ITEMS', message: 'no known seed_items' } },
    ]);
  });

  it('404/503 for the whole call when the recipe is missing or not loaded', async () => {
    t = await makeApp({ settings: { apiKeys: keyEntries(['k1', API_KEY]) } });
    const r = await t.app.inject({
      method: 'POST',
      url: '/v1/recipes/nope:batch-recommend-related',
      headers: jsonHeaders(),
      payload: JSON.stringify({ requests: [{ seed_items: ['i1'] }] }),
    });
    expect(r.statusCode).toBe(404);
    expect(r.json().code).toBe('RECIPE_NOT_FOUND');
    expect(r.headers['x-recotem-model-version']).toBeUndefined();
  });
});
