import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { TrainCommandOptions } from '../../src/cli/index.js';
import { resetSourceRegistryForTests } from '../../src/data/sources/registry.js';
import { ConfigError, TrainingError } from '../../src/errors/index.js';
import { resetLoggingForTests } from '../../src/log/index.js';
import { recipeYaml, ref, writeTestPlugins } from './fixtures.js';
import { runInProcess, tempDir } from './helpers.js';

let dir: ReturnType<typeof tempDir>;
let env: Record<string, string>;
let goodRecipe: string;
let badRecipe: string;
let received: TrainCommandOptions[] = [];
const bodies = {
  train: async (opts: TrainCommandOptions) => {
    received.push(opts);
    return 0;
  },
};

beforeAll(() => {
  dir = tempDir('recotem-cli-train-recipe-');
  env = { RECOTEM_PLUGINS: writeTestPlugins(dir.path) };
  goodRecipe = join(dir.path, 'good.yaml');
  writeFileSync(goodRecipe, recipeYaml('good', `  type: no_probe\n  table: ${ref('RECOTEM_RECIPE_TABLE')}`));
  badRecipe = join(dir.path, 'bad.yaml');
  writeFileSync(badRecipe, 'name: bad\nsource: {type: no_probe}\n');
});
afterAll(() => dir.remove());
beforeEach(() => resetSourceRegistryForTests());
afterEach(() => {
  received = [];
  resetSourceRegistryForTests();
  resetLoggingForTests();
});

describe('train steps 6–8', () => {
  it('loads the recipe with --env-var values and hands the body every option', async () => {
    const r = await runInProcess(
      [
        'train',
        goodRecipe,
        '--env-var',
        'RECOTEM_RECIPE_TABLE=first',
        '--env-var=RECOTEM_RECIPE_TABLE=a=b',
        '--no-lock',
        '--fail-on-busy',
        '--lock-timeout',
        '-1',
        '-q',
        '-v',
        '--run-id',
        'nightly-2024.06_01',
      ],
      env,
      bodies,
    );
    expect(r.stderr).toEqual([]);
    expect(r.code).toBe(0);
    const opts = received[0]!;
    expect(opts.recipe.name).toBe('good');
    expect(opts.recipe.source.table).toBe('a=b');
    expect(opts.registry.knownTypes()).toContain('no_probe');
    expect(opts).toMatchObject({
      recipePath: goodRecipe,
      envVars: { RECOTEM_RECIPE_TABLE: 'a=b' },
      runId: 'nightly-2024.06_01',
      lock: false,
      failOnBusy: true,
      lockTimeoutSeconds: -1,
      quiet: true,
      verbose: true,
      devAllowUnsigned: false,
    });
    expect(process.env.RECOTEM_RECIPE_TABLE).toBeUndefined();
  });

  it('defaults: lock on, timeout 0, a random 12-hex run id', async () => {
    const r = await runInProcess(['train', goodRecipe, '--env-var', 'RECOTEM_RECIPE_TABLE=t'], env, bodies);
    expect(r.code).toBe(0);
    expect(received[0]).toMatchObject({ lock: true, failOnBusy: false, lockTimeoutSeconds: 0, quiet: false });
    expect(received[0]?.runId).toMatch(/^[0-9a-f]{12}$/);
  });

  it('the dev flags reach the body when RECOTEM_ENV=development', async () => {
    const r = await runInProcess(
      [
        'train',
        goodRecipe,
        '--env-var',
        'RECOTEM_RECIPE_TABLE=t',
        '--dev-allow-unsigned',
        '--i-understand-this-loads-arbitrary-code',
      ],
      { ...env, RECOTEM_ENV: ' DEVELOPMENT ' },
      bodies,
    );
    expect(r.code).toBe(0);
    expect(received[0]?.devAllowUnsigned).toBe(true);
  });

  it('step 6: a recipe failure prints "Recipe error" and exits 2', async () => {
    const r = await runInProcess(['train', goodRecipe], env, bodies);
    expect(r.code).toBe(2);
    expect(r.stderr).toHaveLength(1);
    expect(r.stderr[0]).toMatch(/^Recipe error: .*RECOTEM_RECIPE_TABLE/);
    expect(received).toEqual([]);
  });

  it('step 7: a bad --run-id exits 2, but only after the recipe loaded (a bad recipe wins)', async () => {
    const bad = await runInProcess(
      ['train', goodRecipe, '--env-var', 'RECOTEM_RECIPE_TABLE=t', '--run-id', 'has space'],
      env,
      bodies,
    );
    expect(bad.code).toBe(2);
    expect(bad.stderr).toEqual(['--run-id must match [A-Za-z0-9_.-]{1,64}.']);
    const both = await runInProcess(['train', badRecipe, '--run-id', 'x/y'], env, bodies);
    expect(both.code).toBe(2);
    expect(both.stderr[0]).toMatch(/^Recipe error: /);
    const tooLong = await runInProcess(
      ['train', goodRecipe, '--env-var', 'RECOTEM_RECIPE_TABLE=t', '--run-id', 'r'.repeat(65)],
      env,
      bodies,
    );
    expect(tooLong.code).toBe(2);
    expect(received).toEqual([]);
  });

  it('step 8: a pipeline failure prints "Training failed" with the mapped code', async () => {
    const args = ['train', goodRecipe, '--env-var', 'RECOTEM_RECIPE_TABLE=t'];
    const failing = await runInProcess(args, env, {
      train: async () => {
        throw new TrainingError('no trial produced a score', 'zero_score');
      },
    });
    expect(failing.code).toBe(4);
    expect(failing.stderr).toEqual(['Training failed: no trial produced a score']);
    const missingKeys = await runInProcess(args, env, {
      train: async () => {
        throw new TrainingError('RECOTEM_SIGNING_KEYS is not set', 'signing_key_missing');
      },
    });
    expect(missingKeys.code).toBe(8);
    const config = await runInProcess(args, env, {
      train: async () => {
        throw new ConfigError('bad lock dir');
      },
    });
    expect(config.code).toBe(8);
    expect(config.stderr).toEqual(['Training failed: bad lock dir']);
  });
});
