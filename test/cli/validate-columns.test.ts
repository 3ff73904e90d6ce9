import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import Database from 'better-sqlite3';
import { parquetWriteFile } from 'hyparquet-writer';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { loadItemMetadata } from '../../src/data/metadata.js';
import { resetSourceRegistryForTests } from '../../src/data/sources/registry.js';
import { resetLoggingForTests } from '../../src/log/index.js';
import { runInProcess, tempDir } from './helpers.js';

const SIGNING = { RECOTEM_SIGNING_KEYS: `k1:${'ab'.repeat(32)}` };
let dir: ReturnType<typeof tempDir>;

function recipe(name: string, source: string, extra = '', schema = 'user_column: user_id'): string {
  const file = join(dir.path, `${name}.yaml`);
  writeFileSync(
    file,
    `name: ${name}
source:
${source}
schema:
  ${schema}
  item_column: item_id
  time_column: ts
${extra}training:
  algorithms: [TopPop]
  n_trials: 1
output:
  path: ${join(dir.path, `${name}.recotem`)}
`,
  );
  return file;
}

/** The message after the `<prefix>: ` of the one stderr line. */
function message(lines: string[]): string {
  expect(lines).toHaveLength(1);
  return lines[0].slice(lines[0].indexOf(': ') + 2);
}

beforeAll(() => {
  dir = tempDir('recotem-cli-columns-');
  const rows = ['user_id,item_id,ts', ...Array.from({ length: 30 }, (_, i) => `u${i % 7},i${i % 5},${1000 + i}`)];
  writeFileSync(join(dir.path, 'log.csv'), `${rows.join('\n')}\n`);
  // A header on the third line and gzip: the check reads it the way the parser does.
  writeFileSync(join(dir.path, 'log.csv.gz'), gzipSync(`# export\n\n${rows.join('\n').replace(/,/g, ';')}\n`));
  parquetWriteFile({
    filename: join(dir.path, 'log.parquet'),
    columnData: [
      { name: 'customer', data: ['u1', 'u2'], type: 'STRING' },
      { name: 'item_id', data: ['a', 'b'], type: 'STRING' },
    ],
  });
  writeFileSync(join(dir.path, 'items.csv'), 'item_id,title,category\ni0,Tea,drink\n');
  const db = new Database(join(dir.path, 'log.sqlite'));
  db.exec('CREATE TABLE log (customer TEXT, item_id TEXT, ts INTEGER)');
  const insert = db.prepare('INSERT INTO log VALUES (?, ?, ?)');
  for (let i = 0; i < 30; i++) insert.run(`u${i % 7}`, `i${i % 5}`, 1000 + i);
  db.close();
});
afterAll(() => dir.remove());
beforeEach(() => resetSourceRegistryForTests());
afterEach(() => {
  resetSourceRegistryForTests();
  resetLoggingForTests();
});

