/**
 * The compiled server runs on the single-file Fastify `npm run build` bundles into dist/vendor,
 * while every other test drives the sources (and so the package): this checks the bundled copy
 * serves the same app. Skipped when the build has not run.
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const ROOT = join(import.meta.dirname, '../..');
const BUNDLE = join(ROOT, 'dist/vendor/fastify.cjs');

const SCRIPT = `
import { createRequire } from 'node:module';
const { buildServer } = await import(process.env.SERVE_MODULE);
const app = await buildServer({ settings: { metricsEnabled: true } });
const out = {};
for (const [method, url] of [['GET', '/v1/health'], ['DELETE', '/v1/health'], ['GET', '/nope'], ['GET', '/v1/metrics']]) {
  const r = await app.inject({ method, url });
  out[method + ' ' + url] = r.statusCode;
}
out.metrics = (await app.inject({ url: '/v1/metrics' })).body.includes('recotem_v1_requests_total');
await app.close();
out.modules = Object.keys(createRequire(import.meta.url).cache).filter((f) => f.includes('fastify'));
console.log(JSON.stringify(out));
`;

describe('the bundled Fastify of the build', () => {
  it.skipIf(!existsSync(BUNDLE))('serves the app and replaces the package', () => {
    const r = spawnSync(process.execPath, ['--input-type=module', '-e', SCRIPT], {
      cwd: ROOT,
      env: { PATH: process.env.PATH ?? '', SERVE_MODULE: join(ROOT, 'dist/serve/index.js') },
      encoding: 'utf8',
      timeout: 60_000,
    });
    expect(r.status, r.stderr).toBe(0);
    const out = JSON.parse(r.stdout.trim().split('\n').at(-1) ?? '{}');
    expect(out).toMatchObject({
      'GET /v1/health': 200,
      'DELETE /v1/health': 405,
      'GET /nope': 404,
      'GET /v1/metrics': 200,
      metrics: true,
    });
    expect(out.modules).toContain(BUNDLE);
    expect(out.modules.filter((f: string) => f.includes('node_modules/fastify/'))).toEqual([]);
  });
});
