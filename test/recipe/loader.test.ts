// biome-ignore-all lint/suspicious/noTemplateCurlyInString: recipes spell env references as ${NAME}
import { writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ExitCode, exitCodeFor, RecipeError } from '../../src/errors/index.js';
import { captureLogs, type LogCapture } from '../../src/log/capture.js';
import { loadRecipe } from '../../src/recipe/index.js';
import { baseRecipe, builtinRegistry, load, loadError, type TempDir, tempDir, toYaml, withField } from './helpers.js';

const FULL_EXAMPLE = `name: news_articles
source:
  type: csv
  path: s3://bucket/interactions-\${RECOTEM_RECIPE_DATE}.csv.gz
  dtype: {user_id: str, item_id: str}
schema:
  user_column: user_id
  item_column: item_id
  time_column: ts
cleansing:
  drop_null_ids: true
  dedup: keep_last
  min_rows: 5000
training:
  algorithms: [IALS, CosineKNN, TopPop]
  metric: ndcg
  cutoff: 20
  n_trials: 40
  per_algorithm_trials: {IALS: 24, CosineKNN: 12, TopPop: 4}
  timeout_seconds: 1800
  split: {scheme: time_user, heldout_ratio: 0.1, seed: 42}
output:
  path: ./artifacts/news_articles.recotem
  versioning: append_sha
`;

let logs: LogCapture;
let tmp: TempDir;
beforeEach(() => {
  logs = captureLogs();
  tmp = tempDir();
});
afterEach(() => {
  logs.stop();
  tmp.cleanup();
});

describe('the full example recipe', () => {
  it('loads with every field typed and every default filled', async () => {
    const file = tmp.file('news.yaml', FULL_EXAMPLE);
    const registry = await builtinRegistry();
    const recipe = await loadRecipe(file, { registry, env: { RECOTEM_RECIPE_DATE: '2026-04-01' } });
    expect(recipe.name).toBe('news_articles');
    expect(recipe.source).toEqual({
      type: 'csv',
      path: 's3://bucket/interactions-2026-04-01.csv.gz',
      delimiter: ',',
      encoding: 'utf-8',
      header: 0,
      dtype: { user_id: 'str', item_id: 'str' },
      sha256: null,
    });
    expect(recipe.schema).toEqual({
      user_column: 'user_id',
      item_column: 'item_id',
      time_column: 'ts',
      time_unit: null,
    });
    expect(recipe.cleansing).toEqual({
      drop_null_ids: true,
      dedup: 'keep_last',
      min_rows: 5000,
      min_users: null,
      min_items: null,
    });
    expect(recipe.training).toEqual({
      algorithms: ['IALSRecommender', 'CosineKNNRecommender', 'TopPopRecommender'],
      metric: 'ndcg',
      cutoff: 20,
      n_trials: 40,
      per_algorithm_trials: { IALS: 24, CosineKNN: 12, TopPop: 4 },
      per_trial_timeout_seconds: null,
      timeout_seconds: 1800,
      parallelism: 1,
      storage_path: '',
      split: { scheme: 'time_user', heldout_ratio: 0.1, test_user_ratio: 1, seed: 42 },
    });
    expect(recipe.output).toEqual({
      path: './artifacts/news_articles.recotem',
      versioning: 'append_sha',
      promotion_gate: null,
    });
    expect(recipe.item_metadata).toBeNull();
    expect(recipe.serving).toEqual({ unknown_user: 'error', max_history: 100 });
    expect(logs.events('recipe_loaded')).toEqual([expect.objectContaining({ name: 'news_articles', path: file })]);
  });

  it('returns a deeply frozen recipe', async () => {
    const recipe = await load(FULL_EXAMPLE, { env: { RECOTEM_RECIPE_DATE: 'x' } });
    expect(Object.isFrozen(recipe)).toBe(true);
    expect(Object.isFrozen(recipe.training.split)).toBe(true);
    expect(Object.isFrozen(recipe.source)).toBe(true);
    expect(() => {
      (recipe as { name: string }).name = '../escape';
    }).toThrow(TypeError);
  });
});