describe('recotem validate checks the recipe columns before a train', () => {
  it('passes a CSV whose header has the schema columns, and names them', async () => {
    const r = await runInProcess(['validate', recipe('ok', `  type: csv\n  path: ${join(dir.path, 'log.csv')}`)]);
    expect(r.stderr).toEqual([]);
    expect(r.stdout).toEqual([
      "Recipe 'ok': schema OK",
      'DataSource: probe OK (csv)',
      'DataSource: columns OK (user_id, item_id, ts)',
      'Validation passed.',
    ]);
    expect(r.code).toBe(0);
  });

  it('fails a wrong user_column with exit 3 and the very message train ends with', async () => {
    const file = recipe('bad', `  type: csv\n  path: ${join(dir.path, 'log.csv')}`, '', 'user_column: customer');
    const v = await runInProcess(['validate', file]);
    expect(v.code).toBe(3);
    expect(v.stderr[0]).toMatch(/^DataSource probe failed: /);
    const t = await runInProcess(['train', file], SIGNING);
    expect(t.code).toBe(3);
    expect(message(v.stderr)).toBe(message(t.stderr));
    expect(message(v.stderr)).toBe(
      `required column 'customer' not found in source '${join(dir.path, 'log.csv')}'; available columns: ['item_id', 'ts', 'user_id']`,
    );
  });

  it('fails a CSV without data rows as train does, without quoting its line', async () => {
    writeFileSync(join(dir.path, 'token.csv'), 'user_id,item_id\n');
    const file = recipe('empty', `  type: csv\n  path: ${join(dir.path, 'token.csv')}`);
    const v = await runInProcess(['validate', file]);
    const t = await runInProcess(['train', file], SIGNING);
    expect([v.code, t.code]).toEqual([3, 3]);
    expect(message(v.stderr)).toBe(message(t.stderr));
    expect(message(v.stderr)).toBe(`CSV file '${join(dir.path, 'token.csv')}' is empty (no data rows after header).`);
  });

  it('reads a gzip CSV header at the configured row and delimiter', async () => {
    const src = `  type: csv\n  path: ${join(dir.path, 'log.csv.gz')}\n  delimiter: ';'\n  header: 1`;
    const ok = await runInProcess(['validate', recipe('gz', src)]);
    expect(ok.stdout).toContain('DataSource: columns OK (user_id, item_id, ts)');
    const bad = await runInProcess(['validate', recipe('gz_bad', src, '', 'user_column: uid')]);
    expect(bad.code).toBe(3);
    expect(message(bad.stderr)).toMatch(/^required column 'uid' not found in source '.*log\.csv\.gz'/);
  });

  it('checks a Parquet schema, with the message train gives', async () => {
    const file = recipe('pq', `  type: parquet\n  path: ${join(dir.path, 'log.parquet')}`);
    const v = await runInProcess(['validate', file]);
    const t = await runInProcess(['train', file], SIGNING);
    expect([v.code, t.code]).toEqual([3, 3]);
    expect(message(v.stderr)).toBe(message(t.stderr));
    expect(message(v.stderr)).toContain("available columns: ['customer', 'item_id']");
  });

  it("checks a SQL query's column list without running it, with the message train gives", async () => {
    // The DSN comes from the real environment, as validate has no --env-var.
    process.env.RECOTEM_RECIPE_DSN = `sqlite:///${join(dir.path, 'log.sqlite')}`;
    const src = (q: string) => `  type: sql\n  dsn_env: RECOTEM_RECIPE_DSN\n  query: "${q}"`;
    try {
      const good = await runInProcess([
        'validate',
        recipe('sq', src('SELECT customer AS user_id, item_id, ts FROM log')),
      ]);
      expect(good.stdout).toContain('DataSource: columns OK (user_id, item_id, ts)');
      const file = recipe('sq_bad', src('SELECT customer, item_id FROM log'));
      const v = await runInProcess(['validate', file]);
      const t = await runInProcess(['train', file], SIGNING);
      expect([v.code, t.code]).toEqual([3, 3]);
      expect(message(v.stderr)).toBe(message(t.stderr));
      expect(message(v.stderr)).toBe(
        "required column 'user_id' not found in source 'sql'; available columns: ['customer', 'item_id']",
      );
      const noTime = await runInProcess([
        'validate',
        recipe('sq_nt', src('SELECT customer AS user_id, item_id FROM log')),
      ]);
      expect(noTime.stdout).toContain(
        "DataSource: columns OK (user_id, item_id); warning: time_column 'ts' not found in the source",
      );
      expect(noTime.code).toBe(0);
    } finally {
      delete process.env.RECOTEM_RECIPE_DSN;
    }
  });

  it('checks item_metadata columns with the message the loader gives', async () => {
    const meta = (fields: string, onMissing = 'error') =>
      `item_metadata:\n  type: csv\n  path: ${join(dir.path, 'items.csv')}\n  fields: [${fields}]\n  on_field_missing: ${onMissing}\n`;
    const src = `  type: csv\n  path: ${join(dir.path, 'log.csv')}`;
    const ok = await runInProcess(['validate', recipe('m_ok', src, meta('title, category'))]);
    expect(ok.stdout).toContain('Item metadata: columns OK (item_id; title, category)');
    expect(ok.code).toBe(0);
    const bad = await runInProcess(['validate', recipe('m_bad', src, meta('title, colour'))]);
    expect(bad.code).toBe(3);
    expect(bad.stderr[0]).toMatch(/^Item metadata check failed: /);
    const loaderError = await loadItemMetadata(
      { type: 'csv', path: join(dir.path, 'items.csv'), item_id_column: 'item_id', sha256: null },
      ['title', 'colour'],
    ).catch((e: Error) => e.message);
    expect(message(bad.stderr)).toBe(loaderError);
    const filled = await runInProcess(['validate', recipe('m_null', src, meta('title, colour', "'null'"))]);
    expect(filled.stdout).toContain('Item metadata: columns OK (item_id; title, colour; colour filled with null)');
    expect(filled.code).toBe(0);
  });
});
