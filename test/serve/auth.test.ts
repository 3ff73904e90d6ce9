/** API-key authentication and its events. */
import * as crypto from 'node:crypto';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { hashApiKey } from '../../src/config/index.js';
import { captureLogs } from '../../src/log/index.js';
import { ApiKeyVerifier, apiKeyDigest } from '../../src/serve/http/api-keys.js';
import { API_KEY, API_KEY_2, keyEntries, makeApp, type TestApp } from './helpers/app.js';

vi.mock('node:crypto', async (importOriginal) => {
  const original = await importOriginal<typeof import('node:crypto')>();
  return { ...original, scryptSync: vi.fn(original.scryptSync), timingSafeEqual: vi.fn(original.timingSafeEqual) };
});

let t: TestApp | undefined;
afterEach(async () => {
  await t?.app.close();
  t = undefined;
});

describe('digest', () => {
  it('matches the scrypt formula of the spec and the config helper', () => {
    // scrypt(N=2, r=8, p=1, dkLen=32, salt "recotem.api-key.v1"), computed independently.
    const expected = crypto.scryptSync('3q2-7wEXAMPLEbase64urlKEYxxxxxxxxxxxxxxxxxxx', 'recotem.api-key.v1', 32, {
      N: 2,
      r: 8,
      p: 1,
    });
    expect(apiKeyDigest('3q2-7wEXAMPLEbase64urlKEYxxxxxxxxxxxxxxxxxxx').equals(expected)).toBe(true);
    expect(apiKeyDigest('abc').toString('hex')).toBe(hashApiKey('abc'));
  });
});

