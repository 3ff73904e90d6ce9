/**
 * Host-header and CORS attacks (docs/security.md B10, B11): look-alike and
 * smuggled hosts, DNS-rebinding names, the www redirect as an open redirect, and origins that only
 * resemble an allowed one. Credentials are never allowed cross-origin.
 */
import { type AddressInfo, connect } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeApp, type TestApp } from '../serve/helpers/app.js';

describe('host allow-list (default 127.0.0.1, localhost)', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await makeApp();
  });
  afterAll(() => t.app.close());

  const statusFor = async (host: string, url = '/v1/health') =>
    (await t.app.inject({ method: 'GET', url, headers: { host } })).statusCode;

  it.each(['localhost', 'localhost:8080', 'LOCALHOST:1', '127.0.0.1', '127.0.0.1:65535'])(
    '%j is served',
    async (host) => {
      expect(await statusFor(host)).toBe(200);
    },
  );

  it.each([
    'evil.test',
    'localhost.evil.test',
    'evil.test:80@localhost',
    'localhost@evil.test',
    'localhost.',
    '127.0.0.1.nip.io',
    '127.1',
    '2130706433',
    '0x7f000001',
    '[::1]:8080',
    '[::ffff:127.0.0.1]',
  ])('%j is refused with 400 on the public health route and on authenticated routes', async (host) => {
    expect(await statusFor(host)).toBe(400);
    expect(await statusFor(host, '/v1/recipes')).toBe(400);
    expect(await statusFor(host, '/v1/recipes/x:recommend')).toBe(400);
  });
});

describe('host headers only a raw socket can send', () => {
  let t: TestApp;
  let port: number;
  beforeAll(async () => {
    t = await makeApp();
    await t.app.listen({ host: '127.0.0.1', port: 0 });
    port = (t.app.server.address() as AddressInfo).port;
  });
  afterAll(() => t.app.close());

  /** Sends `head` verbatim and returns the status code of the reply. */
  function rawStatus(head: string): Promise<number> {
    return new Promise((resolve, reject) => {
      const socket = connect(port, '127.0.0.1', () => socket.write(`${head}\r\n`));
      let reply = '';
      socket.on('data', (d) => {
        reply += d.toString('latin1');
        const m = /^HTTP\/1\.[01] (\d{3})/.exec(reply);
        if (m) {
          socket.destroy();
          resolve(Number(m[1]));
        }
      });
      socket.on('error', reject);
      socket.setTimeout(5000, () => reject(new Error(`no reply to ${JSON.stringify(head)}`)));
    });
  }

  it.each([
    ['an empty Host', 'GET /v1/health HTTP/1.1\r\nHost: \r\nConnection: close\r\n'],
    ['no Host (HTTP/1.1)', 'GET /v1/health HTTP/1.1\r\nConnection: close\r\n'],
    ['no Host (HTTP/1.0)', 'GET /v1/health HTTP/1.0\r\n'],
    [
      'an evil Host before an allowed one',
      'GET /v1/health HTTP/1.1\r\nHost: evil.test\r\nHost: localhost\r\nConnection: close\r\n',
    ],
    [
      'an absolute URI naming localhost with an evil Host',
      'GET http://localhost/v1/health HTTP/1.1\r\nHost: evil.test\r\nConnection: close\r\n',
    ],
  ])('%s → 400', async (_label, head) => {
    expect(await rawStatus(head)).toBe(400);
  });

  it('the same socket path serves a well-formed request (the probe above is sound)', async () => {
    expect(await rawStatus('GET /v1/health HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n')).toBe(200);
  });
});

describe('host allow-list patterns', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await makeApp({ settings: { allowedHosts: ['*.example.com', 'api.internal'] } });
  });
  afterAll(() => t.app.close());

  it.each([
    ['a.example.com', 200],
    ['a.b.example.com:443', 200],
    ['A.EXAMPLE.COM', 200],
    ['example.com', 400],
    ['evilexample.com', 400],
    ['example.com.evil.test', 400],
    ['a.example.com.evil.test', 400],
    ['api.internal', 200],
    ['api.internal.evil.test', 400],
    ['xapi.internal', 400],
  ])('%j → %i', async (host, status) => {
    expect((await t.app.inject({ method: 'GET', url: '/v1/health', headers: { host } })).statusCode).toBe(status);
  });
});