describe('file reading and YAML parsing', () => {
  it('reports an unreadable file as an io error', async () => {
    const registry = await builtinRegistry();
    const missing = path.join(tmp.dir, 'absent.yaml');
    const err = await loadRecipe(missing, { registry }).catch((e) => e);
    expect(err).toBeInstanceOf(RecipeError);
    expect(err.category).toBe('io');
    expect(err.message).toMatch(new RegExp(`^Cannot read recipe file '${missing}': `));
    expect(exitCodeFor(err)).toBe(ExitCode.RECIPE);
  });

  it('rejects bytes that are not UTF-8 as an io error', async () => {
    const registry = await builtinRegistry();
    const file = path.join(tmp.dir, 'latin.yaml');
    writeFileSync(file, Buffer.from([0x6e, 0x61, 0x6d, 0x65, 0x3a, 0x20, 0xe9, 0x0a]));
    const err = await loadRecipe(file, { registry }).catch((e) => e);
    expect(err.category).toBe('io');
    expect(err.message).toContain('not valid UTF-8');
  });

  it('reports syntax errors with line and column', async () => {
    const err = await loadError('name: x\nsource: a: b\n');
    expect(err.category).toBe('parse');
    expect(err.message).toBe(
      "YAML parse error in 'recipe.yaml': Nested mappings are not allowed in compact mappings at line 2, column 9",
    );
    expect([err.line, err.column]).toEqual([2, 9]);
    // The location is already in the message, so toString adds nothing.
    expect(err.toString()).toBe(err.message);
  });

  it('rejects duplicate keys, pointing at the second one', async () => {
    const err = await loadError('name: a\nschema:\n  user_column: u\n  item_column: i\n  user_column: v\n');
    expect(err.category).toBe('parse');
    expect(err.message).toBe("YAML parse error in 'recipe.yaml': duplicate key 'user_column' at line 5, column 3");
    expect([err.line, err.column]).toEqual([5, 3]);
    expect(err.message).toContain('line 5, column 3');
  });

  it('rejects documents that are not a mapping', async () => {
    for (const text of ['- a\n- b\n', 'just a string\n', '', '# only a comment\n', '42\n']) {
      const err = await loadError(text);
      expect(err.category).toBe('parse');
      expect(err.message).toBe("Recipe 'recipe.yaml' must be a YAML mapping at the top level.");
    }
  });

  it('rejects several documents in one file', async () => {
    const err = await loadError('name: a\n---\nname: b\n');
    expect(err.category).toBe('parse');
    expect(err.message).toContain('expected a single document');
    expect(err.line).toBe(2);
  });

  it('rejects custom and non-plain tags', async () => {
    for (const text of ['name: !foo x\n', 'name: !!python/object x\n', 'name: !!binary aGk=\n', 'x: !!set {a, b}\n']) {
      const err = await loadError(text);
      expect(err.category).toBe('parse');
      expect(err.line).toBe(1);
    }
  });

  it('rejects alias explosions but accepts anchors for plain data', async () => {
    const bomb = `a: &a [1,1,1,1,1,1,1,1,1,1]
b: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a,*a]
c: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b,*b]
`;
    expect((await loadError(bomb)).category).toBe('parse');
    const noSchema = toYaml(withField(baseRecipe(), 'schema', undefined));
    const aliased = await load(`${noSchema}schema: {user_column: &col uid, item_column: *col}\n`);
    expect(aliased.schema).toMatchObject({ user_column: 'uid', item_column: 'uid' });
    const merged = await load(`${noSchema}schema:\n  <<: {user_column: u, item_column: x}\n  item_column: i\n`);
    expect(merged.schema).toMatchObject({ user_column: 'u', item_column: 'i' });
  });

  it('types scalars as PyYAML does (YAML 1.1)', async () => {
    // Unquoted yes/on are booleans, so they fail string fields; y and n stay strings.
    const yes = await loadError(toYaml(baseRecipe()).replace('user_column: user_id', 'user_column: yes'));
    expect(yes.message).toContain('schema.user_column: Input should be a valid string');
    const y = await load(toYaml(baseRecipe()).replace('user_column: user_id', 'user_column: y'));
    expect(y.schema.user_column).toBe('y');
    // A date is a Date, which string fields reject; 1e3 stays a string (PyYAML needs a dot).
    const date = await loadError(toYaml(baseRecipe()).replace('user_column: user_id', 'user_column: 2026-04-01'));
    expect(date.message).toContain('schema.user_column: Input should be a valid string (line');
    const exp = await load(toYaml(baseRecipe()).replace('user_column: user_id', 'user_column: 1e3'));
    expect(exp.schema.user_column).toBe('1e3');
    // Octal 017 is 15 in YAML 1.1; 0o17 is a string.
    const octal = await load(
      toYaml(withField(baseRecipe(), 'training.n_trials', 1)).replace('n_trials: 1', 'n_trials: 017'),
    );
    expect(octal.training.n_trials).toBe(15);
  });
});

