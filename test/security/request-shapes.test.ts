/**
 * Hostile JSON shapes against a real server over HTTP (API keys configured): bodies with huge
 * numbers of unknown keys (once answered with one 422 item per key: 166 MB bodies and log lines,
 * a stalled event loop), attacker-chosen key text echoed back (`<script>`), filters keyed by the
 * names JavaScript objects treat specially (silently ignored with 200), and 405 answers without
 * the `Allow` header.
 */
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { captureLogs, type LogCapture } from '../../src/log/index.js';
import { MAX_BODY_KEYS } from '../../src/serve/http/json-keys.js';
import { buildFilterIndex } from '../../src/serve/scoring/filters.js';
import { API_KEY, keyEntries, makeApp, type TestApp } from '../serve/helpers/app.js';
import { loadedEntry, standardModel } from '../serve/helpers/model.js';

let t: TestApp;
let base: string;
let logs: LogCapture;

beforeAll(async () => {
  const entry = loadedEntry('demo', standardModel());
  const metadata = new Map([
    ['i1', { genre: 'drama' }],
    ['i2', { genre: 'comedy' }],
  ]);
  t = await makeApp({
    settings: { apiKeys: keyEntries(['k1', API_KEY]) },
    entries: [
      { ...entry, metadataIndex: metadata, filterIndex: buildFilterIndex(entry.model!.itemIds, metadata, ['genre']) },
    ],
  });
  await t.app.listen({ host: '127.0.0.1', port: 0 });
  base = `http://127.0.0.1:${(t.app.server.address() as AddressInfo).port}`;
});
afterAll(() => t.app.close());

