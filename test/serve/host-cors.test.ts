/** Host allow-list and CORS. */
import { afterEach, describe, expect, it } from 'vitest';
import { checkHost, hostName } from '../../src/serve/http/plugins/host.js';
import { makeApp, type TestApp } from './helpers/app.js';

let t: TestApp | undefined;
afterEach(async () => {
  await t?.app.close();
  t = undefined;
});

describe('host allow-list', () => {
  it('parses the host part of Host headers, bracketed IPv6 included', () => {
    expect(hostName('localhost:8080')).toBe('localhost');
    expect(hostName('API.Example.com')).toBe('api.example.com');
    expect(hostName('[::1]:8080')).toBe('[::1]');
    expect(hostName(undefined)).toBe('');
  });

  it('matches exactly, by wildcard subdomain (not the apex) and with *', () => {
    expect(checkHost('localhost', ['127.0.0.1', 'localhost'])).toBe('allow');
    expect(checkHost('a.example.com', ['*.example.com'])).toBe('allow');
    expect(checkHost('example.com', ['*.example.com'])).toBe('deny');
    expect(checkHost('anything', ['*'])).toBe('allow');
    expect(checkHost('[::1]', ['::1'])).toBe('allow');
    expect(checkHost('example.com', ['www.example.com'])).toBe('www');
    expect(checkHost('', ['localhost'])).toBe('deny');
  });

  it('rejects a disallowed Host with 400 text on every route, health included', async () => {
    t = await makeApp();
    for (const url of ['/v1/health', '/v1/recipes', '/nope']) {
      const r = await t.app.inject({ method: 'GET', url, headers: { host: 'evil.test:8080' } });
      expect(r.statusCode).toBe(400);
      expect(r.body).toBe('Invalid host header');
      expect(r.headers['content-type']).toMatch(/^text\/plain/);
    }
    const ok = await t.app.inject({ method: 'GET', url: '/v1/health', headers: { host: '127.0.0.1:8080' } });
    expect(ok.statusCode).toBe(200);
  });

  it('redirects to the www host when only that one is listed', async () => {
    t = await makeApp({ settings: { allowedHosts: ['www.example.com'] } });
    const r = await t.app.inject({ method: 'GET', url: '/v1/health?x=1', headers: { host: 'example.com' } });
    expect(r.statusCode).toBe(307);
    expect(r.headers.location).toBe('http://www.example.com/v1/health?x=1');
  });
});

describe('CORS', () => {
  const origin = 'https://app.example';

  it('is off by default: no CORS headers, OPTIONS is 405', async () => {
    t = await makeApp();
    const r = await t.app.inject({ method: 'GET', url: '/v1/health', headers: { origin } });
    expect(r.headers['access-control-allow-origin']).toBeUndefined();
    const pre = await t.app.inject({
      method: 'OPTIONS',
      url: '/v1/health',
      headers: { origin, 'access-control-request-method': 'GET' },
    });
    expect(pre.statusCode).toBe(405);
  });

  it('answers an allowed preflight once the Host is allowed, and refuses it with another Host', async () => {
    t = await makeApp({ settings: { allowedOrigins: [origin] } });
    const preflight = (host: string) =>
      t!.app.inject({
        method: 'OPTIONS',
        url: '/v1/recipes/demo:recommend',
        headers: {
          host,
          origin,
          'access-control-request-method': 'POST',
          'access-control-request-headers': 'x-api-key, content-type',
          'x-request-id': 'pre1',
        },
      });
    const r = await preflight('localhost');
    expect(r.statusCode).toBe(200);
    expect(r.body).toBe('OK');
    expect(r.headers['access-control-allow-origin']).toBe(origin);
    expect(r.headers['access-control-allow-methods']).toBe('GET, POST, OPTIONS');
    expect(r.headers['access-control-allow-headers']).toBe('x-api-key, content-type');
    expect(r.headers['access-control-max-age']).toBe('600');
    expect(r.headers.vary).toBe('Origin');
    expect(r.headers['access-control-allow-credentials']).toBeUndefined();
    expect(r.headers['x-request-id']).toBe('pre1');
    const other = await preflight('not-allowed.test');
    expect([other.statusCode, other.body]).toEqual([400, 'Invalid host header']);
    expect(other.headers['access-control-allow-origin']).toBeUndefined();
    expect(other.headers['x-request-id']).toBe('pre1');
  });

  it('rejects a preflight from another origin or for another method with 400 text and no allow-origin', async () => {
    t = await makeApp({ settings: { allowedOrigins: [origin] } });
    const bad = await t.app.inject({
      method: 'OPTIONS',
      url: '/v1/health',
      headers: { origin: 'https://evil.test', 'access-control-request-method': 'GET' },
    });
    expect(bad.statusCode).toBe(400);
    expect(bad.body).toBe('Disallowed CORS origin');
    expect(bad.headers['access-control-allow-origin']).toBeUndefined();
    const both = await t.app.inject({
      method: 'OPTIONS',
      url: '/v1/health',
      headers: { origin: 'https://evil.test', 'access-control-request-method': 'DELETE' },
    });
    expect(both.body).toBe('Disallowed CORS origin, method');
    const method = await t.app.inject({
      method: 'OPTIONS',
      url: '/v1/health',
      headers: { origin, 'access-control-request-method': 'PUT' },
    });
    expect(method.body).toBe('Disallowed CORS method');
  });

  it('decorates simple requests from allowed origins only', async () => {
    t = await makeApp({ settings: { allowedOrigins: [origin] } });
    const r = await t.app.inject({ method: 'GET', url: '/v1/health', headers: { origin } });
    expect(r.headers['access-control-allow-origin']).toBe(origin);
    expect(r.headers['access-control-expose-headers']).toBe(
      'X-Request-ID, X-Recotem-Model-Version, X-Recotem-Items-Degraded',
    );
    expect(r.headers.vary).toBe('Origin');
    const other = await t.app.inject({ method: 'GET', url: '/v1/health', headers: { origin: 'https://evil.test' } });
    expect(other.statusCode).toBe(200);
    expect(other.headers['access-control-allow-origin']).toBeUndefined();
    const rejected = await t.app.inject({ method: 'GET', url: '/v1/recipes', headers: { origin } });
    expect(rejected.statusCode).toBe(200);
    expect(rejected.headers['access-control-allow-origin']).toBe(origin);
  });

  it('non-preflight OPTIONS still falls through to 405', async () => {
    t = await makeApp({ settings: { allowedOrigins: [origin] } });
    const r = await t.app.inject({ method: 'OPTIONS', url: '/v1/health', headers: { origin } });
    expect(r.statusCode).toBe(405);
  });
});
