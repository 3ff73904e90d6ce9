// biome-ignore-all lint/suspicious/noTemplateCurlyInString: recipes spell env references as ${NAME}
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { captureLogs, type LogCapture } from '../../src/log/capture.js';
import { isBlacklistedEnvName } from '../../src/recipe/index.js';
import { baseRecipe, load, loadError, toYaml, withField } from './helpers.js';

let logs: LogCapture;
beforeEach(() => {
  logs = captureLogs();
});
afterEach(() => logs.stop());

/** Loads the base recipe with `schema.user_column` set to `value`; returns the expanded column. */
async function expandColumn(
  value: string,
  opts: { env?: Record<string, string>; envVars?: Record<string, string> } = {},
) {
  const recipe = await load(toYaml(withField(baseRecipe(), 'schema.user_column', value)), opts);
  return recipe.schema.user_column;
}

async function columnError(
  value: string,
  opts: { env?: Record<string, string>; envVars?: Record<string, string> } = {},
) {
  return loadError(toYaml(withField(baseRecipe(), 'schema.user_column', value)), opts);
}

describe('${NAME} expansion', () => {
  it('substitutes every reference in a string, keeping the rest', async () => {
    const env = { RECOTEM_RECIPE_A: 'x', RECOTEM_RECIPE_B: 'y' };
    expect(await expandColumn('${RECOTEM_RECIPE_A}-${RECOTEM_RECIPE_B}-${RECOTEM_RECIPE_A}', { env })).toBe('x-y-x');
  });

  it('leaves $NAME, ${} and unterminated references literal', async () => {
    const env = { RECOTEM_RECIPE_A: 'x' };
    expect(await expandColumn('$RECOTEM_RECIPE_A', { env })).toBe('$RECOTEM_RECIPE_A');
    expect(await expandColumn('${}', { env })).toBe('${}');
    expect(await expandColumn('${RECOTEM_RECIPE_A', { env })).toBe('${RECOTEM_RECIPE_A');
  });

  it('looks up --env-var values before the environment, exact case', async () => {
    const env = { RECOTEM_RECIPE_A: 'from-env', recotem_recipe_x: 'lower' };
    expect(await expandColumn('${RECOTEM_RECIPE_A}', { env, envVars: { RECOTEM_RECIPE_A: 'from-flag' } })).toBe(
      'from-flag',
    );
    expect(await expandColumn('${RECOTEM_RECIPE_A}', { env })).toBe('from-env');
    // The prefix check is case-insensitive, the lookup is not.
    expect(await expandColumn('${recotem_recipe_x}', { env })).toBe('lower');
    const err = await columnError('${RECOTEM_RECIPE_X}', { env });
    expect(err.message).toMatch(
      /^Environment variable '\$\{RECOTEM_RECIPE_X\}' is referenced in the recipe but is not set\./,
    );
  });

  it('does not re-scan substituted text', async () => {
    const env = { RECOTEM_RECIPE_A: '${RECOTEM_RECIPE_A}', RECOTEM_RECIPE_B: '${RECOTEM_RECIPE_A}' };
    expect(await expandColumn('${RECOTEM_RECIPE_A}', { env })).toBe('${RECOTEM_RECIPE_A}');
    expect(await expandColumn('${RECOTEM_RECIPE_B}', { env })).toBe('${RECOTEM_RECIPE_A}');
  });

  it('allows empty values with a warning naming the variable', async () => {
    expect(await expandColumn('a${RECOTEM_RECIPE_EMPTY}b', { env: { RECOTEM_RECIPE_EMPTY: '' } })).toBe('ab');
    expect(logs.events('recipe_env_var_empty')).toEqual([expect.objectContaining({ name: 'RECOTEM_RECIPE_EMPTY' })]);
  });

  it('has no default syntax: ${A:-b} is a variable named "A:-b"', async () => {
    const err = await columnError('${A:-b}');
    expect(err.message).toMatch(/^Environment variable '\$\{A:-b\}' is not allowed in a recipe\./);
  });

  it('expands list items and nested values, never keys, never non-strings', async () => {
    const env = { RECOTEM_RECIPE_ALGO: 'IALS', RECOTEM_RECIPE_T: '5', RECOTEM_RECIPE_KEY_NAME: 'unused' };
    let data = withField(baseRecipe(), 'training.algorithms', ['${RECOTEM_RECIPE_ALGO}', 'TopPop']);
    data = withField(data, 'training.per_algorithm_trials', { '${RECOTEM_RECIPE_ALGO}': '${RECOTEM_RECIPE_T}' });
    const err = await loadError(toYaml(data), { env });
    // The key is not expanded, so it does not resolve to any listed algorithm.
    expect(err.message).toContain("not in algorithms: ['${RECOTEM_RECIPE_ALGO}']");
    data = withField(data, 'training.per_algorithm_trials', { IALS: '${RECOTEM_RECIPE_T}' });
    const recipe = await load(toYaml(data), { env });
    expect(recipe.training.algorithms).toEqual(['IALSRecommender', 'TopPopRecommender']);
    expect(recipe.training.per_algorithm_trials).toEqual({ IALS: 5 });
  });

  it('copies query and query_parameters verbatim at any depth', async () => {
    const bigquery = {
      type: 'bigquery',
      query: 'SELECT "${RECOTEM_RECIPE_Q}"',
      query_parameters: { p: '${RECOTEM_RECIPE_Q}', nested: { q: '${AWS_SECRET}' } },
      project: '${RECOTEM_RECIPE_GCP_PROJECT}',
    };
    const recipe = await load(toYaml(withField(baseRecipe(), 'source', bigquery)), {
      env: { RECOTEM_RECIPE_GCP_PROJECT: 'billing' },
    });
    expect(recipe.source).toMatchObject({
      query: 'SELECT "${RECOTEM_RECIPE_Q}"',
      query_parameters: { p: '${RECOTEM_RECIPE_Q}', nested: { q: '${AWS_SECRET}' } },
      project: 'billing',
    });
    // Outside `source` too, and whatever the key's case: an unknown key holding a blacklisted
    // reference fails as an unknown key, not as an env error.
    const err = await loadError(toYaml(withField(baseRecipe(), 'output.Query', '${AWS_SECRET}')));
    expect(err.message).toContain('  - output.Query: Extra inputs are not permitted');
  });

  it("skips the plugin's noExpandFields inside source (sql: query and dsn_env)", async () => {
    const sql = { type: 'sql', dsn_env: 'RECOTEM_RECIPE_DSN', query: 'SELECT ${RECOTEM_RECIPE_COL} FROM t' };
    const recipe = await load(toYaml(withField(baseRecipe(), 'source', sql)));
    expect(recipe.source.query).toBe('SELECT ${RECOTEM_RECIPE_COL} FROM t');
    // csv has none: its path is expanded.
    const csv = await load(toYaml(withField(baseRecipe(), 'source.path', '${RECOTEM_RECIPE_P}.csv')), {
      env: { RECOTEM_RECIPE_P: 'data' },
    });
    expect(csv.source.path).toBe('data.csv');
  });

  it('names the variable and its line and column but never its value', async () => {
    const secret = 'p4ssw0rd-value';
    const text = toYaml(withField(baseRecipe(), 'output.path', '${RECOTEM_RECIPE_OUT}/${HOME}'));
    const err = await loadError(text, { env: { RECOTEM_RECIPE_OUT: secret, HOME: secret } });
    expect(err.message).toMatch(
      /^Environment variable '\$\{HOME\}' is not allowed in a recipe\. Only variables with the prefix 'RECOTEM_RECIPE_' are expanded\./,
    );
    expect(err.message).not.toContain(secret);
    expect(err.category).toBe('unknown');
    const outputLine = text.split('\n').findIndex((l) => l.includes('${RECOTEM_RECIPE_OUT}')) + 1;
    expect(err.line).toBe(outputLine);
    expect(err.message).toContain(`(in 'recipe.yaml' at line ${outputLine}, column 9)`);
  });
});

