/** The console's static files: headers on every answer, caching, gzip, 404s and the on/off switch. */
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { captureLogs } from '../../../src/log/index.js';
import { CONSOLE_CSP } from '../../../src/serve/console/routes.js';
import { API_KEY, keyEntries, makeApp } from '../helpers/app.js';
import { tempDir } from '../helpers/server.js';

let dir: string;
let cleanup: () => Promise<void>;
const INDEX = '<!doctype html><title>console</title><script type="module" src="/console/assets/app-1a2b.js"></script>';
const SCRIPT = `console.log(${JSON.stringify('x'.repeat(2000))});`;

beforeAll(async () => {
  ({ dir, cleanup } = await tempDir('recotem-console-assets-'));
  await mkdir(join(dir, 'assets'));
  await writeFile(join(dir, 'index.html'), INDEX);
  await writeFile(join(dir, 'assets', 'app-1a2b.js'), SCRIPT);
  await writeFile(join(dir, 'assets', 'notes.unknown'), 'not served');
});
afterAll(() => cleanup());

function expectSecurityHeaders(headers: Record<string, unknown>) {
  expect(headers['content-security-policy']).toBe(CONSOLE_CSP);
  expect(headers['x-frame-options']).toBe('DENY');
  expect(headers['x-content-type-options']).toBe('nosniff');
}

describe('console routes', () => {
  it('serves index.html at /console/ (and redirects /console) with a strict CSP and no framing', async () => {
    const { app } = await makeApp({ settings: { console: true, consoleDir: dir } });
    const redirect = await app.inject({ method: 'GET', url: '/console' });
    expect(redirect.statusCode).toBe(308);
    expect(redirect.headers.location).toBe('/console/');
    const page = await app.inject({ method: 'GET', url: '/console/' });
    expect(page.statusCode).toBe(200);
    expect(page.headers['content-type']).toBe('text/html; charset=utf-8');
    expect(page.headers['cache-control']).toBe('no-cache');
    expect(page.body).toBe(INDEX);
    expectSecurityHeaders(page.headers);
    expect(CONSOLE_CSP).toContain("script-src 'self'");
    expect(CONSOLE_CSP).not.toContain('unsafe-inline');
    expect(CONSOLE_CSP).toContain("frame-ancestors 'none'");
    await app.close();
  });

  it('serves hashed assets for good, gzipped when the client accepts it', async () => {
    const { app } = await makeApp({ settings: { console: true, consoleDir: dir } });
    const plain = await app.inject({ method: 'GET', url: '/console/assets/app-1a2b.js' });
    expect(plain.statusCode).toBe(200);
    expect(plain.headers['content-type']).toBe('text/javascript; charset=utf-8');
    expect(plain.headers['cache-control']).toContain('immutable');
    expect(plain.headers['content-encoding']).toBeUndefined();
    expect(plain.body).toBe(SCRIPT);
    const gz = await app.inject({
      method: 'GET',
      url: '/console/assets/app-1a2b.js',
      headers: { 'accept-encoding': 'gzip, br' },
    });
    expect(gz.headers['content-encoding']).toBe('gzip');
    expect(gz.rawPayload.length).toBeLessThan(SCRIPT.length / 5);
    expect(gunzipSync(gz.rawPayload).toString()).toBe(SCRIPT);
    expectSecurityHeaders(gz.headers);
    await app.close();
  });

  it('answers 404 for anything that is not a built file, and 405 for other methods', async () => {
    const { app } = await makeApp({ settings: { console: true, consoleDir: dir } });
    for (const url of [
      '/console/missing.js',
      '/console/assets/notes.unknown',
      '/console/%2e%2e/package.json',
      '/console/../../package.json',
      '/console/assets/',
    ]) {
      const r = await app.inject({ method: 'GET', url });
      expect(r.statusCode, url).toBe(404);
    }
    const missing = await app.inject({ method: 'GET', url: '/console/missing.js' });
    expectSecurityHeaders(missing.headers);
    const post = await app.inject({ method: 'POST', url: '/console/', payload: {} });
    expect(post.statusCode).toBe(405);
    await app.close();
  });

  it('is absent when switched off, and when the package was built without it (logged)', async () => {
    const off = await makeApp({ settings: { console: false, consoleDir: dir } });
    expect((await off.app.inject({ method: 'GET', url: '/console/' })).statusCode).toBe(404);
    await off.app.close();
    const logs = captureLogs();
    try {
      const missing = await makeApp({ settings: { console: true, consoleDir: join(dir, 'nowhere') } });
      expect((await missing.app.inject({ method: 'GET', url: '/console/' })).statusCode).toBe(404);
      expect(logs.events('console_assets_missing')).toHaveLength(1);
      await missing.app.close();
    } finally {
      logs.stop();
    }
  });

  it('needs no API key for the files, while the API behind them still does', async () => {
    const { app } = await makeApp({
      settings: { console: true, consoleDir: dir, apiKeys: keyEntries(['k1', API_KEY]) },
    });
    expect((await app.inject({ method: 'GET', url: '/console/' })).statusCode).toBe(200);
    expect((await app.inject({ method: 'GET', url: '/v1/overview' })).statusCode).toBe(401);
    await app.close();
  });
});
