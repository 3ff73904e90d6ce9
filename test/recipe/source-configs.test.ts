// biome-ignore-all lint/suspicious/noTemplateCurlyInString: recipes spell env references as ${NAME}
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { ExitCode, exitCodeFor, RecipeError } from '../../src/errors/index.js';
import { captureLogs, type LogCapture } from '../../src/log/capture.js';
import { getLogger } from '../../src/log/index.js';
import { IntegralFloat, validateForFilesystem, validateRecipeData } from '../../src/recipe/index.js';
import { baseRecipe, builtinRegistry, load, loadError, toYaml, withField } from './helpers.js';

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

describe('built-in source configs', () => {
  it('csv: defaults, closed keys, sha256 pattern', async () => {
    const recipe = await load(
      toYaml(withField(baseRecipe(), 'source', { type: 'csv', path: 'a.csv', delimiter: ';', header: '2' })),
    );
    expect(recipe.source).toEqual({
      type: 'csv',
      path: 'a.csv',
      delimiter: ';',
      encoding: 'utf-8',
      header: 2,
      dtype: null,
      sha256: null,
    });
    const err = await loadError(toYaml(withField(baseRecipe(), 'source.sha256', 'ABC')));
    expect(err.message).toContain("  - source.sha256: String should match pattern '^[0-9a-f]{64}$'");
    expect((await loadError(toYaml(withField(baseRecipe(), 'source.path', undefined)))).message).toContain(
      '  - source.path: Field required',
    );
  });

  it('parquet accepts only path and sha256', async () => {
    const ok = await load(toYaml(withField(baseRecipe(), 'source', { type: 'parquet', path: 'a.parquet' })));
    expect(ok.source).toEqual({ type: 'parquet', path: 'a.parquet', sha256: null });
    for (const field of ['delimiter', 'encoding', 'header', 'dtype']) {
      const err = await loadError(
        toYaml(withField(baseRecipe(), 'source', { type: 'parquet', path: 'a.parquet', [field]: ',' })),
      );
      expect(err.message).toContain(`  - source.${field}: Extra inputs are not permitted`);
    }
  });

  it('bigquery keeps query parameters verbatim, integral floats marked', async () => {
    const text = `${toYaml(withField(baseRecipe(), 'source', undefined))}source:
  type: bigquery
  query: SELECT * FROM t WHERE d = @d AND n > @n
  query_parameters: {d: "\${RECOTEM_RECIPE_D}", n: 5, f: 5.0, g: 2.5, b: true, s: "5"}
`;
    const recipe = await load(text);
    const params = recipe.source.query_parameters as Record<string, unknown>;
    expect(params.d).toBe('${RECOTEM_RECIPE_D}');
    expect(params.n).toBe(5);
    expect(params.f).toBeInstanceOf(IntegralFloat);
    expect(Number(params.f)).toBe(5);
    expect(params.g).toBe(2.5);
    expect(params.b).toBe(true);
    expect(params.s).toBe('5');
    expect(recipe.source.project).toBeNull();
    expect((await loadError(toYaml(withField(baseRecipe(), 'source', { type: 'bigquery' })))).message).toContain(
      '  - source.query: Field required',
    );
  });

  it('sql: dsn_env pattern, non-empty query, timeout ranges, typed parameters', async () => {
    const sql = {
      type: 'sql',
      dsn_env: 'RECOTEM_RECIPE_DB_TOKEN',
      query: 'SELECT 1',
      query_parameters: { a: 1, b: 'x', c: false, d: 1.5 },
    };
    const recipe = await load(toYaml(withField(baseRecipe(), 'source', sql)));
    expect(recipe.source).toMatchObject({
      connect_timeout_seconds: 10,
      statement_timeout_seconds: 300,
      dsn_env: 'RECOTEM_RECIPE_DB_TOKEN',
    });
    expect(recipe.source.query_parameters).toEqual({ a: 1, b: 'x', c: false, d: 1.5 });
    const base = withField(baseRecipe(), 'source', sql);
    await expectRejected(
      'source.dsn_env',
      ['recotem_recipe_db', 'DATABASE_URL'],
      "String should match pattern '^RECOTEM_RECIPE_[A-Z0-9_]+$'",
      base,
    );
    await expectRejected('source.query', [''], 'source.query: String should have at least 1 character', base);
    await expectRejected(
      'source.connect_timeout_seconds',
      [0, 61],
      'source.connect_timeout_seconds: Input should be',
      base,
    );
    await expectAccepted('source.connect_timeout_seconds', [1, 60], base);
    await expectRejected(
      'source.statement_timeout_seconds',
      [1801],
      'Input should be less than or equal to 1800',
      base,
    );
    await expectRejected(
      'source.query_parameters',
      [{ a: null }, { a: [1] }],
      'source.query_parameters.a: Input should be a valid string, integer, number or boolean',
      base,
    );
    const noParams = await load(
      toYaml(withField(baseRecipe(), 'source', { type: 'sql', dsn_env: 'RECOTEM_RECIPE_DB', query: 'q' })),
    );
    expect(noParams.source.query_parameters).toEqual({});
  });
});

describe('name re-validation', () => {
  it('accepts valid names and throws a RecipeError for anything else', () => {
    expect(validateForFilesystem('news_articles-2')).toBe('news_articles-2');
    for (const bad of ['', '../x', 'a/b', 'a b', 'x'.repeat(65), 'ü', 'a\n']) {
      const err = (() => {
        try {
          validateForFilesystem(bad);
        } catch (e) {
          return e;
        }
        return undefined;
      })();
      expect(err, bad).toBeInstanceOf(RecipeError);
      expect(exitCodeFor(err)).toBe(ExitCode.RECIPE);
    }
    expect(() => validateForFilesystem(42 as unknown as string)).toThrow(RecipeError);
  });
});

describe('recipes built in code', () => {
  it('validates plain data with the same rules', async () => {
    const registry = await builtinRegistry();
    const recipe = validateRecipeData(baseRecipe(), { registry });
    expect(recipe.source).toMatchObject({ type: 'csv', delimiter: ',' });
    expect(() => validateRecipeData(withField(baseRecipe(), 'source', null), { registry })).toThrow(
      /source: Input should be a source mapping with a registered 'type'; known types: \['bigquery', 'csv', 'parquet', 'sql'\]/,
    );
    expect(() => validateRecipeData(withField(baseRecipe(), 'source.type', 'nope'), { registry })).toThrow(
      /Unknown DataSource type 'nope'/,
    );
    expect(() => validateRecipeData(['not', 'a', 'mapping'], { registry })).toThrow(RecipeError);
  });

  it('skips the source check with a warning when the registry cannot answer', async () => {
    const broken = {
      get: () => {
        throw new Error('not built');
      },
      knownTypes: (): string[] => {
        throw new Error('not built');
      },
    };
    // Spy on the logger itself: the event name is long enough for the log scrubber's 43-character
    // token rule to mask it in rendered records.
    const warn = vi.spyOn(getLogger('recotem.recipe'), 'warn');
    try {
      const recipe = validateRecipeData(withField(baseRecipe(), 'source', 'odd'), { registry: broken });
      expect(recipe.source).toBe('odd');
      expect(warn).toHaveBeenCalledWith('source_registry_unavailable_during_validation', {
        error_class: 'Error',
        error: 'not built',
      });
    } finally {
      warn.mockRestore();
    }
  });
});
