import { Ajv2020 } from 'ajv/dist/2020.js';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { DataSourceError, RecipeError } from '../../src/errors/index.js';
import { ALGORITHM_ALIASES, CANONICAL_ALGORITHMS, recipeJsonSchema } from '../../src/recipe/index.js';
import { baseRecipe, builtinRegistry, load } from './helpers.js';

async function compiledSchema() {
  const schema = recipeJsonSchema(await builtinRegistry());
  const ajv = new Ajv2020({ strict: true, allowUnionTypes: true, discriminator: true, allErrors: false });
  return { schema, validate: ajv.compile(schema) };
}

describe('recipeJsonSchema', () => {
  it('is a valid draft 2020-12 schema with every built-in source as a literal', async () => {
    const { schema } = await compiledSchema();
    expect(schema.$schema).toBe('https://json-schema.org/draft/2020-12/schema');
    const properties = schema.properties as Record<string, Record<string, unknown>>;
    expect(Object.keys(properties).sort()).toEqual(
      ['cleansing', 'events', 'item_metadata', 'name', 'output', 'schema', 'serving', 'source', 'training'].sort(),
    );
    expect(schema.required).toEqual(expect.arrayContaining(['name', 'source', 'schema', 'training', 'output']));
    expect(properties.source.discriminator).toMatchObject({ propertyName: 'type' });
    const defs = schema.$defs as Record<string, { properties: { type: { const: string } }; required: string[] }>;
    for (const type of ['csv', 'parquet', 'bigquery', 'sql']) {
      expect(defs[`${type}SourceConfig`].properties.type.const).toBe(type);
      expect(defs[`${type}SourceConfig`].required).toContain('type');
    }
    expect(JSON.stringify(schema)).toContain('"const":"bigquery"');
  });

  it('fails without any registered plugin', () => {
    expect(() => recipeJsonSchema({ get: () => undefined, knownTypes: () => [] })).toThrow(
      new DataSourceError('No DataSource plugins are registered.'),
    );
  });

  it('accepts the documented example and rejects obvious mistakes', async () => {
    const { validate } = await compiledSchema();
    const example = {
      name: 'news_articles',
      source: { type: 'csv', path: 's3://bucket/interactions.csv.gz', dtype: { user_id: 'str', item_id: 'str' } },
      schema: { user_column: 'user_id', item_column: 'item_id', time_column: 'ts' },
      cleansing: { drop_null_ids: true, dedup: 'keep_last', min_rows: 5000 },
      training: {
        algorithms: ['IALS', 'CosineKNN', 'TopPop'],
        metric: 'ndcg',
        cutoff: 20,
        n_trials: 40,
        per_algorithm_trials: { IALS: 24, CosineKNN: 12, TopPop: 4 },
        timeout_seconds: 1800,
        split: { scheme: 'time_user', heldout_ratio: 0.1, seed: 42 },
      },
      output: { path: './artifacts/news_articles.recotem', versioning: 'append_sha' },
    };
    expect(validate(example), JSON.stringify(validate.errors)).toBe(true);
    expect(validate({ ...example, extra: 1 })).toBe(false);
    expect(validate({ ...example, source: { ...example.source, type: 'mongo' } })).toBe(false);
    expect(validate({ ...example, source: { path: 'x.csv' } })).toBe(false);
    expect(validate({ ...example, output: { path: 'http://x/y' } })).toBe(false);
  });
});

// ---------------------------------------------------------------------------------------------
// Property: for single-field rules the schema accepts exactly what the loader accepts.
// ---------------------------------------------------------------------------------------------

const junkString = fc.string({ maxLength: 8 }).filter((s) => !s.includes('$'));
const ws = fc.constantFrom('', ' ', '  ', '\t');
const digits = fc.integer({ min: 0, max: 2500 }).map(String);

const intStrings = fc.oneof(
  fc
    .tuple(
      ws,
      fc.constantFrom('', '+', '-'),
      fc.constantFrom('', '0', '00'),
      digits,
      fc.constantFrom('', '.', '.0', '.00', '.5'),
      ws,
    )
    .map((parts) => parts.join('')),
  fc.constantFrom('1e3', '4.5', 'abc', '', ' ', '1_000', '0x10', '--1'),
);
const floatStrings = fc.oneof(
  fc
    .tuple(
      ws,
      fc.constantFrom('', '+', '-'),
      fc.constantFrom('0', '00', '1', '', '2'),
      fc.constantFrom('.', '', '.0'),
      fc.constantFrom('', '5', '05', '0', '999'),
      ws,
    )
    .map((parts) => parts.join('')),
  fc.constantFrom('abc', '.', '1..2', 'nan', 'inf', '-'),
);
const scalarJunk = fc.oneof(
  fc.boolean(),
  fc.constant(null),
  junkString,
  fc.constant([1]),
  fc.constant({ a: 1 }),
  fc.constant(undefined),
);

