/**
 * The compiled code runs on the single-file copies of Fastify and yaml that `npm run build`
 * bundles into dist/vendor, while every other test drives the sources (and so the packages): these
 * check the bundled copies serve the same app and read recipes the same way. They need the build
 * (`npm test` runs it first) and fail, rather than skip, without it.
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseRecipeYaml } from '../../src/recipe/yaml.js';

const ROOT = join(import.meta.dirname, '../..');
const VENDOR = join(ROOT, 'dist/vendor');
const built = existsSync(join(VENDOR, 'fastify.cjs')) && existsSync(join(VENDOR, 'yaml.cjs'));

function runCompiled(script: string): Record<string, unknown> {
  expect(built, 'dist/vendor is missing: run `npm run build` first').toBe(true);
  const r = spawnSync(process.execPath, ['--input-type=module', '-e', script], {
    cwd: ROOT,
    env: { PATH: process.env.PATH ?? '', DIST: join(ROOT, 'dist') },
    encoding: 'utf8',
    timeout: 60_000,
  });
  expect(r.status, r.stderr).toBe(0);
  return JSON.parse(r.stdout.trim().split('\n').at(-1) ?? '{}');
}

const LOADED = `Object.keys(createRequire(import.meta.url).cache)`;

const SERVE = `
import { createRequire } from 'node:module';
const { buildServer } = await import(process.env.DIST + '/serve/index.js');
const app = await buildServer({ settings: { metricsEnabled: true } });
const out = {};
for (const [method, url] of [['GET', '/v1/health'], ['DELETE', '/v1/health'], ['GET', '/nope'], ['GET', '/v1/metrics']]) {
  out[method + ' ' + url] = (await app.inject({ method, url })).statusCode;
}
out.metrics = (await app.inject({ url: '/v1/metrics' })).body.includes('recotem_v1_requests_total');
await app.close();
out.modules = ${LOADED}.filter((f) => f.includes('fastify'));
console.log(JSON.stringify(out));
`;

const RECIPE = `name: r
source: {type: csv, path: data.csv}
flags: [yes, off, ~, 1_000, 0x1f, 1.5e3, .inf, 2026-12-07, "quoted"]
nested:
  a: &anchor {x: 1}
  b: *anchor
`;

const YAML = `
import { createRequire } from 'node:module';
const { parseRecipeYaml } = await import(process.env.DIST + '/recipe/yaml.js');
const text = ${JSON.stringify(RECIPE)};
const parsed = parseRecipeYaml(text, 'r.yaml');
let duplicate = null;
try { parseRecipeYaml('a: 1\\na: 2\\n', 'd.yaml'); } catch (err) { duplicate = err.message; }
const data = JSON.stringify(parsed.data);
const position = parsed.locate(['nested', 'b']);
console.log(JSON.stringify({ data, position, duplicate, modules: ${LOADED}.filter((f) => f.includes('yaml')) }));
`;

describe('the bundled packages of the build', () => {
  it('Fastify: serves the app and replaces the package', () => {
    const out = runCompiled(SERVE);
    expect(out).toMatchObject({
      'GET /v1/health': 200,
      'DELETE /v1/health': 405,
      'GET /nope': 404,
      'GET /v1/metrics': 200,
      metrics: true,
    });
    expect(out.modules).toContain(join(VENDOR, 'fastify.cjs'));
    expect((out.modules as string[]).filter((f) => f.includes('node_modules/fastify/'))).toEqual([]);
  });

  it('yaml: reads a recipe exactly as the package does', () => {
    const out = runCompiled(YAML);
    const parsed = parseRecipeYaml(RECIPE, 'r.yaml');
    expect(out.data).toBe(JSON.stringify(parsed.data));
    expect(out.position).toEqual(parsed.locate(['nested', 'b']));
    let duplicate: string | null = null;
    try {
      parseRecipeYaml('a: 1\na: 2\n', 'd.yaml');
    } catch (err) {
      duplicate = (err as Error).message;
    }
    expect(duplicate).not.toBeNull();
    expect(out.duplicate).toBe(duplicate);
    expect(out.modules).toEqual([join(VENDOR, 'yaml.cjs')]);
  });
});
