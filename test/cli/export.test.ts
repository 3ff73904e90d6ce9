/**
 * `recotem export` through the command line: the summary line and `export_done` event, unknown
 * ids reported on stderr, and the exit code of each failure class (usage/recipe 2, destination 3,
 * artifact 5, configuration 8).
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { resetLoggingForTests } from '../../src/log/index.js';
import { type Fixture, writeFixture } from '../export/helpers.js';
import { TEST_SIGNING_KEYS } from '../helpers/artifacts.js';
import { runInProcess, tempDir } from './helpers.js';

const dir = tempDir('recotem-cli-export-');
const env = { RECOTEM_SIGNING_KEYS: TEST_SIGNING_KEYS };
let fx: Fixture;

beforeAll(async () => {
  fx = await writeFixture(dir.path);
});
afterAll(() => dir.remove());
afterEach(() => resetLoggingForTests());

describe('recotem export', () => {
  it('exports a recipe to CSV: summary on stdout, export_done event, unknown ids on stderr', async () => {
    const ids = join(dir.path, 'ids.txt');
    writeFileSync(ids, 'u1\nstranger\nu2\n');
    const to = join(dir.path, 'cli.csv');
    const r = await runInProcess(
      ['export', fx.recipePath, '--to', to, '--limit', '3', '--users', ids, '--metadata-field', 'genre,year'],
      env,
    );
    expect(r.stderr.filter((l) => !l.includes('stranger'))).toEqual([]);
    expect(r.code).toBe(0);
    expect(r.stdout[0]).toMatch(/^Exported 6 rows for 2 users to .*cli\.csv \(sha256:[0-9a-f]{64}\) in /);
    expect(r.stderr.join('\n')).toContain('1 id(s) unknown to the model, skipped: stranger');
    const lines = readFileSync(to, 'utf8').trim().split('\n');
    expect(lines[0]).toBe('user_id,rank,item_id,score,model_version,generated_at,genre,year');
    expect(lines.slice(1).map((l) => l.split(',')[0])).toEqual(['u1', 'u1', 'u1', 'u2', 'u2', 'u2']);
    const done = r.logs.find((l) => l.event === 'export_done');
    expect(done).toMatchObject({ recipe: 'exp', rows: 6, keys: 2 });
    expect(r.logs.some((l) => l.event === 'export_progress')).toBe(true);
    expect(r.logs.find((l) => l.event === 'export_unknown_ids')).toMatchObject({ count: 1, examples: ['stranger'] });
  });

  it('exports a bare artifact path verified with the key ring', async () => {
    const to = join(dir.path, 'bare.parquet');
    const r = await runInProcess(['export', fx.artifactPath, '--to', to, '--limit', '2'], env);
    expect(r.stderr).toEqual([]);
    expect(r.code).toBe(0);
    expect(r.stdout[0]).toMatch(/^Exported 74 rows for 37 users/);
  });

  it('an artifact signed with another key is an artifact error: exit 5, nothing written', async () => {
    const to = join(dir.path, 'never.csv');
    const r = await runInProcess(['export', fx.artifactPath, '--to', to], {
      RECOTEM_SIGNING_KEYS: `other:${'cd'.repeat(32)}`,
    });
    expect(r.code).toBe(5);
    expect(r.stderr.join('\n')).toMatch(/^Export failed: Cannot load artifact/);
    expect(() => readFileSync(to)).toThrow();
  });

  it('no signing keys, a bad --limit, a bad --filter or an unknown format: configuration error, exit 8', async () => {
    const to = join(dir.path, 'x.csv');
    expect((await runInProcess(['export', fx.artifactPath, '--to', to], {})).code).toBe(8);
    for (const extra of [
      ['--limit', '0'],
      ['--limit', '1001'],
      ['--filter', '{"genre":'],
      ['--filter', '{"genre":{"like":"x"}}'],
      ['--include-seen', '--exclude-seen'],
    ]) {
      const r = await runInProcess(['export', fx.recipePath, '--to', to, ...extra], env);
      expect(r.code, extra.join(' ')).toBe(8);
      expect(r.stderr[0]).toMatch(/^Configuration error: /);
    }
    const noFormat = await runInProcess(['export', fx.recipePath, '--to', join(dir.path, 'x.txt')], env);
    expect(noFormat.code).toBe(8);
    expect(noFormat.stderr.join('\n')).toMatch(/\.csv, \.csv\.gz or \.parquet/);
    const undeclared = await runInProcess(
      ['export', fx.recipePath, '--to', to, '--filter', '{"colour":{"eq":"x"}}'],
      env,
    );
    expect(undeclared.code).toBe(8);
    expect(undeclared.stderr.join('\n')).toMatch(/colour/);
  });

  it('an unwritable destination or unreachable database is a destination error, exit 3', async () => {
    const r = await runInProcess(['export', fx.recipePath, '--to', join(dir.path, 'missing-dir', 'x.csv')], env);
    expect(r.code).toBe(3);
    expect(r.stderr[0]).toMatch(/^Export failed: cannot write the export/);
    const db = await runInProcess(
      ['export', fx.recipePath, '--to', 'postgresql://nobody:hunter2@127.0.0.1:1/none'],
      env,
    );
    expect(db.code).toBe(3);
    expect(db.stderr.join('\n')).not.toContain('hunter2');
  });

  it('a broken recipe is exit 2, a missing --to a usage error (exit 2)', async () => {
    const broken = join(dir.path, 'broken.yaml');
    writeFileSync(broken, 'name: [unclosed\n');
    expect((await runInProcess(['export', broken, '--to', join(dir.path, 'y.csv')], env)).code).toBe(2);
    expect((await runInProcess(['export', fx.recipePath], env)).code).toBe(2);
  });
});
