// biome-ignore-all lint/suspicious/noTemplateCurlyInString: recipes spell env references as ${NAME}
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { RecipeError } from '../../src/errors/index.js';
import { captureLogs, type LogCapture } from '../../src/log/capture.js';
import { ALGORITHM_ALIASES, CANONICAL_ALGORITHMS, resolveAlgorithmName } from '../../src/recipe/index.js';
import { baseRecipe, load, loadError, toYaml, withField } from './helpers.js';

let logs: LogCapture;
beforeEach(() => {
  logs = captureLogs();
});
afterEach(() => logs.stop());

/** Loads `base` with `field` set to `value`; returns the error message (or undefined when accepted). */
async function messageFor(field: string, value: unknown, base = baseRecipe()): Promise<string | undefined> {
  try {
    await load(toYaml(withField(base, field, value)));
    return undefined;
  } catch (err) {
    if (err instanceof RecipeError) return err.message;
    throw err;
  }
}

async function expectAccepted(field: string, values: unknown[], base = baseRecipe()): Promise<void> {
  for (const value of values)
    expect(await messageFor(field, value, base), `${field}=${JSON.stringify(value)}`).toBeUndefined();
}

async function expectRejected(field: string, values: unknown[], message: string, base = baseRecipe()): Promise<void> {
  for (const value of values) {
    const got = await messageFor(field, value, base);
    expect(got, `${field}=${JSON.stringify(value)}`).toContain(message);
  }
}

