/**
 * The export-sqlite example works as its README says: an export into a SQLite table is read back
 * by examples/export-sqlite/read.mjs, one user's list in rank order with its metadata columns.
 */
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runExport } from '../../src/export/index.js';
import { tempDir } from '../serve/helpers/server.js';
import { exportRequest, type Fixture, writeFixture } from './helpers.js';

const READ = join(import.meta.dirname, '../../examples/export-sqlite/read.mjs');

let fx: Fixture;
let cleanup: () => Promise<void>;

beforeAll(async () => {
  const t = await tempDir('recotem-export-example-');
  cleanup = t.cleanup;
  fx = await writeFixture(t.dir);
});
afterAll(async () => cleanup?.());

describe('examples/export-sqlite', () => {
  it('read.mjs prints the exported list of one user, best first, with metadata columns', async () => {
    const db = join(fx.dir, 'recs.db');
    const summary = await runExport(
      await exportRequest(fx, { to: `sqlite:///${db}`, table: 'recommendations', limit: 4, metadataFields: ['genre'] }),
    );
    const out = execFileSync(process.execPath, [READ, db, 'u3'], { encoding: 'utf8' }).trim().split('\n');
    expect(out[0]).toBe('rank\titem_id\tscore\tgenre');
    const rows = out.slice(1, -1).map((l) => l.split('\t'));
    expect(rows.map((r) => r[0])).toEqual(['1', '2', '3', '4']);
    const scores = rows.map((r) => Number(r[2]));
    expect([...scores].sort((a, b) => b - a)).toEqual(scores);
    expect(rows.every((r) => ['drama', 'comedy', 'noir'].includes(r[3]))).toBe(true);
    expect(out.at(-1)).toContain(summary.modelVersion);
  });
});
