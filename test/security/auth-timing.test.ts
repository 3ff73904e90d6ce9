/**
 * API-key checks without timing oracles (docs/security.md B1–B3), asserted by
 * structure instead of wall-clock time: every request hashes exactly once, rejections hash the
 * same fixed dummy whatever the header length, and the comparison visits every configured key
 * whichever one matches. Header lengths 0, 1, 31, 32, 43, 255, 256, 257 and beyond, and
 * multibyte keys, through the verifier and over HTTP.
 */
import * as crypto from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { captureLogs, type LogCapture } from '../../src/log/index.js';
import { ApiKeyVerifier } from '../../src/serve/http/api-keys.js';
import { registerSecret } from '../helpers/secrets.js';
import { keyEntries, makeApp, type TestApp } from '../serve/helpers/app.js';

vi.mock('node:crypto', async (importOriginal) => {
  const original = await importOriginal<typeof import('node:crypto')>();
  return { ...original, scryptSync: vi.fn(original.scryptSync), timingSafeEqual: vi.fn(original.timingSafeEqual) };
});

const scrypt = vi.mocked(crypto.scryptSync);
const compare = vi.mocked(crypto.timingSafeEqual);
const DUMMY = '\0'.repeat(256);

const key = (n: number, fill: string) =>
  registerSecret(fill.repeat(Math.ceil(n / fill.length)).slice(0, n), `api key ${n}`);
/** Configured keys of the boundary lengths (31 can never authenticate: it is below the minimum). */
const KEYS: [kid: string, plaintext: string][] = [
  ['k31', key(31, 'a1b2c3d4e5f6g7h8i9j0')],
  ['k32', key(32, 'Zq9-')],
  ['k43', key(43, 'Wm3_')],
  ['k255', key(255, 'Pt7x')],
  ['k256', key(256, 'Rv5y')],
  ['utf8', registerSecret('é'.repeat(32), 'api key multibyte')],
];

let verifier: ApiKeyVerifier;
let logs: LogCapture;
beforeAll(() => {
  verifier = new ApiKeyVerifier(keyEntries(...KEYS), false);
  logs = captureLogs();
});
afterAll(() => logs.stop());

/** The password argument of every scrypt call since the last reset, as text. */
function hashedInputs(): string[] {
  return scrypt.mock.calls.map(([password]) => Buffer.from(password as Buffer).toString('utf8'));
}

function attempt(header: string | string[] | undefined) {
  scrypt.mockClear();
  compare.mockClear();
  const outcome = verifier.verify(header, '/v1/recipes', '127.0.0.1');
  return { outcome, hashed: hashedInputs(), compared: compare.mock.calls.length };
}

