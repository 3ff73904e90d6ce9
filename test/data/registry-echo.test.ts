import { mkdirSync, mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildSourceRegistry, type SourceRegistry } from '../../src/data/sources/registry.js';
import { InteractionTable } from '../../src/data/table.js';
import { DataSourceError, ExitCode, exitCodeFor } from '../../src/errors/index.js';
import { loadRecipeText, recipeJsonSchema } from '../../src/recipe/index.js';

const ECHO_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../examples/plugin-echo');
const ECHO_ENTRY = `${path.join(ECHO_DIR, 'index.js')}#echoPlugin`;

const RECIPE = `name: echo_demo
source:
  type: echo
  n_users: "5"
  n_items: 4
  n_rows: \${RECOTEM_RECIPE_ROWS}
  seed: 7
  unknown_knob: ignored
schema:
  user_column: user_id
  item_column: item_id
  time_column: timestamp
  time_unit: s
training:
  algorithms: [TopPop]
output:
  path: ./echo.recotem
`;

let registry: SourceRegistry;
beforeAll(async () => {
  registry = await buildSourceRegistry({ nodeModulesDirs: [], env: { RECOTEM_PLUGINS: ECHO_ENTRY } });
});

function loadEcho(rows: string, seed = 7) {
  const text = RECIPE.replace('seed: 7', `seed: ${seed}`);
  return loadRecipeText(text, 'echo.yaml', { registry, env: { RECOTEM_RECIPE_ROWS: rows } });
}

describe('the echo example plugin through RECOTEM_PLUGINS', () => {
  it('registers after the built-ins', () => {
    expect(registry.knownTypes()).toEqual(['csv', 'parquet', 'bigquery', 'sql', 'echo']);
    const echo = registry.require('echo');
    expect(echo.builtin).toBe(false);
    expect(echo.target).toBe(ECHO_ENTRY);
  });

  it('loads a recipe with its own lenient config schema', () => {
    const recipe = loadEcho('12');
    expect(recipe.source).toEqual({ type: 'echo', n_users: 5, n_items: 4, n_rows: 12, seed: 7 });
  });

  it('fetches distinct seeded pairs with increasing timestamps', async () => {
    const recipe = loadEcho('12');
    const source = await registry.createSource(recipe.source);
    const ctx = { recipeName: recipe.name, runId: 'r1', extra: {} };
    const table = await source.fetch(ctx);
    expect(table).toBeInstanceOf(InteractionTable);
    expect(table.rowCount).toBe(12);
    expect([...table.columnNames]).toEqual(['user_id', 'item_id', 'timestamp']);
    const users = table.values('user_id') as string[];
    const items = table.values('item_id') as string[];
    const pairs = new Set(users.map((u, r) => `${u}/${items[r]}`));
    expect(pairs.size).toBe(12);
    for (const u of users) expect(u).toMatch(/^user_[0-4]$/);
    for (const i of items) expect(i).toMatch(/^item_[0-3]$/);
    expect(table.values('timestamp')).toEqual(Array.from({ length: 12 }, (_, r) => 1_700_000_000 + r));
    // Same seed, same table; another seed, another sample.
    const again = await (await registry.createSource(recipe.source)).fetch(ctx);
    expect(again.values('user_id')).toEqual(users);
    expect(again.values('item_id')).toEqual(items);
    const other = await (await registry.createSource(loadEcho('12', 8).source)).fetch(ctx);
    expect([other.values('user_id'), other.values('item_id')]).not.toEqual([users, items]);
    // Every pair when n_rows = n_users * n_items.
    const all = await (await registry.createSource(loadEcho('20').source)).fetch(ctx);
    const allPairs = new Set((all.values('user_id') as string[]).map((u, r) => `${u}/${all.values('item_id')[r]}`));
    expect(allPairs.size).toBe(20);
  });

  it('reports an impossible size as a data-source error from probe and fetch', async () => {
    const source = await registry.createSource(loadEcho('21').source);
    for (const call of [() => source.probe!(), () => source.fetch({ recipeName: 'x', runId: 'r', extra: {} })]) {
      const err = await call().catch((e) => e);
      expect(err).toBeInstanceOf(DataSourceError);
      expect(err.message).toContain('cannot draw n_rows=21 distinct pairs');
      expect(exitCodeFor(err)).toBe(ExitCode.DATA_SOURCE);
    }
    expect(await (await registry.createSource(loadEcho('20').source)).probe!()).toBeUndefined();
  });

  it('appears in the recipe JSON Schema', () => {
    const schema = recipeJsonSchema(registry);
    const defs = schema.$defs as Record<string, { properties: { type: { const: string } }; required: string[] }>;
    expect(defs.echoSourceConfig.properties.type.const).toBe('echo');
    expect(defs.echoSourceConfig.required).toEqual(['type']);
  });
});

describe('the echo example plugin as an installed package', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'recotem-echo-'));
    mkdirSync(path.join(dir, 'node_modules'));
    // A link, as `npm install ../examples/plugin-echo` makes; zod resolves from the real path.
    symlinkSync(ECHO_DIR, path.join(dir, 'node_modules', 'recotem-plugin-echo'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('is discovered from its package.json', async () => {
    const discovered = await buildSourceRegistry({ nodeModulesDirs: [path.join(dir, 'node_modules')], env: {} });
    expect(discovered.knownTypes()).toEqual(['csv', 'parquet', 'bigquery', 'sql', 'echo']);
    expect(discovered.require('echo')).toMatchObject({
      entryName: 'echo',
      target: 'recotem-plugin-echo:./index.js#echoPlugin',
    });
    const source = await discovered.createSource({ type: 'echo', n_users: 2, n_items: 2, n_rows: 3, seed: 1 });
    expect((await source.fetch({ recipeName: 'x', runId: 'r', extra: {} })).rowCount).toBe(3);
  });

  it('is a duplicate when also listed in RECOTEM_PLUGINS', async () => {
    const err = await buildSourceRegistry({
      nodeModulesDirs: [path.join(dir, 'node_modules')],
      env: { RECOTEM_PLUGINS: ECHO_ENTRY },
    }).catch((e) => e);
    expect(err).toBeInstanceOf(DataSourceError);
    expect(err.message).toBe(
      `Duplicate DataSource type 'echo': registered by 'recotem-plugin-echo:./index.js#echoPlugin' and by '${ECHO_ENTRY}'. Each plugin type name must be unique.`,
    );
  });
});
