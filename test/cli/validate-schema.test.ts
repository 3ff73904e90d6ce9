import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { resetSourceRegistryForTests } from '../../src/data/sources/registry.js';
import { resetLoggingForTests } from '../../src/log/index.js';
import { recipeYaml, ref, writeTestPlugins } from './fixtures.js';
import { runInProcess, tempDir } from './helpers.js';

let dir: ReturnType<typeof tempDir>;
let plugins: string;

function recipeFile(name: string, source: string): string {
  const file = join(dir.path, `${name}.yaml`);
  writeFileSync(file, recipeYaml(name, source));
  return file;
}

beforeAll(() => {
  dir = tempDir('recotem-cli-validate-');
  plugins = writeTestPlugins(dir.path);
});
afterAll(() => dir.remove());
beforeEach(() => resetSourceRegistryForTests());
afterEach(() => {
  resetSourceRegistryForTests();
  resetLoggingForTests();
});

describe('recotem validate', () => {
  it('probes the source when it can be probed, never fetches', async () => {
    const g = globalThis as { __recotemProbeCalls?: number };
    const before = g.__recotemProbeCalls ?? 0;
    const file = recipeFile('ok', `  type: probe_ok\n  table: ${ref('RECOTEM_RECIPE_TABLE')}`);
    const r = await runInProcess(['validate', file], { RECOTEM_PLUGINS: plugins, RECOTEM_RECIPE_TABLE: 'events' });
    expect(r.stderr).toEqual([]);
    expect(r.stdout).toEqual(["Recipe 'ok': schema OK", 'DataSource: probe OK (probe_ok)', 'Validation passed.']);
    expect(r.code).toBe(0);
    expect(g.__recotemProbeCalls).toBe(before + 1);
  });

  it('reports a source without probe as extras OK', async () => {
    const r = await runInProcess(['validate', recipeFile('np', '  type: no_probe')], { RECOTEM_PLUGINS: plugins });
    expect(r.code).toBe(0);
    expect(r.stdout).toEqual([
      "Recipe 'np': schema OK",
      'DataSource: extras OK (no_probe, no probe defined)',
      'Validation passed.',
    ]);
  });

  it('a failing probe: stderr line, data-source exit code 3', async () => {
    const r = await runInProcess(['validate', recipeFile('pf', '  type: probe_fails')], { RECOTEM_PLUGINS: plugins });
    expect(r.code).toBe(3);
    expect(r.stdout).toEqual(["Recipe 'pf': schema OK"]);
    expect(r.stderr).toEqual(['DataSource probe failed: warehouse unreachable']);
  });

  it('an unexpected failure while building the source: exit 1', async () => {
    const r = await runInProcess(['validate', recipeFile('cf', '  type: create_fails')], { RECOTEM_PLUGINS: plugins });
    expect(r.code).toBe(1);
    expect(r.stderr).toEqual(['DataSource probe failed: driver exploded']);
  });

  it('a recipe error: "Recipe validation failed", exit 2, nothing on stdout', async () => {
    const file = recipeFile('missing_env', `  type: probe_ok\n  table: ${ref('RECOTEM_RECIPE_NOT_SET')}`);
    const r = await runInProcess(['validate', file], { RECOTEM_PLUGINS: plugins });
    expect(r.code).toBe(2);
    expect(r.stdout).toEqual([]);
    expect(r.stderr).toHaveLength(1);
    expect(r.stderr[0]).toMatch(/^Recipe validation failed: .*RECOTEM_RECIPE_NOT_SET/);
  });

  it('an unknown source type is a recipe error (exit 2)', async () => {
    const r = await runInProcess(['validate', recipeFile('unk', '  type: nosuchsource')], { RECOTEM_PLUGINS: plugins });
    expect(r.code).toBe(2);
    expect(r.stderr[0]).toMatch(/^Recipe validation failed: /);
  });

  it('a plugin discovery failure is a recipe error (exit 2)', async () => {
    const r = await runInProcess(['validate', recipeFile('disc', '  type: probe_ok')], {
      RECOTEM_PLUGINS: join(dir.path, 'no-such-module.mjs#plugin'),
    });
    expect(r.code).toBe(2);
    expect(r.stderr[0]).toMatch(/^Recipe validation failed: Data source plugin discovery failed: /);
  });
});

describe('recotem schema', () => {
  it('prints a JSON Schema naming every built-in source type; logs stay off stdout', async () => {
    const r = await runInProcess(['schema'], { RECOTEM_LOG_FORMAT: 'json' });
    expect(r.code).toBe(0);
    expect(r.stderr).toEqual([]);
    expect(r.stdout).toHaveLength(1);
    const text = r.stdout[0]!;
    expect(text.split('\n')[1]).toMatch(/^ {2}"/); // 2-space indentation
    const schema = JSON.parse(text) as Record<string, unknown>;
    expect(schema).toHaveProperty('properties');
    for (const type of ['csv', 'parquet', 'bigquery']) expect(text).toContain(`"${type}"`);
  });

  it('a plugin discovery failure: "Schema generation failed", mapped code', async () => {
    const r = await runInProcess(['schema'], { RECOTEM_PLUGINS: join(dir.path, 'missing.mjs#x') });
    expect(r.code).toBe(3);
    expect(r.stdout).toEqual([]);
    expect(r.stderr[0]).toMatch(/^Schema generation failed: /);
  });
});
