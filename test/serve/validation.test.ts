/** Request schemas and the 422 envelope. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { API_KEY, jsonHeaders, keyEntries, makeApp, type TestApp } from './helpers/app.js';
import { loadedEntry, standardModel } from './helpers/model.js';

let t: TestApp;
beforeAll(async () => {
  t = await makeApp({
    settings: { apiKeys: keyEntries(['k1', API_KEY]) },
    entries: [loadedEntry('demo', standardModel())],
  });
});
afterAll(async () => {
  await t.app.close();
});

async function errorsFor(verb: string, body: unknown) {
  const r = await t.app.inject({
    method: 'POST',
    url: `/v1/recipes/demo:${verb}`,
    headers: jsonHeaders(),
    payload: JSON.stringify(body),
  });
  if (r.statusCode !== 422)
    return { status: r.statusCode, errors: [] as { type: string; loc: unknown[]; msg: string }[] };
  const body422 = r.json();
  expect(body422.detail).toBe('Request validation failed');
  expect(body422.code).toBe('VALIDATION_ERROR');
  expect(body422.request_id).toBe(r.headers['x-request-id']);
  for (const e of body422.errors) expect(Object.keys(e).sort()).toEqual(['loc', 'msg', 'type']);
  return { status: 422, errors: body422.errors as { type: string; loc: unknown[]; msg: string }[] };
}

describe('RecommendRequest', () => {
  it.each([
    [{}, 'missing', ['body', 'user_id']],
    [{ user_id: 123 }, 'string_type', ['body', 'user_id']],
    [{ user_id: '' }, 'string_too_short', ['body', 'user_id']],
    [{ user_id: 'u'.repeat(257) }, 'string_too_long', ['body', 'user_id']],
    [{ user_id: 'u1', extra: 1 }, 'extra_forbidden', ['body', 'extra']],
    [{ user_id: 'u1', limit: 0 }, 'greater_than_equal', ['body', 'limit']],
    [{ user_id: 'u1', limit: 1001 }, 'less_than_equal', ['body', 'limit']],
    [{ user_id: 'u1', limit: 1e20 }, 'less_than_equal', ['body', 'limit']],
    [{ user_id: 'u1', limit: 10.5 }, 'int_type', ['body', 'limit']],
    [{ user_id: 'u1', limit: '10' }, 'int_type', ['body', 'limit']],
    [{ user_id: 'u1', limit: true }, 'int_type', ['body', 'limit']],
    [{ user_id: 'u1', exclude_items: 'i1' }, 'list_type', ['body', 'exclude_items']],
    [{ user_id: 'u1', exclude_items: ['i1', ''] }, 'string_too_short', ['body', 'exclude_items', 1]],
    [{ user_id: 'u1', exclude_items: Array(1001).fill('x') }, 'too_long', ['body', 'exclude_items']],
  ])('%j → %s at %j', async (body, type, loc) => {
    const { status, errors } = await errorsFor('recommend', body);
    expect(status).toBe(422);
    expect(errors).toContainEqual(expect.objectContaining({ type, loc }));
  });

  it('a JSON array or scalar body is a single error at body', async () => {
    const { errors } = await errorsFor('recommend', ['u1']);
    expect(errors).toEqual([{ type: 'model_type', loc: ['body'], msg: expect.any(String) }]);
  });

  it.each([
    [{ user_id: '   ' }],
    [{ user_id: 'u1', limit: 10.0 }],
    [{ user_id: 'u1', limit: 1000 }],
    [{ user_id: 'u1', exclude_items: null }],
    [{ user_id: 'u1', exclude_items: Array(1000).fill('x') }],
    [{ user_id: 'u'.repeat(256) }],
  ])('accepts %j', async (body) => {
    const r = await t.app.inject({
      method: 'POST',
      url: '/v1/recipes/demo:recommend',
      headers: jsonHeaders(),
      payload: JSON.stringify(body),
    });
    expect([200, 404]).toContain(r.statusCode);
  });

  it('reports every failing field and strips input values', async () => {
    const { errors } = await errorsFor('recommend', { user_id: 42424242, limit: 0, zzz: 'leak-me' });
    expect(errors.map((e) => e.loc)).toEqual([
      ['body', 'user_id'],
      ['body', 'limit'],
      ['body', 'zzz'],
    ]);
    expect(JSON.stringify(errors)).not.toMatch(/42424242|leak-me/);
  });
});

describe('RecommendRelatedRequest', () => {
  it.each([
    [{}, 'missing', ['body', 'seed_items']],
    [{ seed_items: [] }, 'too_short', ['body', 'seed_items']],
    [{ seed_items: Array(101).fill('i1') }, 'too_long', ['body', 'seed_items']],
    [{ seed_items: [1] }, 'string_type', ['body', 'seed_items', 0]],
    [{ seed_items: ['i1'], user_id: 'u1' }, 'extra_forbidden', ['body', 'user_id']],
  ])('%j → %s at %j', async (body, type, loc) => {
    const { errors } = await errorsFor('recommend-related', body);
    expect(errors).toContainEqual(expect.objectContaining({ type, loc }));
  });
});

describe('batch envelope', () => {
  it.each([
    [{}, 'missing', ['body', 'requests']],
    [{ requests: {} }, 'list_type', ['body', 'requests']],
    [{ requests: [] }, 'too_short', ['body', 'requests']],
    [{ requests: Array(257).fill({ user_id: 'u1' }) }, 'too_long', ['body', 'requests']],
    [{ requests: [{ user_id: 'u1' }], include_metadata: 'true' }, 'bool_type', ['body', 'include_metadata']],
    [{ requests: [{ user_id: 'u1' }], include_metadata: 1 }, 'bool_type', ['body', 'include_metadata']],
    [{ requests: [{ user_id: 'u1' }], other: 1 }, 'extra_forbidden', ['body', 'other']],
  ])('%j → %s at %j', async (body, type, loc) => {
    for (const verb of ['batch-recommend', 'batch-recommend-related']) {
      const { errors } = await errorsFor(verb, body);
      expect(errors).toContainEqual(expect.objectContaining({ type, loc }));
    }
  });

  it('accepts exactly 256 elements', async () => {
    const r = await t.app.inject({
      method: 'POST',
      url: '/v1/recipes/demo:batch-recommend',
      headers: jsonHeaders(),
      payload: JSON.stringify({ requests: Array(256).fill({ user_id: 'u1', limit: 1 }) }),
    });
    expect(r.statusCode).toBe(200);
    expect(r.json().results).toHaveLength(256);
  });
});
