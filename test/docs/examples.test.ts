/**
 * Every example recipe stays valid: each `examples/<name>/recipe.yaml` loads with the recipe loader
 * (with the `RECOTEM_RECIPE_*` values its README asks for), its local input files exist, and the
 * SQLite and local-CSV examples actually fetch their data through their sources.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { buildSourceRegistry, type SourceRegistry } from '../../src/data/sources/registry.js';
import { configureLogging } from '../../src/log/index.js';
import { loadRecipe, type Recipe } from '../../src/recipe/index.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const examplesDir = join(root, 'examples');

/** Values the example READMEs tell the user to set; the recipes cannot load without them. */
const RECIPE_ENV: Record<string, string> = {
  RECOTEM_RECIPE_GCP_PROJECT: 'example-billing-project',
  RECOTEM_RECIPE_ARTIFACT_BUCKET: 'example-artifacts',
  RECOTEM_RECIPE_SHOP_DSN: 'sqlite:///examples/sql-sqlite/shop.db',
};

const exampleRecipes = readdirSync(examplesDir, { withFileTypes: true })
  .filter((d) => d.isDirectory() && existsSync(join(examplesDir, d.name, 'recipe.yaml')))
  .map((d) => d.name)
  .sort();

let registry: SourceRegistry;

beforeAll(async () => {
  configureLogging({ level: 'error' });
  registry = await buildSourceRegistry({ env: {}, nodeModulesDirs: [] });
});

async function load(example: string): Promise<Recipe> {
  // Relative paths in the example recipes are relative to the repository root (the test cwd).
  return loadRecipe(join('examples', example, 'recipe.yaml'), { registry, env: { ...RECIPE_ENV } });
}

function fetchContext(recipe: Recipe) {
  return {
    recipeName: recipe.name,
    runId: 'docs-test',
    extra: { user_column: recipe.schema.user_column, item_column: recipe.schema.item_column },
  };
}

describe('example recipes', () => {
  it('includes the documented examples', () => {
    expect(exampleRecipes).toEqual(
      expect.arrayContaining(['csv-local', 'ga4-bigquery', 'quickstart', 'sql-sqlite', 'tutorial-purchase-log']),
    );
  });

  it.each(exampleRecipes)('%s/recipe.yaml loads, and its local input files exist', async (example) => {
    const recipe = await load(example);
    expect(recipe.name).toMatch(/^[A-Za-z0-9_-]{1,64}$/);
    const inputs = [
      'path' in recipe.source ? (recipe.source as unknown as { path: string }).path : null,
      recipe.item_metadata?.path ?? null,
    ].filter((p): p is string => p !== null && !p.includes('://'));
    for (const input of inputs) expect(existsSync(join(root, input)), `${example}: ${input}`).toBe(true);
  });

  it('the data-source examples have a README', () => {
    for (const example of ['csv-local', 'sql-sqlite', 'ga4-bigquery']) {
      expect(existsSync(join(examplesDir, example, 'README.md')), example).toBe(true);
    }
  });

  it('csv-local: reads the gzip CSV with a time_user split on ISO timestamps', async () => {
    const recipe = await load('csv-local');
    expect(recipe.training.split.scheme).toBe('time_user');
    expect(recipe.schema.time_column).toBe('viewed_at');
    expect(recipe.item_metadata?.fields).toEqual(['title', 'category', 'price']);
    const table = await (await registry.createSource(recipe.source)).fetch(fetchContext(recipe));
    expect(table.columns).toEqual(['user_id', 'item_id', 'viewed_at']);
    expect(table.rowCount).toBeGreaterThanOrEqual(300);
    expect(table.rowCount).toBeLessThan(1000);
  });

  it('ga4-bigquery: binds the date range as strings and the billing project from the environment', async () => {
    const recipe = await load('ga4-bigquery');
    const source = recipe.source as unknown as {
      query: string;
      query_parameters: Record<string, unknown>;
      project: string;
    };
    expect(source.project).toBe('example-billing-project');
    expect(source.query_parameters).toEqual({ first_day: '20250101', last_day: '20250331', event_name: 'purchase' });
    expect(source.query).toContain('@first_day');
    expect(recipe.output.path).toBe('gs://example-artifacts/recotem/ga4_purchases.recotem');
  });
});

describe('sql-sqlite example', () => {
  let dir: string;

  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'recotem-docs-sqlite-'));
  });
  afterAll(() => {
    vi.unstubAllEnvs();
    rmSync(dir, { recursive: true, force: true });
  });

  it('seed.mjs builds a database that the recipe fetches through the sql source', async () => {
    const db = join(dir, 'shop.db');
    const out = execFileSync(process.execPath, [join(examplesDir, 'sql-sqlite', 'seed.mjs'), db], {
      encoding: 'utf8',
    });
    expect(out).toMatch(/^wrote \d+ orders to /);
    expect(existsSync(db)).toBe(true);

    const recipe = await load('sql-sqlite');
    expect(recipe.source.type).toBe('sql');
    // The source reads the DSN from the process environment (never from the recipe).
    vi.stubEnv('RECOTEM_RECIPE_SHOP_DSN', `sqlite:///${db}`);
    const source = await registry.createSource(recipe.source);
    await source.probe?.();
    const table = await source.fetch(fetchContext(recipe));
    await source.close?.();
    expect(table.columns).toEqual(['customer_id', 'product_id', 'ordered_at']);
    // The bound `:channel` parameter keeps only web orders: fewer rows than the seed wrote.
    const written = Number(/wrote (\d+)/.exec(out)![1]);
    expect(table.rowCount).toBeGreaterThan(0);
    expect(table.rowCount).toBeLessThan(written);
  });
});