describe('verifier: one hash per request, all keys compared', () => {
  it.each([0, 1, 31, 257, 1000, 64 * 1024])(
    'a %i-character header is rejected after hashing the fixed 256-NUL dummy, comparing nothing',
    (length) => {
      const { outcome, hashed, compared } = attempt('x'.repeat(length));
      expect(outcome).toMatchObject({ ok: false, code: 'INVALID_API_KEY', detail: 'Invalid API key' });
      expect(hashed).toEqual([DUMMY]);
      expect(compared).toBe(0);
    },
  );

  it('a missing header hashes the same dummy', () => {
    const { outcome, hashed, compared } = attempt(undefined);
    expect(outcome).toMatchObject({ ok: false, code: 'MISSING_API_KEY' });
    expect(hashed).toEqual([DUMMY]);
    expect(compared).toBe(0);
  });

  it.each([32, 43, 255, 256])('a wrong %i-character key hashes itself once and is compared with every key', (n) => {
    const wrong = 'w'.repeat(n);
    const { outcome, hashed, compared } = attempt(wrong);
    expect(outcome).toMatchObject({ ok: false, code: 'INVALID_API_KEY' });
    expect(hashed).toEqual([wrong]);
    expect(compared).toBe(KEYS.length);
  });

  it.each(KEYS.filter(([kid]) => kid !== 'k31'))(
    'the %s key authenticates, still comparing every key',
    (kid, plaintext) => {
      const { outcome, hashed, compared } = attempt(plaintext);
      expect(outcome).toEqual({ ok: true, kid });
      expect(hashed).toEqual([plaintext]);
      expect(compared).toBe(KEYS.length);
    },
  );

  it('a configured key shorter than 32 characters never authenticates (the short rule fires first)', () => {
    const { outcome, hashed } = attempt(KEYS[0][1]);
    expect(outcome).toMatchObject({ ok: false, code: 'INVALID_API_KEY' });
    expect(hashed).toEqual([DUMMY]);
  });

  it('the first and the last configured key cost the same number of comparisons', () => {
    expect(attempt(KEYS[1][1]).compared).toBe(attempt(KEYS[KEYS.length - 1][1]).compared);
  });

  it('near misses: whitespace padding, a one-character change, a prefix, a repeated header', () => {
    const k43 = KEYS[2][1];
    for (const header of [` ${k43}`, `${k43} `, `${k43}\t`, `${k43.slice(0, -1)}X`, k43.slice(0, 42), [k43, k43]]) {
      const { outcome, hashed } = attempt(header);
      expect(outcome).toMatchObject({ ok: false, code: 'INVALID_API_KEY' });
      expect(hashed).toHaveLength(1);
    }
  });

  it('multibyte headers are measured in characters and hashed as UTF-8', () => {
    // 31 two-byte characters: 62 bytes but still short.
    expect(attempt('é'.repeat(31)).hashed).toEqual([DUMMY]);
    expect(attempt('é'.repeat(257)).hashed).toEqual([DUMMY]);
    const wrong = attempt('ü'.repeat(32));
    expect(wrong.outcome).toMatchObject({ ok: false });
    expect(wrong.compared).toBe(KEYS.length);
  });

  it('the rejection log lines carry lengths at most, never the header or its digest', () => {
    const text = logs.text();
    for (const [, plaintext] of KEYS) expect(text).not.toContain(plaintext);
    expect(text).not.toContain('w'.repeat(32));
    expect(logs.events('auth_short_key_rejected').every((e) => typeof e.length === 'number')).toBe(true);
  });
});

describe('over HTTP', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await makeApp({ settings: { apiKeys: keyEntries(...KEYS) } });
  });
  afterAll(() => t.app.close());

  async function get(headers: Record<string, string>) {
    scrypt.mockClear();
    compare.mockClear();
    const r = await t.app.inject({ method: 'GET', url: '/v1/recipes', headers });
    return {
      status: r.statusCode,
      code: r.statusCode === 200 ? 'OK' : r.json().code,
      hashes: scrypt.mock.calls.length,
    };
  }

  it.each([
    [0, 401, 'INVALID_API_KEY'],
    [1, 401, 'INVALID_API_KEY'],
    [31, 401, 'INVALID_API_KEY'],
    [32, 401, 'INVALID_API_KEY'],
    [43, 401, 'INVALID_API_KEY'],
    [255, 401, 'INVALID_API_KEY'],
    [256, 401, 'INVALID_API_KEY'],
    [257, 401, 'INVALID_API_KEY'],
    [4096, 401, 'INVALID_API_KEY'],
  ])('a wrong %i-character key → %i %s, hashed once', async (n, status, code) => {
    expect(await get({ 'x-api-key': 'q'.repeat(n) })).toEqual({ status, code, hashes: 1 });
  });

  it('no header → 401 MISSING_API_KEY, hashed once; every configured ASCII key → 200', async () => {
    expect(await get({})).toEqual({ status: 401, code: 'MISSING_API_KEY', hashes: 1 });
    for (const [kid, plaintext] of KEYS.slice(1, 5)) {
      expect(await get({ 'x-api-key': plaintext }), kid).toEqual({ status: 200, code: 'OK', hashes: 1 });
    }
  });

  it('the rejection bodies do not tell the guards apart', async () => {
    const bodies = new Set<string>();
    for (const header of ['', 'x', 'y'.repeat(31), 'z'.repeat(40), 'v'.repeat(300)]) {
      const r = await t.app.inject({ method: 'GET', url: '/v1/recipes', headers: { 'x-api-key': header } });
      bodies.add(r.body);
    }
    expect([...bodies]).toEqual([JSON.stringify({ detail: 'Invalid API key', code: 'INVALID_API_KEY' })]);
  });
});
