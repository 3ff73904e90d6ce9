import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import {
  buildSourceRegistry,
  getSourceRegistry,
  resetSourceRegistryForTests,
  type SourceRegistryOptions,
} from '../../src/data/sources/registry.js';
import { InteractionTable } from '../../src/data/table.js';
import { DataSourceError, RecipeError } from '../../src/errors/index.js';
import { captureLogs, type LogCapture } from '../../src/log/capture.js';

let dir: string;
let logs: LogCapture;
beforeAll(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'recotem-registry-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));
beforeEach(() => {
  logs = captureLogs();
});
afterEach(() => logs.stop());

/** A schema object good enough for the contract check (plugins here cannot import zod from a temp dir). */
const FAKE_SCHEMA = '{ safeParse: (v) => ({ success: true, data: v }) }';

let moduleCounter = 0;
/** Writes an ES module exporting `body` as `plugin`; returns its RECOTEM_PLUGINS entry. */
function pluginModule(body: string, exportName = 'plugin'): string {
  const file = path.join(dir, `plugin-${++moduleCounter}.mjs`);
  writeFileSync(file, `export const ${exportName} = ${body};\n`);
  return `${file}#${exportName}`;
}

function validPlugin(typeName: string, extra = ''): string {
  return `{
    typeName: '${typeName}',
    configSchema: ${FAKE_SCHEMA},
    extrasRequired: [],
    noExpandFields: new Set(['secret_query']),
    create(config) { return { async fetch() { return { columns: { u: ['a', 'b'], i: ['x', 'y'] } }; } }; },
    ${extra}
  }`;
}

const onlyEnv = (plugins: string, more: SourceRegistryOptions = {}) =>
  buildSourceRegistry({ nodeModulesDirs: [], env: { RECOTEM_PLUGINS: plugins }, cwd: dir, ...more });

async function buildError(plugins: string): Promise<DataSourceError> {
  const err = await onlyEnv(plugins).catch((e) => e);
  expect(err).toBeInstanceOf(DataSourceError);
  return err;
}

describe('built-in sources', () => {
  it('registers csv, parquet, bigquery and sql with their contracts', async () => {
    const registry = await buildSourceRegistry({ nodeModulesDirs: [], env: {} });
    expect(registry.knownTypes()).toEqual(['csv', 'parquet', 'bigquery', 'sql']);
    expect(registry.require('sql')).toMatchObject({
      builtin: true,
      target: 'recotem:builtin/sql',
      extrasRequired: ['postgres', 'mysql', 'sqlite'],
    });
    expect([...registry.require('sql').noExpandFields].sort()).toEqual(['dsn_env', 'query']);
    expect([...registry.require('bigquery').noExpandFields].sort()).toEqual(['query', 'query_parameters']);
    expect(registry.require('bigquery').extrasRequired).toEqual(['bigquery']);
    expect(registry.require('csv').noExpandFields.size).toBe(0);
    expect(registry.require('parquet').extrasRequired).toEqual([]);
    expect(registry.get('mongo')).toBeUndefined();
  });

  it('skips a built-in whose driver packages are all missing, with a warning', async () => {
    const missing = new Set(['pg', 'mysql2', 'better-sqlite3', '@google-cloud/bigquery']);
    const registry = await buildSourceRegistry({
      nodeModulesDirs: [],
      env: {},
      isModuleAvailable: (s) => !missing.has(s),
    });
    expect(registry.knownTypes()).toEqual(['csv', 'parquet']);
    const skipped = logs.events('datasource_builtin_skipped');
    expect(skipped.map((r) => r.type_name)).toEqual(['bigquery', 'sql']);
    expect(skipped[1]).toMatchObject({ level: 'warning', module: 'recotem/data/sources/sql' });
    expect(String(skipped[1].hint)).toContain('pg, mysql2, better-sqlite3');
    expect(String(skipped[1].error)).toContain('ERR_MODULE_NOT_FOUND');
  });

  it('keeps sql when any one driver is installed', async () => {
    const registry = await buildSourceRegistry({
      nodeModulesDirs: [],
      env: {},
      isModuleAvailable: (s) => s === 'better-sqlite3',
    });
    expect(registry.knownTypes()).toEqual(['csv', 'parquet', 'sql']);
  });

  it('creates a built-in source lazily through its module', async () => {
    const registry = await buildSourceRegistry({ nodeModulesDirs: [], env: {} });
    const source = await registry.createSource({
      type: 'csv',
      path: path.join(dir, 'absent.csv'),
      delimiter: ',',
      encoding: 'utf-8',
      header: 0,
      dtype: null,
      sha256: null,
    });
    expect(typeof source.fetch).toBe('function');
  });

  it('names the known types for an unknown one', async () => {
    const registry = await buildSourceRegistry({ nodeModulesDirs: [], env: {} });
    expect(() => registry.require('mongo')).toThrow(
      new DataSourceError("Unknown DataSource type 'mongo'. Known types: ['bigquery', 'csv', 'parquet', 'sql']."),
    );
    await expect(registry.createSource({ type: 'mongo' })).rejects.toThrow(/Unknown DataSource type 'mongo'/);
  });
});

describe('RECOTEM_PLUGINS', () => {
  it('loads comma-separated module#export entries, absolute or relative to the working directory', async () => {
    const a = pluginModule(validPlugin('alpha'));
    const b = pluginModule(validPlugin('beta'), 'betaPlugin');
    const relative = `./${path.relative(dir, a.split('#')[0])}#plugin`;
    const registry = await onlyEnv(` ${b} , ${relative}`);
    expect(registry.knownTypes()).toEqual(['csv', 'parquet', 'bigquery', 'sql', 'beta', 'alpha']);
    expect(registry.require('alpha')).toMatchObject({ builtin: false, entryName: relative, target: relative });
  });

  it('uses the default export when no #export is given', async () => {
    const file = path.join(dir, 'default-export.mjs');
    writeFileSync(file, `export default ${validPlugin('gamma')};\n`);
    expect((await onlyEnv(file)).knownTypes()).toContain('gamma');
  });

  it('fails on modules that cannot be loaded', async () => {
    const absent = path.join(dir, 'absent.mjs');
    const notFound = await buildError(`${absent}#plugin`);
    expect(notFound.message).toMatch(
      new RegExp(`^Failed to load DataSource plugin '${absent}#plugin' from '${absent}#plugin': `),
    );
    const noExport = await buildError(pluginModule(validPlugin('delta')).replace('#plugin', '#other'));
    expect(noExport.message).toContain("module has no export named 'other'");
    const throwing = path.join(dir, 'throws.mjs');
    writeFileSync(throwing, "throw new Error('boom at import');\n");
    expect((await buildError(`${throwing}#plugin`)).message).toContain('boom at import');
  });

  it('validates the contract with a message naming the plugin and the authoring doc', async () => {
    const cases: [string, string][] = [
      ['{ configSchema: {}, extrasRequired: [], noExpandFields: new Set(), create() {} }', 'missing typeName'],
      [
        `{ typeName: '', configSchema: ${FAKE_SCHEMA}, extrasRequired: [], noExpandFields: new Set(), create() {} }`,
        'typeName must be a non-empty string',
      ],
      [
        `{ typeName: 7, configSchema: ${FAKE_SCHEMA}, extrasRequired: [], noExpandFields: new Set(), create() {} }`,
        'typeName must be a non-empty string',
      ],
      ["{ typeName: 'x', extrasRequired: [], noExpandFields: new Set(), create() {} }", 'missing configSchema'],
      [
        "{ typeName: 'x', configSchema: {}, extrasRequired: [], noExpandFields: new Set(), create() {} }",
        'configSchema must be a zod schema',
      ],
      [
        `{ typeName: 'x', configSchema: ${FAKE_SCHEMA}, noExpandFields: new Set(), create() {} }`,
        'missing extrasRequired',
      ],
      [
        `{ typeName: 'x', configSchema: ${FAKE_SCHEMA}, extrasRequired: 'pg', noExpandFields: new Set(), create() {} }`,
        'extrasRequired must be an array, got string',
      ],
      [`{ typeName: 'x', configSchema: ${FAKE_SCHEMA}, extrasRequired: [], create() {} }`, 'missing noExpandFields'],
      [
        `{ typeName: 'x', configSchema: ${FAKE_SCHEMA}, extrasRequired: [], noExpandFields: ['query'], create() {} }`,
        'noExpandFields must be a Set, got Array',
      ],
      [
        `{ typeName: 'x', configSchema: ${FAKE_SCHEMA}, extrasRequired: [], noExpandFields: new Set() }`,
        'create is missing or not callable',
      ],
      [
        `class X { static typeName = 'x'; static configSchema = ${FAKE_SCHEMA}; static extrasRequired = []; static noExpandFields = new Set(); }`,
        'fetch is missing',
      ],
      [
        `class X { static typeName = 'x'; static configSchema = ${FAKE_SCHEMA}; static extrasRequired = []; static noExpandFields = new Set(); get fetch() { return 5; } }`,
        'fetch is not callable',
      ],
      ['42', 'the export is a number'],
    ];
    for (const [body, message] of cases) {
      const entry = pluginModule(body);
      const err = await buildError(entry);
      expect(err.message).toBe(
        `DataSource plugin '${entry}' from '${entry}' failed contract validation: ${err.message.split('failed contract validation: ')[1]}`,
      );
      expect(err.message, body).toContain(message);
      expect(err.message).toContain('examples/plugin-echo/README.md');
    }
  });

  it('accepts class-shaped plugins', async () => {
    const entry = pluginModule(`class Echoish {
      static typeName = 'classy';
      static configSchema = ${FAKE_SCHEMA};
      static extrasRequired = [];
      static noExpandFields = new Set();
      constructor(config) { this.config = config; }
      async fetch() { return { columns: { u: [this.config.who], i: ['x'] } }; }
    }`);
    const registry = await onlyEnv(entry);
    const table = await (await registry.createSource({ type: 'classy', who: 'me' })).fetch({
      recipeName: 'r',
      runId: 'x',
      extra: {},
    });
    expect(table.values('u')).toEqual(['me']);
  });

  it('refuses a type name that is already registered, naming both', async () => {
    const entry = pluginModule(validPlugin('csv'));
    const err = await buildError(entry);
    expect(err.message).toBe(
      `Duplicate DataSource type 'csv': registered by 'recotem:builtin/csv' and by '${entry}'. Each plugin type name must be unique.`,
    );
  });
});

describe('sources handed out by the registry', () => {
  async function sourceFrom(createBody: string) {
    const entry = pluginModule(`{
      typeName: 'probe${++moduleCounter}',
      configSchema: ${FAKE_SCHEMA},
      extrasRequired: [],
      noExpandFields: new Set(),
      create(config) { ${createBody} },
    }`);
    const registry = await onlyEnv(entry);
    const type = registry.knownTypes().at(-1)!;
    return registry.createSource({ type });
  }
  const ctx = { recipeName: 'r', runId: 'run', extra: {} };

  it('turns plain columns into an InteractionTable', async () => {
    const source = await sourceFrom("return { fetch: async () => ({ columns: { u: ['a', null], n: [1, 2] } }) };");
    const table = await source.fetch(ctx);
    expect(table).toBeInstanceOf(InteractionTable);
    expect(table.values('u')).toEqual(['a', null]);
    expect(source.probe).toBeUndefined();
  });

  it('marks errors coded datasource_error as DataSourceError and passes our errors through', async () => {
    const marked = await sourceFrom(
      "return { fetch: async () => { throw Object.assign(new Error('table gone'), { code: 'datasource_error' }); }, probe: async () => { throw Object.assign(new Error('no route'), { code: 'datasource_error' }); } };",
    );
    const fetchErr = await marked.fetch(ctx).catch((e) => e);
    expect(fetchErr).toBeInstanceOf(DataSourceError);
    expect(fetchErr.message).toBe('table gone');
    expect(fetchErr.cause).toBeInstanceOf(Error);
    await expect(marked.probe!()).rejects.toBeInstanceOf(DataSourceError);
    const plain = await sourceFrom("return { fetch: async () => { throw new TypeError('bug'); } };");
    const bug = await plain.fetch(ctx).catch((e) => e);
    expect(bug).toBeInstanceOf(TypeError);
    expect(bug).not.toBeInstanceOf(DataSourceError);
  });

  it('rejects sources without fetch and unusable fetch results', async () => {
    await expect(sourceFrom('return {};')).rejects.toThrow(/created a source without a callable fetch\(\)/);
    const wrong = await sourceFrom('return { fetch: async () => [1, 2, 3] };');
    await expect(wrong.fetch(ctx)).rejects.toThrow(
      /returned Array from fetch\(\); expected an InteractionTable or \{columns/,
    );
    const ragged = await sourceFrom('return { fetch: async () => ({ columns: { a: [1], b: [1, 2] } }) };');
    await expect(ragged.fetch(ctx)).rejects.toThrow(DataSourceError);
  });

  it('normalises errors thrown by create', async () => {
    const err = await sourceFrom(
      "throw Object.assign(new Error('install the driver'), { code: 'datasource_error' });",
    ).catch((e) => e);
    expect(err).toBeInstanceOf(DataSourceError);
    expect(err.message).toBe('install the driver');
  });

  it('passes our own errors through as they are', async () => {
    const holder = globalThis as { __recotemRegistryTestError?: unknown };
    const source = await sourceFrom('return { fetch: async () => { throw globalThis.__recotemRegistryTestError; } };');
    try {
      for (const error of [new DataSourceError('already ours'), new RecipeError('recipe problem')]) {
        holder.__recotemRegistryTestError = error;
        expect(await source.fetch(ctx).catch((e) => e)).toBe(error);
      }
    } finally {
      delete holder.__recotemRegistryTestError;
    }
  });
});

describe('package discovery', () => {
  let nm: string;
  let nearer: string;
  beforeAll(() => {
    nm = path.join(dir, 'far', 'node_modules');
    nearer = path.join(dir, 'near', 'node_modules');
    const pkg = (
      root: string,
      name: string,
      manifest: Record<string, unknown> | string,
      files: Record<string, string> = {},
    ) => {
      const pkgDir = path.join(root, name);
      mkdirSync(pkgDir, { recursive: true });
      writeFileSync(
        path.join(pkgDir, 'package.json'),
        typeof manifest === 'string' ? manifest : JSON.stringify({ name, ...manifest }),
      );
      for (const [file, text] of Object.entries(files)) writeFileSync(path.join(pkgDir, file), text);
    };
    const source = (typeName: string) => `export const plugin = ${validPlugin(typeName)};\n`;
    pkg(nm, 'zeta-plugin', { recotem: { datasources: { zeta: './main.mjs#plugin' } } }, { 'main.mjs': source('zeta') });
    pkg(nm, '@acme/warehouse', { recotem: { datasources: { wh: 'lib/wh.mjs#plugin', wh2: './lib/wh2.mjs#plugin' } } });
    mkdirSync(path.join(nm, '@acme', 'warehouse', 'lib'));
    writeFileSync(path.join(nm, '@acme', 'warehouse', 'lib', 'wh.mjs'), source('warehouse'));
    writeFileSync(path.join(nm, '@acme', 'warehouse', 'lib', 'wh2.mjs'), source('warehouse2'));
    pkg(nm, 'unrelated', { version: '1.0.0' });
    pkg(nm, 'broken-json', '{ not json');
    pkg(nm, 'shadowed', { recotem: { datasources: { s: './far.mjs#plugin' } } }, { 'far.mjs': source('far') });
    pkg(nearer, 'shadowed', { recotem: { datasources: { s: './near.mjs#plugin' } } }, { 'near.mjs': source('near') });
    mkdirSync(path.join(nm, '.bin'));
  });

  it('registers declared entries in package-name order, nearest package first', async () => {
    const registry = await buildSourceRegistry({ nodeModulesDirs: [nearer, nm], env: {} });
    expect(registry.knownTypes()).toEqual([
      'csv',
      'parquet',
      'bigquery',
      'sql',
      'warehouse',
      'warehouse2',
      'near',
      'zeta',
    ]);
    expect(registry.require('warehouse')).toMatchObject({
      entryName: 'wh',
      target: '@acme/warehouse:lib/wh.mjs#plugin',
    });
    expect(logs.events('datasource_plugin_registered').map((r) => r.type_name)).toEqual(registry.knownTypes());
  });

  it('treats a broken declared entry as fatal', async () => {
    const bad = path.join(dir, 'bad', 'node_modules');
    mkdirSync(path.join(bad, 'escaper'), { recursive: true });
    writeFileSync(
      path.join(bad, 'escaper', 'package.json'),
      JSON.stringify({ name: 'escaper', recotem: { datasources: { e: '../../x.mjs#plugin' } } }),
    );
    const err = await buildSourceRegistry({ nodeModulesDirs: [bad], env: {} }).catch((e) => e);
    expect(err).toBeInstanceOf(DataSourceError);
    expect(err.message).toMatch(
      /^Failed to load DataSource plugin 'e' from 'escaper:\.\.\/\.\.\/x\.mjs#plugin': module path '\.\.\/\.\.\/x\.mjs' leaves the package/,
    );
  });

  it('scans node_modules on its own resolution path by default without failing', async () => {
    const registry = await buildSourceRegistry({ env: {} });
    expect(registry.knownTypes().slice(0, 2)).toEqual(['csv', 'parquet']);
  });
});

describe('process-wide cache', () => {
  afterEach(() => resetSourceRegistryForTests());

  it('builds once and can be reset for tests', async () => {
    resetSourceRegistryForTests();
    const first = await getSourceRegistry({ nodeModulesDirs: [], env: {} });
    expect(await getSourceRegistry({ nodeModulesDirs: [], env: {} })).toBe(first);
    resetSourceRegistryForTests();
    expect(await getSourceRegistry({ nodeModulesDirs: [], env: {} })).not.toBe(first);
  });

  it('does not cache a failed build', async () => {
    resetSourceRegistryForTests();
    const bad = path.join(dir, 'nope.mjs');
    await expect(
      getSourceRegistry({ nodeModulesDirs: [], env: { RECOTEM_PLUGINS: `${bad}#p` } }),
    ).rejects.toBeInstanceOf(DataSourceError);
    const ok = await getSourceRegistry({ nodeModulesDirs: [], env: {} });
    expect(ok.knownTypes()).toEqual(['csv', 'parquet', 'bigquery', 'sql']);
  });
});