describe('the loading order', () => {
  it('reports source errors before errors elsewhere', async () => {
    let data = withField(baseRecipe(), 'source.delimiter_typo', ';');
    data = withField(data, 'training.n_trials', 0);
    const err = await loadError(toYaml(data));
    expect(err.message).toMatch(
      /^Recipe 'recipe.yaml' source failed validation:\n {2}- source.delimiter_typo: Extra inputs are not permitted \(line \d+, column \d+\)$/,
    );
    expect(err.category).toBe('unknown');
  });

  it('reports path-policy errors before any schema error', async () => {
    let data = withField(baseRecipe(), 'output.path', 'http://example.com/x.recotem');
    data = withField(data, 'training.n_trials', 0);
    data = withField(data, 'source.bogus', 1);
    const err = await loadError(toYaml(data));
    expect(err.category).toBe('security');
    expect(err.message).toMatch(/^'output.path' uses scheme 'http:\/\/' which is not supported\./);
  });

  it('checks the name before paths', async () => {
    const data = withField(withField(baseRecipe(), 'name', 'bad name'), 'output.path', 'ftp://x/y');
    const err = await loadError(toYaml(data));
    expect(err.category).toBe('schema');
    expect(err.message).toMatch(/^Recipe name 'bad name' must match \^\[A-Za-z0-9_-\]\{1,64\}\$\./);
  });

  it('fails an unknown source type during expansion, naming the known types', async () => {
    const err = await loadError(toYaml(withField(baseRecipe(), 'source.type', 'mongo')));
    expect(err.category).toBe('schema');
    expect(err.message).toMatch(
      /^plugin source discovery failed for type 'mongo': Unknown DataSource type 'mongo'\. Known types: \['bigquery', 'csv', 'parquet', 'sql'\]\./,
    );
    expect(err.line).toBe(3);
  });

  it('wraps a registry that throws during lookup', async () => {
    const registry = await builtinRegistry();
    const broken = {
      get: () => {
        throw new Error('registry exploded');
      },
      knownTypes: () => registry.knownTypes(),
    };
    const err = await loadError(toYaml(baseRecipe()), { registry: broken });
    expect(err.message).toMatch(/^Failed to resolve source plugin 'csv' during recipe load: registry exploded/);
  });

  it('reports a missing or empty name', async () => {
    for (const name of [undefined, '', 0, false, null, []]) {
      const err = await loadError(toYaml(withField(baseRecipe(), 'name', name)));
      expect(err.category).toBe('schema');
      expect(err.message).toMatch(/^Recipe 'recipe.yaml' is missing the required 'name' field\./);
    }
  });

  it('checks the name regex on the string form, then the model rejects non-strings', async () => {
    const long = 'a'.repeat(65);
    expect((await loadError(toYaml(withField(baseRecipe(), 'name', long)))).category).toBe('schema');
    expect((await loadError(toYaml(withField(baseRecipe(), 'name', 'ü')))).category).toBe('schema');
    const numeric = await loadError(toYaml(withField(baseRecipe(), 'name', 123)));
    expect(numeric.category).toBe('unknown');
    expect(numeric.message).toContain('  - name: Input should be a valid string (line 1, column 7)');
    const ok = await load(toYaml(withField(baseRecipe(), 'name', 'A-z_09')));
    expect(ok.name).toBe('A-z_09');
  });

  it('takes the name from an env var', async () => {
    const recipe = await load(toYaml(withField(baseRecipe(), 'name', '${RECOTEM_RECIPE_NAME}')), {
      env: { RECOTEM_RECIPE_NAME: 'from_env' },
    });
    expect(recipe.name).toBe('from_env');
    const bad = await loadError(toYaml(withField(baseRecipe(), 'name', '${RECOTEM_RECIPE_NAME}')), {
      env: { RECOTEM_RECIPE_NAME: 'not ok' },
    });
    expect(bad.category).toBe('schema');
  });

  it('requires the source type discriminator', async () => {
    for (const type of [undefined, '', null]) {
      const err = await loadError(toYaml(withField(baseRecipe(), 'source.type', type)));
      expect(err.category).toBe('schema');
      expect(err.message).toMatch(/^Recipe 'recipe.yaml' source is missing the 'type' discriminator\./);
    }
  });

  it('rejects a source that is missing, null or not a mapping at model validation', async () => {
    const missing = await loadError(toYaml(withField(baseRecipe(), 'source', undefined)));
    expect(missing.message).toBe("Recipe 'recipe.yaml' failed validation:\n  - source: Field required");
    for (const value of [null, 'csv', ['csv']]) {
      const err = await loadError(toYaml(withField(baseRecipe(), 'source', value)));
      expect(err.message).toMatch(
        /^Recipe 'recipe.yaml' failed validation:\n {2}- source: Input should be a source mapping/,
      );
      expect(err.message).toContain("known types: ['bigquery', 'csv', 'parquet', 'sql']");
    }
  });
});