describe('field rules', () => {
  it('schema section', async () => {
    await expectAccepted('schema.time_unit', ['s', 'ms', 'us', 'ns', null]);
    await expectRejected(
      'schema.time_unit',
      ['sec', 'S', ''],
      "schema.time_unit: String should match pattern '^(s|ms|us|ns)$'",
    );
    await expectRejected('schema.user_column', [undefined], 'schema.user_column: Field required');
    await expectAccepted('schema.time_column', ['ts', null]);
  });

  it('cleansing section', async () => {
    await expectAccepted('cleansing.dedup', ['keep_first', 'keep_last', 'none']);
    await expectRejected(
      'cleansing.dedup',
      ['sum_weight', 'KEEP_LAST'],
      "cleansing.dedup: String should match pattern '^(keep_first|keep_last|none)$'",
    );
    for (const field of ['min_rows', 'min_users', 'min_items']) {
      await expectAccepted(`cleansing.${field}`, [0, 5, null]);
      await expectRejected(
        `cleansing.${field}`,
        [-1],
        `cleansing.${field}: Input should be greater than or equal to 0`,
      );
    }
  });

  it('training section', async () => {
    await expectAccepted('training.metric', ['ndcg', 'map', 'recall', 'hit']);
    await expectRejected(
      'training.metric',
      ['NDCG', 'auc'],
      "training.metric: String should match pattern '^(ndcg|map|recall|hit)$'",
    );
    for (const field of ['cutoff', 'n_trials', 'parallelism']) {
      await expectAccepted(`training.${field}`, [1, 7]);
      await expectRejected(
        `training.${field}`,
        [0, -3],
        `training.${field}: Input should be greater than or equal to 1`,
      );
      await expectRejected(`training.${field}`, [null], `training.${field}: Input should be a valid integer`);
    }
    for (const field of ['per_trial_timeout_seconds', 'timeout_seconds']) {
      await expectAccepted(`training.${field}`, [1, null, 3600]);
      await expectRejected(`training.${field}`, [0], `training.${field}: Input should be greater than or equal to 1`);
    }
    await expectAccepted('training.storage_path', ['', 'sqlite:///study.db']);
    await expectRejected('training.storage_path', [5], 'training.storage_path: Input should be a valid string');
  });

  it('training.split section', async () => {
    await expectAccepted('training.split.scheme', ['random']);
    await expectRejected(
      'training.split.scheme',
      ['time'],
      "String should match pattern '^(random|time_global|time_user)$'",
    );
    await expectAccepted('training.split.heldout_ratio', [0.01, 0.5, 0.99]);
    await expectRejected(
      'training.split.heldout_ratio',
      [0, -0.1],
      'training.split.heldout_ratio: Input should be greater than 0',
    );
    await expectRejected(
      'training.split.heldout_ratio',
      [1, 2],
      'training.split.heldout_ratio: Input should be less than 1',
    );
    await expectAccepted('training.split.test_user_ratio', [1, 0.3]);
    await expectRejected('training.split.test_user_ratio', [0], 'Input should be greater than 0');
    await expectRejected('training.split.test_user_ratio', [1.5], 'Input should be less than or equal to 1');
    await expectAccepted('training.split.seed', [-5, 0, 2 ** 40]);
  });

  it('output section', async () => {
    await expectAccepted('output.versioning', ['always_overwrite', 'append_sha']);
    await expectRejected(
      'output.versioning',
      ['never'],
      "String should match pattern '^(always_overwrite|append_sha)$'",
    );
    await expectRejected('output.path', [undefined], 'output.path: Field required');
    const recipe = await load(toYaml(withField(baseRecipe(), 'output.path', 'relative/dir/m.recotem')));
    expect(recipe.output.path).toBe('relative/dir/m.recotem');
  });

  it('item_metadata section', async () => {
    const meta = { type: 'csv', path: './items.csv', fields: ['title'] };
    const base = withField(baseRecipe(), 'item_metadata', meta);
    const recipe = await load(toYaml(base));
    expect(recipe.item_metadata).toEqual({
      type: 'csv',
      path: './items.csv',
      sha256: null,
      fields: ['title'],
      on_field_missing: 'error',
      item_id_column: 'item_id',
      filterable: [],
    });
    await expectAccepted('item_metadata.type', ['parquet'], base);
    await expectRejected(
      'item_metadata.type',
      ['json'],
      "item_metadata.type: String should match pattern '^(csv|parquet)$'",
      base,
    );
    await expectRejected(
      'item_metadata.fields',
      [[]],
      'item_metadata.fields: List should have at least 1 item after validation, not 0',
      base,
    );
    await expectRejected(
      'item_metadata.on_field_missing',
      ['ignore'],
      "String should match pattern '^(error|null)$'",
      base,
    );
    await expectRejected(
      'item_metadata.item_id_column',
      ['', '   ', '\t'],
      'item_metadata.item_id_column: item_id_column must not be empty or whitespace-only',
      base,
    );
    await expectRejected(
      'item_metadata.sha256',
      ['A'.repeat(64), 'abc'],
      "String should match pattern '^[0-9a-f]{64}$'",
      base,
    );
    await expectRejected('item_metadata.extra', [1], 'item_metadata.extra: Extra inputs are not permitted', base);
  });

  it('serving and promotion-gate extensions default to the original behaviour', async () => {
    await expectAccepted('serving.unknown_user', ['error', 'popular']);
    await expectRejected(
      'serving.unknown_user',
      ['ignore'],
      "serving.unknown_user: String should match pattern '^(error|popular)$'",
    );
    await expectAccepted('serving.max_history', [1, 1000, '250']);
    await expectRejected('serving.max_history', [0], 'serving.max_history: Input should be greater than or equal to 1');
    await expectRejected(
      'serving.max_history',
      [1001],
      'serving.max_history: Input should be less than or equal to 1000',
    );
    const gate = await load(toYaml(withField(baseRecipe(), 'output.promotion_gate', { max_regression: '0.05' })));
    expect(gate.output.promotion_gate).toEqual({ max_regression: 0.05, compare_to_toppop: true });
    await expectRejected('output.promotion_gate.max_regression', [1.5], 'Input should be less than or equal to 1');
    await expectRejected('output.promotion_gate.max_regression', [-0.1], 'Input should be greater than or equal to 0');
  });

  it('filterable fields must be metadata fields', async () => {
    const meta = { type: 'csv', path: './items.csv', fields: ['title', 'genre'], filterable: ['genre'] };
    const ok = await load(toYaml(withField(baseRecipe(), 'item_metadata', meta)));
    expect(ok.item_metadata?.filterable).toEqual(['genre']);
    const bad = await messageFor('item_metadata', { ...meta, filterable: ['genre', 'year'] });
    expect(bad).toContain(
      "  - item_metadata.filterable.1: 'year' is not one of item_metadata.fields ['title', 'genre']",
    );
  });
});

