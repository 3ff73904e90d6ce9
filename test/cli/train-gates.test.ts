import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { generateRunId, parseEnvVarEntries, RUN_ID_PATTERN } from '../../src/cli/prepare/train.js';
import { resetLoggingForTests } from '../../src/log/index.js';
import { runInProcess, tempDir } from './helpers.js';

const COMPANION = '--dev-allow-unsigned requires --i-understand-this-loads-arbitrary-code to also be passed.';
const DEV_FLAGS = ['--dev-allow-unsigned', '--i-understand-this-loads-arbitrary-code'];

let dir: ReturnType<typeof tempDir>;
let recipe: string;
const neverRuns = {
  train: async () => {
    throw new Error('the training body must not run when a gate refuses');
  },
};

beforeAll(() => {
  dir = tempDir('recotem-cli-train-');
  recipe = join(dir.path, 'r.yaml');
  writeFileSync(recipe, 'name: r\n');
});
afterAll(() => dir.remove());
afterEach(() => resetLoggingForTests());

describe('train gating, steps 2–5', () => {
  it('step 2: --dev-allow-unsigned without the companion flag → exit 8', async () => {
    const r = await runInProcess(['train', recipe, '--dev-allow-unsigned'], { RECOTEM_ENV: 'development' }, neverRuns);
    expect(r.code).toBe(8);
    expect(r.stderr).toEqual([COMPANION]);
  });

  it.each([
    [{}, ''],
    [{ RECOTEM_ENV: 'production' }, 'production'],
    [{ RECOTEM_ENV: 'dev' }, 'dev'],
    [{ RECOTEM_ENV: 'test' }, 'test'],
    [{ RECOTEM_ENV: ' staging ' }, ' staging '],
  ])('step 3: RECOTEM_ENV must be development (env %j) → exit 8', async (env, raw) => {
    const r = await runInProcess(['train', recipe, ...DEV_FLAGS], env, neverRuns);
    expect(r.code).toBe(8);
    expect(r.stderr).toEqual([`--dev-allow-unsigned requires RECOTEM_ENV=development. Current RECOTEM_ENV='${raw}'.`]);
  });

  it('step 2 is checked before step 3', async () => {
    const r = await runInProcess(['train', recipe, '--dev-allow-unsigned'], { RECOTEM_ENV: 'production' }, neverRuns);
    expect(r.stderr).toEqual([COMPANION]);
  });

  it.each(['-2', '-0.5', '-1.5', '-inf'])('step 4: --lock-timeout %s → exit 8', async (value) => {
    const r = await runInProcess(['train', recipe, `--lock-timeout=${value}`], {}, neverRuns);
    expect(r.code).toBe(8);
    expect(r.stderr).toHaveLength(1);
    expect(r.stderr[0]).toMatch(/^--lock-timeout must be 0 .*-1 .*positive/);
  });

  it('step 4 comes after the dev gate', async () => {
    const r = await runInProcess(['train', recipe, '--dev-allow-unsigned', '--lock-timeout', '-5'], {}, neverRuns);
    expect(r.stderr).toEqual([COMPANION]);
  });

  it('step 5: an --env-var without "=" → exit 2, after the lock-timeout check', async () => {
    const r = await runInProcess(['train', recipe, '--env-var', 'A=1', '--env-var', 'BROKEN'], {}, neverRuns);
    expect(r.code).toBe(2);
    expect(r.stderr).toEqual(["--env-var 'BROKEN' must be in KEY=VALUE format."]);
    const first = await runInProcess(['train', recipe, '--env-var', 'BROKEN', '--lock-timeout', '-3'], {}, neverRuns);
    expect(first.code).toBe(8);
  });
});

describe('parseEnvVarEntries', () => {
  it('splits on the first "=", allows empty values, later duplicates win', () => {
    expect(parseEnvVarEntries(['A=1', 'B=x=y', 'C=', 'A=2'])).toEqual({
      ok: true,
      vars: { A: '2', B: 'x=y', C: '' },
    });
  });
  it('reports the first malformed entry', () => {
    expect(parseEnvVarEntries(['A=1', 'NOPE', 'ALSO'])).toEqual({ ok: false, entry: 'NOPE' });
  });
});

describe('run ids', () => {
  it('generates 12 lower-case hex chars', () => {
    const ids = new Set(Array.from({ length: 50 }, generateRunId));
    expect(ids.size).toBe(50);
    for (const id of ids) expect(id).toMatch(/^[0-9a-f]{12}$/);
  });
  it('accepts [A-Za-z0-9_.-]{1,64} only, fully matched', () => {
    for (const ok of ['a', 'run-2024.01_x', 'A'.repeat(64)]) expect(RUN_ID_PATTERN.test(ok)).toBe(true);
    for (const bad of ['', 'A'.repeat(65), 'has space', 'slash/x', 'new\nline', 'run\n', 'é']) {
      expect(RUN_ID_PATTERN.test(bad)).toBe(false);
    }
  });
});