describe('the blacklist', () => {
  it('matches the spec examples', () => {
    for (const name of [
      'RECOTEM_SIGNING_KEYS',
      'RECOTEM_API_KEYS',
      'AWS_REGION',
      'aws_region',
      'GCP_PROJECT',
      'GOOGLE_APPLICATION_CREDENTIALS',
      'AZURE_X',
      'ALIYUN_X',
      'ALICLOUD_X',
      'OCI_X',
      'IBM_X',
      'DO_X',
      'HCLOUD_X',
      'DIGITALOCEAN_X',
      'RECOTEM_RECIPE_PARTITION_KEY',
      'RECOTEM_RECIPE_APIKEY',
      'RECOTEM_RECIPE_KEYBOARD',
      'RECOTEM_RECIPE_AUTHOR',
      'RECOTEM_RECIPE_SECRET',
      'RECOTEM_RECIPE_PASSWORD',
      'RECOTEM_RECIPE_PASSWD',
      'RECOTEM_RECIPE_TOKEN',
      'RECOTEM_RECIPE_BEARER',
      'RECOTEM_RECIPE_CRED',
      'RECOTEM_RECIPE_PRIVATE',
      'recotem_recipe_db_token',
    ]) {
      expect(isBlacklistedEnvName(name), name).toBe(true);
    }
    for (const name of ['RECOTEM_RECIPE_GCP_PROJECT', 'RECOTEM_RECIPE_DATE', 'HOME', 'RECOTEM_RECIPE_DOMAIN']) {
      expect(isBlacklistedEnvName(name), name).toBe(false);
    }
  });

  it('checks the blacklist before the prefix, then the value', async () => {
    const env = { AWS_REGION: 'eu', RECOTEM_RECIPE_AUTHOR: 'me', HOME: '/root' };
    const blacklisted = await columnError('${AWS_REGION}', { env });
    expect(blacklisted.message).toMatch(
      /^Environment variable '\$\{AWS_REGION\}' is blacklisted and cannot be used in a recipe\./,
    );
    const substring = await columnError('${RECOTEM_RECIPE_AUTHOR}', { env });
    expect(substring.message).toContain('is blacklisted');
    const notAllowed = await columnError('${HOME}', { env });
    expect(notAllowed.message).toContain('is not allowed in a recipe');
    // --env-var keys that fail the checks are never usable, but are not rejected up front.
    const viaFlag = await columnError('${AWS_REGION}', { envVars: { AWS_REGION: 'x' } });
    expect(viaFlag.message).toContain('is blacklisted');
    expect(await expandColumn('plain', { envVars: { AWS_REGION: 'x' } })).toBe('plain');
  });

  it('the first failing reference wins', async () => {
    const err = await columnError('${RECOTEM_RECIPE_MISSING}${AWS_REGION}');
    expect(err.message).toContain("'${RECOTEM_RECIPE_MISSING}' is referenced in the recipe but is not set");
  });
});
