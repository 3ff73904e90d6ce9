// biome-ignore-all lint/suspicious/noTemplateCurlyInString: recipes spell env references as ${NAME}
/**
 * Secret exfiltration through recipe `${...}` expansion: every
 * blacklist entry, in every kind of recipe position, from the environment and from --env-var, in
 * any letter case; query subtrees copied verbatim; and the secret's value never appears in the
 * error, its rendering, the logs or a CLI's output.
 */
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RecipeError } from '../../src/errors/index.js';
import { captureLogs, type LogCapture } from '../../src/log/index.js';
import { isBlacklistedEnvName } from '../../src/recipe/index.js';
import { assertNoSecrets, registerSecret } from '../helpers/secrets.js';
import { baseRecipe, load, toYaml, withField } from '../recipe/helpers.js';

const canary = (name: string) => registerSecret(`canary-${name}-${randomBytes(12).toString('hex')}`, `env ${name}`);

/** One representative of every blacklist rule, plus names that simply lack the prefix. */
const BLOCKED = [
  'RECOTEM_SIGNING_KEYS',
  'RECOTEM_API_KEYS',
  'recotem_signing_keys',
  'Recotem_Api_Keys',
  'AWS_SECRET_ACCESS_KEY',
  'AWS_REGION',
  'GCP_PROJECT',
  'GOOGLE_APPLICATION_CREDENTIALS',
  'AZURE_STORAGE_CONNECTION_STRING',
  'ALIYUN_ACCESS',
  'ALICLOUD_ID',
  'OCI_CLI_USER',
  'IBM_CLOUD_ID',
  'DO_SPACES',
  'HCLOUD_SERVER',
  'DIGITALOCEAN_ACCESS',
  'RECOTEM_RECIPE_SECRET',
  'RECOTEM_RECIPE_DB_PASSWORD',
  'RECOTEM_RECIPE_PASSWD',
  'RECOTEM_RECIPE_TOKEN',
  'RECOTEM_RECIPE_APIKEY',
  'RECOTEM_RECIPE_KEYBOARD',
  'RECOTEM_RECIPE_AUTHOR',
  'RECOTEM_RECIPE_BEARER',
  'RECOTEM_RECIPE_CREDS',
  'RECOTEM_RECIPE_PRIVATE_BUCKET',
  'recotem_recipe_token',
  'HOME',
  'PATH',
  'DATABASE_URL',
  'RECOTEM_RECIPEX',
  ' RECOTEM_RECIPE_PADDED',
];

/** Recipe positions a reference can sit in (dotted path → value built around the reference). */
const POSITIONS: [string, (ref: string) => unknown][] = [
  ['name', (ref) => ref],
  ['source.path', (ref) => `s3://bucket/${ref}/data.csv`],
  ['source.dtype', (ref) => ({ user_id: ref })],
  ['schema.user_column', (ref) => `prefix-${ref}-suffix`],
  ['training.algorithms', (ref) => ['TopPop', ref]],
  ['output.path', (ref) => `./${ref}.recotem`],
  ['item_metadata', (ref) => ({ type: 'csv', path: `/data/${ref}.csv`, fields: [ref] })],
];

let env: Record<string, string>;
let logs: LogCapture;
beforeAll(() => {
  env = Object.fromEntries(BLOCKED.map((name) => [name, canary(name.trim() || 'blank')]));
  env.RECOTEM_RECIPE_OK = 'fine';
  logs = captureLogs();
});
afterAll(() => logs.stop());

function expectNoValues(text: string): void {
  for (const value of Object.values(env)) if (value !== 'fine') expect(text).not.toContain(value);
}

async function rejection(data: Record<string, unknown>, opts: { envVars?: Record<string, string> } = {}) {
  try {
    await load(toYaml(data), { env, ...opts });
  } catch (err) {
    expect(err).toBeInstanceOf(RecipeError);
    return err as RecipeError;
  }
  throw new Error('the recipe was accepted');
}