describe('ApiKeyVerifier', () => {
  const keys = keyEntries(['first', API_KEY], ['second', API_KEY_2], ['dup', API_KEY]);

  it('maps every header shape to the right outcome', () => {
    const v = new ApiKeyVerifier(keys, false);
    const logs = captureLogs();
    try {
      expect(v.verify(undefined, '/p', '1.2.3.4')).toEqual({
        ok: false,
        code: 'MISSING_API_KEY',
        detail: 'X-API-Key header required',
      });
      expect(v.verify('', '/p', 'h')).toMatchObject({ ok: false, code: 'INVALID_API_KEY', detail: 'Invalid API key' });
      expect(v.verify('x'.repeat(31), '/p', 'h')).toMatchObject({ code: 'INVALID_API_KEY' });
      expect(v.verify('x'.repeat(257), '/p', 'h')).toMatchObject({ code: 'INVALID_API_KEY' });
      expect(v.verify(` ${API_KEY}`, '/p', 'h')).toMatchObject({ code: 'INVALID_API_KEY' });
      expect(v.verify(`${API_KEY} `, '/p', 'h')).toMatchObject({ code: 'INVALID_API_KEY' });
      expect(v.verify('y'.repeat(40), '/p', 'h')).toMatchObject({ code: 'INVALID_API_KEY' });
      expect(v.verify(API_KEY, '/p', 'h')).toEqual({ ok: true, kid: 'first' });
      expect(v.verify(API_KEY_2, '/p', 'h')).toEqual({ ok: true, kid: 'second' });
      expect(logs.events('auth_missing_header')).toEqual([expect.objectContaining({ path: '/p' })]);
      expect(logs.events('auth_short_key_rejected')).toEqual([
        expect.objectContaining({ length: 0, min_len: 32 }),
        expect.objectContaining({ length: 31, min_len: 32 }),
      ]);
      expect(logs.events('auth_oversized_header')).toEqual([expect.objectContaining({ length: 257, cap: 256 })]);
      expect(logs.events('auth_invalid_key')).toHaveLength(3);
      expect(logs.text()).not.toContain(API_KEY);
      expect(logs.text()).not.toContain(keys[0].digestHex);
    } finally {
      logs.stop();
    }
  });

  it('hashes exactly once on every path and compares against every configured key', () => {
    const v = new ApiKeyVerifier(keys, false);
    const scrypt = vi.mocked(crypto.scryptSync);
    const compare = vi.mocked(crypto.timingSafeEqual);
    for (const header of [undefined, 'short', 'z'.repeat(300), 'w'.repeat(40), API_KEY]) {
      scrypt.mockClear();
      compare.mockClear();
      v.verify(header, '/p', 'h');
      expect(scrypt).toHaveBeenCalledTimes(1);
      const compared = header === 'w'.repeat(40) || header === API_KEY;
      expect(compare).toHaveBeenCalledTimes(compared ? keys.length : 0);
    }
  });

  it('without keys lets everyone in as anonymous and logs the first sighting per host', () => {
    const v = new ApiKeyVerifier([], false);
    const logs = captureLogs();
    try {
      expect(v.verify(undefined, '/a', '10.0.0.1')).toEqual({ ok: true, kid: 'anonymous' });
      v.verify('anything', '/b', '10.0.0.1');
      v.verify(undefined, '/c', '10.0.0.2');
      const first = logs.events('auth_anonymous_bypass_first_seen');
      expect(first.map((e) => e.client_host)).toEqual(['10.0.0.1', '10.0.0.2']);
      expect(first[0]).toMatchObject({ mode: 'loopback_no_keys', path: '/a' });
      expect(logs.events('auth_anonymous_bypass')).toHaveLength(3);
    } finally {
      logs.stop();
    }
  });

  it('--insecure-no-auth wins over configured keys', () => {
    const v = new ApiKeyVerifier(keys, true);
    const logs = captureLogs();
    try {
      expect(v.verify(undefined, '/a', 'h')).toEqual({ ok: true, kid: 'anonymous' });
      expect(logs.events('auth_anonymous_bypass_first_seen')[0].mode).toBe('insecure_no_auth');
      expect(v.enabled).toBe(false);
    } finally {
      logs.stop();
    }
  });

  it('forgets the least recently seen host after 1024 others', () => {
    const v = new ApiKeyVerifier([], false);
    const logs = captureLogs();
    try {
      v.verify(undefined, '/', 'h0');
      for (let i = 1; i <= 1023; i++) v.verify(undefined, '/', `h${i}`);
      v.verify(undefined, '/', 'h0'); // refreshes h0: h1 is now the oldest
      v.verify(undefined, '/', 'new'); // evicts h1
      logs.clear();
      v.verify(undefined, '/', 'h0');
      v.verify(undefined, '/', 'h1');
      expect(logs.events('auth_anonymous_bypass_first_seen').map((e) => e.client_host)).toEqual(['h1']);
    } finally {
      logs.stop();
    }
  });
});

describe('over HTTP', () => {
  it('401 bodies, no WWW-Authenticate, health stays public, kid is attributed', async () => {
    t = await makeApp({ settings: { apiKeys: keyEntries(['first', API_KEY]) } });
    const missing = await t.app.inject({ method: 'GET', url: '/v1/recipes' });
    expect(missing.statusCode).toBe(401);
    expect(missing.json()).toEqual({ detail: 'X-API-Key header required', code: 'MISSING_API_KEY' });
    expect(missing.headers['www-authenticate']).toBeUndefined();
    const wrong = await t.app.inject({ method: 'GET', url: '/v1/recipes', headers: { 'X-Api-Key': 'q'.repeat(43) } });
    expect(wrong.json()).toEqual({ detail: 'Invalid API key', code: 'INVALID_API_KEY' });
    expect((await t.app.inject({ method: 'GET', url: '/v1/health/details' })).statusCode).toBe(401);
    expect((await t.app.inject({ method: 'GET', url: '/health/details' })).statusCode).toBe(401);
    expect((await t.app.inject({ method: 'GET', url: '/v1/health' })).statusCode).toBe(200);
    expect((await t.app.inject({ method: 'GET', url: '/health' })).statusCode).toBe(200);
    const ok = await t.app.inject({ method: 'GET', url: '/v1/recipes', headers: { 'x-api-key': API_KEY } });
    expect(ok.statusCode).toBe(200);
  });
});