describe('algorithms (resolved at load)', () => {
  it('resolves aliases and class names in any case', () => {
    for (const [alias, canonical] of Object.entries(ALGORITHM_ALIASES)) {
      expect(resolveAlgorithmName(alias)).toBe(canonical);
      expect(resolveAlgorithmName(alias.toUpperCase())).toBe(canonical);
      expect(resolveAlgorithmName(`${alias.toLowerCase()}recommender`)).toBe(canonical);
    }
    for (const canonical of CANONICAL_ALGORITHMS) expect(resolveAlgorithmName(canonical.toLowerCase())).toBe(canonical);
    // Unicode case folding: the long s and the Kelvin sign fold onto ASCII letters.
    expect(resolveAlgorithmName('ial\u017f')).toBe('IALSRecommender');
    expect(resolveAlgorithmName('Cosine\u212aNN')).toBe('CosineKNNRecommender');
    for (const other of ['SLIMRecommender', 'SLIM', 'IALSRecommenderRecommender', '', 'ials ']) {
      expect(resolveAlgorithmName(other)).toBeUndefined();
    }
  });

  it('stores canonical names and drops duplicates with a warning', async () => {
    const recipe = await load(
      toYaml(withField(baseRecipe(), 'training.algorithms', ['IALS', 'toppop', 'ials', 'IALSRecommender'])),
    );
    expect(recipe.training.algorithms).toEqual(['IALSRecommender', 'TopPopRecommender']);
    expect(logs.events('recipe_algorithms_deduplicated')).toEqual([
      expect.objectContaining({ name: 'movies', dropped: ['ials', 'IALSRecommender'] }),
    ]);
  });

  it('rejects unknown names at load, naming the entry and the supported names', async () => {
    const message = await messageFor('training.algorithms', ['IALS', 'SLIM']);
    expect(message).toContain(
      "  - training.algorithms.1: Unknown or unsupported algorithm 'SLIM'. Supported aliases: ['BPRFM', 'CosineKNN', 'CosinekNN', " +
        "'DenseSLIM', 'IALS', 'RP3beta', 'TopPop', 'TruncatedSVD'] or full class names: ['BPRFMRecommender', " +
        "'CosineKNNRecommender', 'DenseSLIMRecommender', 'IALSRecommender', 'RP3betaRecommender', " +
        "'TopPopRecommender', 'TruncatedSVDRecommender']. (line",
    );
    await expectRejected(
      'training.algorithms',
      [[]],
      'training.algorithms: List should have at least 1 item after validation, not 0',
    );
    await expectRejected('training.algorithms', ['IALS'], 'training.algorithms: Input should be a valid list');
    await expectRejected('training.algorithms', [undefined], 'training.algorithms: Field required');
  });
});

describe('cross-field rules', () => {
  it('a time split needs schema.time_column', async () => {
    for (const scheme of ['time_user', 'time_global']) {
      const message = await messageFor('training.split.scheme', scheme);
      expect(message).toContain(
        `  - training.split.scheme: training.split.scheme='${scheme}' requires schema.time_column to be set.`,
      );
      const withTime = withField(withField(baseRecipe(), 'schema.time_column', 'ts'), 'training.split.scheme', scheme);
      expect((await load(toYaml(withTime))).training.split.scheme).toBe(scheme);
    }
  });

  it('per_algorithm_trials keys must resolve to listed algorithms', async () => {
    const ok = await load(
      toYaml(withField(baseRecipe(), 'training.per_algorithm_trials', { ials: 3, TopPopRecommender: -2 })),
    );
    expect(ok.training.per_algorithm_trials).toEqual({ ials: 3, TopPopRecommender: -2 });
    expect(
      (await load(toYaml(withField(baseRecipe(), 'training.per_algorithm_trials', {})))).training.per_algorithm_trials,
    ).toEqual({});
    const message = await messageFor('training.per_algorithm_trials', { IALS: 2, CosineKNN: 3, Nope: 1 });
    expect(message).toContain(
      "  - training.per_algorithm_trials: per_algorithm_trials contains keys that are not in algorithms: ['CosineKNN', 'Nope'].  " +
        'Keys must match (or be aliases for) entries in training.algorithms.',
    );
    await expectRejected(
      'training.per_algorithm_trials',
      [{ IALS: 'many' }],
      'training.per_algorithm_trials.IALS: Input should be a valid integer',
    );
  });

  it('network source paths need a sha256 pin (security)', async () => {
    for (const url of ['https://example.com/r.csv', 'HTTP://example.com/r.csv']) {
      const err = await loadError(toYaml(withField(baseRecipe(), 'source.path', url)));
      expect(err.category).toBe('security');
      expect(err.message).toMatch(
        /^'source.path' uses a network scheme \(https?:\/\/\) and requires a 'sha256' integrity pin\./,
      );
    }
    const pinned = withField(
      withField(baseRecipe(), 'source.path', 'https://example.com/r.csv'),
      'source.sha256',
      'a'.repeat(64),
    );
    expect((await load(toYaml(pinned))).source.sha256).toBe('a'.repeat(64));
    const parquet = withField(baseRecipe(), 'source', { type: 'parquet', path: 'http://example.com/r.parquet' });
    expect((await loadError(toYaml(parquet))).category).toBe('security');
  });

  it('network item_metadata paths need a sha256 pin (security)', async () => {
    const meta = { type: 'csv', path: 'https://example.com/items.csv', fields: ['title'] };
    const err = await loadError(toYaml(withField(baseRecipe(), 'item_metadata', meta)));
    expect(err.category).toBe('security');
    expect(err.message).toMatch(/^'item_metadata.path' uses a network scheme \(https:\/\/\)/);
    const pinned = withField(baseRecipe(), 'item_metadata', { ...meta, sha256: 'b'.repeat(64) });
    expect((await load(toYaml(pinned))).item_metadata?.sha256).toBe('b'.repeat(64));
  });
});