describe('blacklisted and unprefixed references are refused, naming the variable only', () => {
  it.each(BLOCKED)('%s, in every recipe position', async (name) => {
    expect(name.toUpperCase().startsWith('RECOTEM_RECIPE_') && !isBlacklistedEnvName(name)).toBe(false);
    for (const [field, build] of POSITIONS) {
      const err = await rejection(withField(baseRecipe(), field, build(`\${${name}}`)));
      expect(err.message).toContain(`'\${${name}}'`);
      expect(err.message).toMatch(/is blacklisted|is not allowed in a recipe/);
      expectNoValues(`${err.message}\n${err.toString()}\n${err.stack ?? ''}\n${String(err.cause ?? '')}`);
    }
  });

  it('also when the value comes from --env-var, and after an allowed reference in the same string', async () => {
    const envVars = {
      RECOTEM_SIGNING_KEYS: env.RECOTEM_SIGNING_KEYS,
      AWS_SECRET_ACCESS_KEY: env.AWS_SECRET_ACCESS_KEY,
    };
    for (const name of Object.keys(envVars)) {
      const data = withField(baseRecipe(), 'output.path', `./\${RECOTEM_RECIPE_OK}/\${${name}}.recotem`);
      const err = await rejection(data, { envVars });
      expectNoValues(err.message);
    }
  });

  it('any name containing a blacklisted fragment, in any case and position, is refused (property)', async () => {
    const fragment = fc.constantFrom(
      'SECRET',
      'PASSWORD',
      'PASSWD',
      'TOKEN',
      'KEY',
      'AUTH',
      'BEARER',
      'CRED',
      'PRIVATE',
    );
    const word = fc.stringMatching(/^[A-Za-z0-9_]{0,8}$/);
    const mixedCase = (s: string, flips: boolean[]) =>
      [...s].map((c, i) => (flips[i % flips.length] ? c.toLowerCase() : c)).join('');
    await fc.assert(
      fc.asyncProperty(word, fragment, word, fc.array(fc.boolean(), { minLength: 1 }), async (a, f, b, flips) => {
        const name = mixedCase(`RECOTEM_RECIPE_${a}${f}${b}`, flips);
        const value = `leak-${a}${b}-${'z'.repeat(30)}`;
        const data = withField(baseRecipe(), 'schema.item_column', `\${${name}}`);
        const err = await load(toYaml(data), { env: { [name]: value } }).catch((e: unknown) => e);
        expect(err).toBeInstanceOf(RecipeError);
        expect((err as RecipeError).message).toContain('is blacklisted');
        expect((err as RecipeError).message).not.toContain(value);
      }),
      { numRuns: 150 },
    );
  });
});

describe('what is not expanded stays literal', () => {
  it('query and query_parameters subtrees are copied verbatim, so no secret reaches them', async () => {
    const sql = {
      type: 'sql',
      dsn_env: 'RECOTEM_RECIPE_DSN',
      query: "SELECT '${RECOTEM_SIGNING_KEYS}' AS k, '${AWS_SECRET_ACCESS_KEY}' AS a",
      query_parameters: { p: '${RECOTEM_API_KEYS}', q: '${RECOTEM_RECIPE_OK}' },
    };
    const recipe = await load(toYaml(withField(baseRecipe(), 'source', sql)), { env });
    expect(recipe.source).toMatchObject({
      query: "SELECT '${RECOTEM_SIGNING_KEYS}' AS k, '${AWS_SECRET_ACCESS_KEY}' AS a",
      query_parameters: { p: '${RECOTEM_API_KEYS}', q: '${RECOTEM_RECIPE_OK}' },
    });
    expectNoValues(JSON.stringify(recipe));
  });

  it('an allowed value that itself spells a reference is never expanded again', async () => {
    const recipe = await load(toYaml(withField(baseRecipe(), 'schema.user_column', '${RECOTEM_RECIPE_INDIRECT}')), {
      env: { ...env, RECOTEM_RECIPE_INDIRECT: '${RECOTEM_SIGNING_KEYS}' },
    });
    expect(recipe.schema.user_column).toBe('${RECOTEM_SIGNING_KEYS}');
  });

  it('no log line emitted while loading all of the above carries a value', () => {
    expectNoValues(logs.text());
  });
});

describe('through the CLI', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'recotem-sec-env-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('recotem validate refuses the reference with exit 2 and prints no secret', () => {
    const recipe = join(dir, 'exfil.yaml');
    writeFileSync(recipe, toYaml(withField(baseRecipe(), 'source.path', 's3://b/${RECOTEM_SIGNING_KEYS}.csv')));
    const signing = registerSecret(`leak:${randomBytes(32).toString('hex')}`, 'cli signing keys');
    const r = spawnSync(
      process.execPath,
      ['--import', 'tsx', join(import.meta.dirname, '../../src/cli/entry.ts'), 'validate', recipe],
      { env: { ...process.env, RECOTEM_SIGNING_KEYS: signing, RECOTEM_LOG_FORMAT: 'json' }, encoding: 'utf8' },
    );
    expect(r.status).toBe(2);
    expect(r.stderr).toContain("Environment variable '${RECOTEM_SIGNING_KEYS}' is blacklisted");
    assertNoSecrets(r.stdout + r.stderr, 'recotem validate output');
  });
});