const post = (verb: string, body: string) =>
  fetch(`${base}/v1/recipes/demo:${verb}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-api-key': API_KEY },
    body,
  });

/** `{"user_id":"u1", "<prefix>0":1, ...}` with `n` unknown keys. */
function manyKeys(n: number, prefix = 'k'): string {
  const parts = ['"user_id":"u1"'];
  for (let i = 0; i < n; i++) parts.push(`"${prefix}${i}":1`);
  return `{${parts.join(',')}}`;
}

type Body422 = { code: string; errors: { type: string; loc: (string | number)[]; msg: string }[] };

describe('unknown JSON keys', () => {
  beforeAll(() => {
    logs = captureLogs();
  });
  afterAll(() => logs.stop());

  it('20,000 unknown keys: the first 10 are listed, the rest counted in one item; body and log stay small', async () => {
    const r = await post('recommend', manyKeys(20_000));
    const text = await r.text();
    expect(r.status).toBe(422);
    const body = JSON.parse(text) as Body422;
    expect(body.errors).toHaveLength(11);
    expect(body.errors.slice(0, 10).map((e) => e.loc)).toEqual(Array.from({ length: 10 }, (_, i) => ['body', `k${i}`]));
    expect(body.errors[10]).toEqual({
      type: 'extra_forbidden',
      loc: ['body'],
      msg: 'Extra inputs are not permitted: 19990 more not listed',
    });
    expect(text.length).toBeLessThan(2000);
    const logged = logs.records.filter((rec) => rec.event === 'validation_failed').at(-1);
    expect(JSON.stringify(logged).length).toBeLessThan(3000);
  });

  it(`more than ${MAX_BODY_KEYS} keys (here 1.2 million in under 16 MiB) are refused before the body is parsed`, async () => {
    const body = manyKeys(1_200_000, '');
    expect(body.length).toBeLessThan(16 * 1024 * 1024);
    const started = Date.now();
    const r = await post('recommend', body);
    const elapsed = Date.now() - started;
    expect(r.status).toBe(422);
    expect(await r.json()).toMatchObject({
      code: 'VALIDATION_ERROR',
      errors: [{ type: 'extra_forbidden', loc: ['body'], msg: expect.stringContaining(`more than ${MAX_BODY_KEYS}`) }],
    });
    // Parsing such an object takes seconds (it was 14 s of stalled health checks); refusing it is a scan.
    expect(elapsed).toBeLessThan(5000);
    const health = await fetch(`${base}/v1/health`);
    expect(health.status).toBe(200);
  });

  it('exactly the cap of keys is still parsed (and then validated)', async () => {
    const r = await post('recommend', manyKeys(MAX_BODY_KEYS - 1));
    expect(r.status).toBe(422);
    expect(((await r.json()) as Body422).errors.at(-1)?.msg).toBe(
      `Extra inputs are not permitted: ${MAX_BODY_KEYS - 11} more not listed`,
    );
  });

  it('colons inside strings do not count as keys', async () => {
    const ids = Array.from({ length: 1000 }, (_, i) => `${':'.repeat(60)}${i}`);
    const r = await post('recommend', JSON.stringify({ user_id: 'u1', limit: 2, exclude_items: ids }));
    expect(r.status).toBe(200);
  });

  it.each([
    '<script>alert(1)</script>',
    '"><img src=x onerror=alert(1)>',
    'a'.repeat(41),
    'key with spaces',
    '\u202egnp.exe',
  ])('the key %j is never echoed (single verb and batch element)', async (key) => {
    const r = await post('recommend', JSON.stringify({ user_id: 'u1', [key]: 1 }));
    const text = await r.text();
    expect(r.status).toBe(422);
    expect(text).not.toContain(key);
    expect((JSON.parse(text) as Body422).errors[0]).toEqual({
      type: 'extra_forbidden',
      loc: ['body', '<unknown key>'],
      msg: 'Extra inputs are not permitted',
    });
    const batch = await post('batch-recommend', JSON.stringify({ requests: [{ user_id: 'u1', [key]: 1 }] }));
    const batchText = await batch.text();
    expect(batch.status).toBe(200);
    expect(batchText).not.toContain(key);
    expect(batchText).toContain('<unknown key>: Extra inputs are not permitted');
  });

  it('plain field-like keys are still named, so typos stay easy to find', async () => {
    const r = await post('recommend', JSON.stringify({ user_id: 'u1', limt: 3 }));
    expect(((await r.json()) as Body422).errors[0].loc).toEqual(['body', 'limt']);
  });
});

describe('filters keyed by special JavaScript names', () => {
  it.each(['__proto__', 'constructor', 'prototype'])('a filter on %j is a 422 naming the field', async (field) => {
    const body = `{"user_id":"u1","limit":2,"filter":{"${field}":{"eq":"drama"}}}`;
    const r = await post('recommend', body);
    expect(r.status).toBe(422);
    expect(((await r.json()) as Body422).errors).toEqual([
      {
        type: 'value_error',
        loc: ['body', 'filter', field],
        msg: `field '${field}' is not filterable (a reserved name)`,
      },
    ]);
    const related = await post('recommend-related', `{"seed_items":["i1"],"filter":{"${field}":{"eq":"x"}}}`);
    expect(related.status).toBe(422);
    const batch = await post('batch-recommend', `{"requests":[{"user_id":"u1","filter":{"${field}":{"eq":"x"}}}]}`);
    const result = ((await batch.json()) as { results: { status: string; error?: { message: string } }[] }).results[0];
    expect(result).toMatchObject({ status: 'error', error: { message: expect.stringContaining(`filter.${field}`) } });
  });

  it('an unknown filter field is named only when it is a plain name', async () => {
    const hostile = await post(
      'recommend',
      JSON.stringify({ user_id: 'u1', filter: { '<script>x</script>': { eq: 1 } } }),
    );
    const text = await hostile.text();
    expect(hostile.status).toBe(422);
    expect(text).not.toContain('<script>');
    expect((JSON.parse(text) as Body422).errors[0].loc).toEqual(['body', 'filter', '<unknown key>']);
    const plain = await post('recommend', JSON.stringify({ user_id: 'u1', filter: { year: { eq: 1 } } }));
    expect(((await plain.json()) as Body422).errors[0]).toMatchObject({
      loc: ['body', 'filter', 'year'],
      msg: "field 'year' is not filterable (declare it in item_metadata.filterable)",
    });
  });

  it('a real filter field still filters (the check does not reject everything)', async () => {
    const r = await post('recommend', '{"user_id":"u1","limit":5,"filter":{"genre":{"eq":"comedy"}}}');
    expect(r.status).toBe(200);
  });
});

describe('405 answers carry Allow', () => {
  it.each([
    ['POST', '/v1/health', 'GET, HEAD'],
    ['DELETE', '/v1/recipes', 'GET, HEAD'],
    ['POST', '/v1/recipes/demo', 'GET, HEAD'],
    ['POST', '/v1/recipes/demo:unknownverb', 'GET, HEAD'],
    ['OPTIONS', '/v1/recipes/demo:recommend', 'GET, HEAD, POST'],
  ])('%s %s → 405 with Allow: %s', async (method, path, allow) => {
    const r = await fetch(`${base}${path}`, { method, headers: { 'x-api-key': API_KEY } });
    expect(r.status).toBe(405);
    expect(r.headers.get('allow')).toBe(allow);
    expect(await r.json()).toEqual({ detail: 'Method Not Allowed' });
  });
});