const intValue = fc.oneof(
  fc.integer({ min: -5, max: 2500 }),
  fc.double({ min: -3, max: 3000, noNaN: true }),
  intStrings,
  scalarJunk,
);
const floatValue = fc.oneof(
  fc.double({ min: -1, max: 2, noNaN: true }),
  floatStrings,
  fc.integer({ min: -1, max: 2 }),
  scalarJunk,
);
const boolWords = ['true', 'false', 'yes', 'no', 'on', 'off', '1', '0', 't', 'f', 'y', 'n', 'maybe', 'tru', ' true'];
const boolValue = fc.oneof(
  fc.boolean(),
  fc.integer({ min: -1, max: 2 }),
  fc
    .tuple(fc.constantFrom(...boolWords), fc.array(fc.boolean(), { minLength: 5, maxLength: 5 }))
    .map(([w, up]) => [...w].map((c, i) => (up[i % 5] ? c.toUpperCase() : c)).join('')),
  scalarJunk,
);
const stringValue = fc.oneof(junkString, fc.integer(), fc.boolean(), fc.constant(null), fc.constant(undefined));
const choice = (...valid: string[]) =>
  fc.oneof(
    fc.constantFrom(...valid),
    fc.constantFrom(...valid).map((v) => v.toUpperCase()),
    fc.constantFrom(...valid).map((v) => `${v}x`),
    scalarJunk,
  );
const nullable = <T>(arb: fc.Arbitrary<T>) => fc.oneof(arb, fc.constant(null));

const algorithmNames = [
  ...Object.keys(ALGORITHM_ALIASES),
  ...CANONICAL_ALGORITHMS,
  'SLIM',
  'SLIMRecommender',
  'ials ',
  'Foo',
];
const algorithmName = fc
  .tuple(fc.constantFrom(...algorithmNames), fc.array(fc.boolean(), { minLength: 8, maxLength: 8 }))
  .map(([n, up]) => [...n].map((c, i) => (up[i % 8] ? c.toUpperCase() : c.toLowerCase())).join(''));
const algorithmList = fc.oneof(fc.array(algorithmName, { maxLength: 4 }), scalarJunk, fc.constant([1]));

const pathValue = fc.oneof(
  fc
    .tuple(
      fc.constantFrom('', ' ', '\t', '\x01'),
      fc.constantFrom(
        '',
        'file',
        'FILE',
        's3',
        'gs',
        'az',
        'abfs',
        'abfss',
        'http',
        'https',
        'ftp',
        'memory',
        'data',
        'c',
        'h\ttp',
        'S3',
      ),
      fc.constantFrom('://', ':', ':/', '::', '/', ''),
      fc.constantFrom('', 'host', 'user@host', 'u:p@h', 'localhost', 'LocalHost', 'local\thost', 'proj@bucket'),
      fc.constantFrom('/x.csv', '', '?q=1', '#f', '/a::b', '/dir/m.recotem'),
    )
    .map((parts) => parts.join('')),
  fc
    .tuple(
      fc.constantFrom('', ' '),
      fc.constantFrom('file', 'FILE', 'fi\tle'),
      fc.constantFrom('://', ':/\t/', ':'),
      fc.constantFrom('', 'localhost', 'LOCALHOST', 'nas', 'local\nhost', 'u@h', 'localhost:80'),
      fc.constantFrom('/m.recotem', '', '?x', '#y'),
    )
    .map((parts) => parts.join('')),
  fc.constantFrom('./x.csv', 'data/x:1.csv', 'C:\\x.csv', 'relative', 'a@b/c'),
  fc.integer(),
  fc.constant(null),
);
const sha256Value = fc.oneof(
  fc.constant('a'.repeat(64)),
  fc.constant('A'.repeat(64)),
  fc.constant('a'.repeat(63)),
  fc.constant(null),
  fc.integer(),
);