describe('error formatting', () => {
  it('lists every schema error with its dotted location, line and column', async () => {
    const text = `name: r
source: {type: csv, path: x.csv}
schema:
  user_column: u
  item_column: i
training:
  algorithms: [IALS]
  n_trials: 0
  cutoff: abc
output:
  versioning: append_sha
`;
    const err = await loadError(text, {}, 'r.yaml');
    expect(err.message).toBe(
      [
        "Recipe 'r.yaml' failed validation:",
        '  - training.cutoff: Input should be a valid integer, unable to parse string as an integer (line 9, column 11)',
        '  - training.n_trials: Input should be greater than or equal to 1 (line 8, column 13)',
        '  - output.path: Field required (line 10, column 1)',
      ].join('\n'),
    );
    expect([err.line, err.column]).toEqual([9, 11]);
    expect(err.toString()).toBe(err.message);
    expect(err.file).toBe('r.yaml');
  });

  it('points extra keys at the key itself', async () => {
    const base = toYaml(baseRecipe());
    const keyLine = base.split('\n').length;
    const err = await loadError(`${base}traning:\n  n_trials: 3\n`);
    expect(err.message).toContain(`  - traning: Extra inputs are not permitted (line ${keyLine}, column 1)`);
  });

  it('rejects the schema_ alias and every unknown nested key', async () => {
    const text = toYaml({
      ...withField(baseRecipe(), 'schema', undefined),
      schema_: { user_column: 'u', item_column: 'i' },
    });
    const err = await loadError(text);
    expect(err.message).toContain('  - schema: Field required');
    expect(err.message).toContain('  - schema_: Extra inputs are not permitted');
    for (const field of ['schema.x', 'cleansing.x', 'training.x', 'training.split.x', 'output.x', 'serving.x']) {
      const e = await loadError(toYaml(withField(baseRecipe(), field, 1)));
      expect(e.message).toContain(`  - ${field}: Extra inputs are not permitted`);
    }
  });

  it('treats a literal __proto__ key as an ordinary unknown key', async () => {
    const err = await loadError(`${toYaml(baseRecipe())}__proto__: {polluted: true}\n`);
    expect(err.message).toContain('  - __proto__: Extra inputs are not permitted');
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });
});