describe('the www redirect', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await makeApp({ settings: { allowedHosts: ['www.example.com'] } });
  });
  afterAll(() => t.app.close());

  it.each([
    'example.com:1@evil.test',
    'example.com:@evil.test',
    'example.com:80@evil.test:443',
    'example.com:x/@evil.test',
  ])('never sends a client elsewhere than the listed www host (Host %j)', async (host) => {
    const r = await t.app.inject({ method: 'GET', url: '/v1/health', headers: { host } });
    if (r.statusCode === 307) {
      const target = new URL(String(r.headers.location));
      expect(target.hostname).toBe('www.example.com');
      expect(target.username).toBe('');
    } else {
      expect(r.statusCode).toBe(400);
    }
  });

  it('still redirects a plain apex request to the www host with path and query', async () => {
    const r = await t.app.inject({ method: 'GET', url: '/v1/health?x=1', headers: { host: 'example.com:8080' } });
    expect(r.statusCode).toBe(307);
    expect(new URL(String(r.headers.location)).hostname).toBe('www.example.com');
  });
});

describe('CORS with one allowed origin', () => {
  const allowed = 'https://app.example.com';
  let t: TestApp;
  beforeAll(async () => {
    t = await makeApp({ settings: { allowedOrigins: [allowed] } });
  });
  afterAll(() => t.app.close());

  const preflight = (origin: string, method = 'POST') =>
    t.app.inject({
      method: 'OPTIONS',
      url: '/v1/recipes/x:recommend',
      headers: { origin, 'access-control-request-method': method, 'access-control-request-headers': 'x-api-key' },
    });

  it.each([
    'https://app.example.com.evil.test',
    'https://evil.test',
    'https://evilapp.example.com',
    'http://app.example.com',
    'https://app.example.com:8443',
    'https://app.example.com/',
    'HTTPS://APP.EXAMPLE.COM',
    'null',
    '',
  ])('a preflight from %j → 400 without Access-Control-Allow-Origin', async (origin) => {
    const r = await preflight(origin);
    expect(r.statusCode).toBe(400);
    expect(r.headers['access-control-allow-origin']).toBeUndefined();
    expect(r.headers['access-control-allow-credentials']).toBeUndefined();
  });

  it('the allowed origin gets its preflight answered, without credentials, and only for GET/POST/OPTIONS', async () => {
    const ok = await preflight(allowed);
    expect(ok.statusCode).toBe(200);
    expect(ok.headers['access-control-allow-origin']).toBe(allowed);
    expect(ok.headers['access-control-allow-credentials']).toBeUndefined();
    expect(ok.headers.vary).toContain('Origin');
    for (const method of ['DELETE', 'PUT', 'PATCH']) {
      const r = await preflight(allowed, method);
      expect(r.statusCode).toBe(400);
      expect(r.headers['access-control-allow-origin']).toBeUndefined();
    }
  });

  it('simple requests: other origins get no CORS headers, the allowed one never gets credentials', async () => {
    const other = await t.app.inject({ method: 'GET', url: '/v1/health', headers: { origin: 'https://evil.test' } });
    expect(other.statusCode).toBe(200);
    expect(Object.keys(other.headers).filter((h) => h.startsWith('access-control-'))).toEqual([]);
    const mine = await t.app.inject({ method: 'GET', url: '/v1/health', headers: { origin: allowed } });
    expect(mine.headers['access-control-allow-origin']).toBe(allowed);
    expect(mine.headers['access-control-allow-credentials']).toBeUndefined();
  });

  it('a cross-origin request still needs an allowed Host to reach a route', async () => {
    const r = await t.app.inject({
      method: 'GET',
      url: '/v1/recipes',
      headers: { origin: allowed, host: 'rebound.evil.test' },
    });
    expect(r.statusCode).toBe(400);
  });
});

describe('CORS default and wildcard', () => {
  it('off by default: no allow-origin for anyone, preflights included', async () => {
    const t = await makeApp();
    try {
      const r = await t.app.inject({
        method: 'OPTIONS',
        url: '/v1/health',
        headers: { origin: 'https://evil.test', 'access-control-request-method': 'GET' },
      });
      expect(r.headers['access-control-allow-origin']).toBeUndefined();
    } finally {
      await t.app.close();
    }
  });

  it('"*" answers with a literal * and still never allows credentials', async () => {
    const t = await makeApp({ settings: { allowedOrigins: ['*'] } });
    try {
      const r = await t.app.inject({ method: 'GET', url: '/v1/health', headers: { origin: 'https://any.test' } });
      expect(r.headers['access-control-allow-origin']).toBe('*');
      expect(r.headers['access-control-allow-credentials']).toBeUndefined();
    } finally {
      await t.app.close();
    }
  });
});