/** A valid recipe with every cross-field rule satisfied for any single-field change. */
function richBase(sourceType: string): Record<string, unknown> {
  const sources: Record<string, Record<string, unknown>> = {
    csv: { type: 'csv', path: './ratings.csv', sha256: 'a'.repeat(64), delimiter: ',', header: 0, dtype: { u: 'str' } },
    parquet: { type: 'parquet', path: './ratings.parquet', sha256: 'a'.repeat(64) },
    bigquery: { type: 'bigquery', query: 'SELECT 1', query_parameters: { a: 1 }, project: 'p' },
    sql: {
      type: 'sql',
      dsn_env: 'RECOTEM_RECIPE_DB',
      query: 'SELECT 1',
      query_parameters: { a: 1 },
      connect_timeout_seconds: 10,
      statement_timeout_seconds: 300,
    },
  };
  return {
    ...baseRecipe(),
    source: sources[sourceType],
    schema: { user_column: 'u', item_column: 'i', time_column: 'ts', time_unit: 's' },
    cleansing: { drop_null_ids: true, dedup: 'keep_last', min_rows: 1, min_users: 1, min_items: 1 },
    item_metadata: {
      type: 'csv',
      path: './items.csv',
      sha256: 'b'.repeat(64),
      fields: ['title'],
      on_field_missing: 'error',
      item_id_column: 'item_id',
      filterable: [],
    },
    training: {
      algorithms: [...CANONICAL_ALGORITHMS],
      metric: 'ndcg',
      cutoff: 10,
      n_trials: 5,
      per_algorithm_trials: null,
      per_trial_timeout_seconds: null,
      timeout_seconds: 60,
      parallelism: 1,
      storage_path: '',
      split: { scheme: 'random', heldout_ratio: 0.2, test_user_ratio: 1, seed: 1 },
    },
    output: {
      path: './m.recotem',
      versioning: 'append_sha',
      promotion_gate: { max_regression: 0.1, compare_to_toppop: true },
    },
    serving: { unknown_user: 'error', max_history: 10 },
  };
}

/** Field path → values to try. Bounded float fields skip exponent strings (see coerce.ts). */
const FIELDS: Record<string, fc.Arbitrary<unknown>> = {
  name: fc.oneof(fc.constantFrom('ok', 'a-b_C9', 'bad name', 'x'.repeat(65), ''), stringValue),
  'schema.user_column': stringValue,
  'schema.time_column': nullable(stringValue),
  'schema.time_unit': choice('s', 'ms', 'us', 'ns'),
  'cleansing.drop_null_ids': boolValue,
  'cleansing.dedup': choice('keep_first', 'keep_last', 'none'),
  'cleansing.min_rows': intValue,
  'training.algorithms': algorithmList,
  'training.metric': choice('ndcg', 'map', 'recall', 'hit'),
  'training.cutoff': intValue,
  'training.n_trials': intValue,
  'training.per_algorithm_trials': fc.oneof(fc.dictionary(algorithmName, intValue, { maxKeys: 3 }), scalarJunk),
  'training.per_trial_timeout_seconds': intValue,
  'training.parallelism': intValue,
  'training.storage_path': stringValue,
  'training.split.scheme': choice('random', 'time_global', 'time_user'),
  'training.split.heldout_ratio': floatValue,
  'training.split.test_user_ratio': floatValue,
  'training.split.seed': intValue,
  'output.path': pathValue,
  'output.versioning': choice('always_overwrite', 'append_sha'),
  'output.promotion_gate.max_regression': floatValue,
  'output.promotion_gate.compare_to_toppop': boolValue,
  'item_metadata.type': choice('csv', 'parquet'),
  'item_metadata.path': pathValue,
  'item_metadata.sha256': sha256Value,
  'item_metadata.fields': fc.oneof(fc.array(junkString, { maxLength: 2 }), scalarJunk),
  'item_metadata.on_field_missing': choice('error', 'null'),
  'item_metadata.item_id_column': fc.oneof(fc.constantFrom('', ' ', '\t', 'id', ' id '), stringValue),
  'item_metadata.filterable': fc.oneof(fc.constant([]), fc.constant(['title']), scalarJunk),
  'serving.unknown_user': choice('error', 'popular'),
  'serving.max_history': intValue,
  'source.path': pathValue,
  'source.sha256': sha256Value,
  'source.delimiter': stringValue,
  'source.header': intValue,
  'source.dtype': fc.oneof(fc.dictionary(junkString, stringValue, { maxKeys: 2 }), fc.constant(null)),
  'source.query': stringValue,
  'source.project': nullable(stringValue),
  'source.dsn_env': fc.oneof(
    fc.constantFrom('RECOTEM_RECIPE_DB', 'RECOTEM_RECIPE_', 'recotem_recipe_db', 'DB_URL', 'RECOTEM_RECIPE_D-B'),
    stringValue,
  ),
  'source.connect_timeout_seconds': intValue,
  'source.statement_timeout_seconds': intValue,
  'source.query_parameters': fc.oneof(
    fc.dictionary(
      junkString,
      fc.oneof(junkString, fc.integer(), fc.double({ noNaN: true, min: -5, max: 5 }), fc.boolean(), fc.constant(null)),
      { maxKeys: 2 },
    ),
    scalarJunk,
  ),
  'source.type': fc.constantFrom('csv', 'parquet', 'sql', 'bigquery', 'mongo', ''),
  'training.extra_key': fc.constant(1),
};

const EXPONENT = /[eE]/;
const BOUNDED_FLOATS = new Set([
  'training.split.heldout_ratio',
  'training.split.test_user_ratio',
  'output.promotion_gate.max_regression',
]);

function setPath(doc: Record<string, unknown>, dotted: string, value: unknown): void {
  const parts = dotted.split('.');
  let node = doc;
  for (const part of parts.slice(0, -1)) node = node[part] as Record<string, unknown>;
  if (value === undefined) delete node[parts[parts.length - 1]];
  else node[parts[parts.length - 1]] = value;
}

/** Drops `undefined` (YAML has none) so ajv and the loader see the same document. */
function plain(value: unknown): unknown {
  return JSON.parse(JSON.stringify(value));
}

/** Loads `data` (as YAML with every string quoted) and validates it with the schema. */
async function bothVerdicts(
  data: Record<string, unknown>,
  validate: Awaited<ReturnType<typeof compiledSchema>>['validate'],
) {
  // Every string double-quoted, so YAML typing cannot turn a generated string into something else.
  const text = stringify(data, { version: '1.1', defaultStringType: 'QUOTE_DOUBLE', defaultKeyType: 'PLAIN' });
  let loaderMessage: string | undefined;
  try {
    await load(text);
  } catch (err) {
    if (!(err instanceof RecipeError)) throw err;
    loaderMessage = err.message;
  }
  const schemaOk = validate(data) as boolean;
  return { loaderOk: loaderMessage === undefined, loaderMessage, schemaOk, schemaErrors: validate.errors?.slice(0, 2) };
}

const SOURCE_FIELDS: Record<string, string[]> = {
  csv: ['source.path', 'source.sha256', 'source.delimiter', 'source.header', 'source.dtype', 'source.type'],
  parquet: ['source.path', 'source.sha256', 'source.type'],
  bigquery: ['source.query', 'source.project', 'source.type'],
  sql: [
    'source.dsn_env',
    'source.query',
    'source.connect_timeout_seconds',
    'source.statement_timeout_seconds',
    'source.query_parameters',
    'source.type',
  ],
};

async function checkAgreement(fieldsFor: (sourceType: string) => string[], numRuns: number, seed: number) {
  const { validate } = await compiledSchema();
  const mutation = fc
    .constantFrom('csv', 'parquet', 'bigquery', 'sql')
    .chain((sourceType) =>
      fc
        .constantFrom(...fieldsFor(sourceType))
        .chain((field) => FIELDS[field].map((value) => ({ sourceType, field, value }))),
    );
  const counts = { accepted: 0, rejected: 0 };
  await fc.assert(
    fc.asyncProperty(mutation, async ({ sourceType, field, value }) => {
      fc.pre(!(BOUNDED_FLOATS.has(field) && typeof value === 'string' && EXPONENT.test(value)));
      const doc = richBase(sourceType);
      setPath(doc, field, value);
      const verdict = await bothVerdicts(plain(doc) as Record<string, unknown>, validate);
      counts[verdict.loaderOk ? 'accepted' : 'rejected']++;
      expect(
        verdict.schemaOk,
        `${field}=${JSON.stringify(value)} loader: ${verdict.loaderMessage ?? 'accepted'}; schema: ${JSON.stringify(verdict.schemaErrors)}`,
      ).toBe(verdict.loaderOk);
    }),
    { numRuns, seed },
  );
  return counts;
}

describe('schema and loader agree on single-field rules', () => {
  it('for every field', async () => {
    const general = Object.keys(FIELDS).filter((f) => !f.startsWith('source.'));
    const counts = await checkAgreement((sourceType) => [...general, ...SOURCE_FIELDS[sourceType]], 600, 20260401);
    // The generators must exercise both outcomes, or the property says nothing.
    expect(counts.accepted).toBeGreaterThan(60);
    expect(counts.rejected).toBeGreaterThan(60);
  });

  it('for the path policy (schemes, credentials, chained protocols, file hosts)', async () => {
    const counts = await checkAgreement(
      (sourceType) => [
        'output.path',
        'item_metadata.path',
        ...(SOURCE_FIELDS[sourceType].includes('source.path') ? ['source.path'] : []),
      ],
      500,
      7,
    );
    expect(counts.accepted).toBeGreaterThan(50);
    expect(counts.rejected).toBeGreaterThan(50);
  });
});
