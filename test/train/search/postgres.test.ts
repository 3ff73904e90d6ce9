import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runSearch } from '../../../src/train/search/index.js';
import { openPostgresStore } from '../../../src/train/search/store/postgres.js';
import { serverUp } from '../../helpers/servers.js';
import { baseOptions, crashSession } from './fixtures/helpers.js';
import { contract } from './fixtures/store-contract.js';

// Credentials never go into the storage URL: the server's user comes from the environment.
process.env.PGUSER ??= 'postgres';
const URL_ = 'postgresql://127.0.0.1:5432/recotem_test';
const run = `t${Date.now().toString(36)}${Math.random().toString(16).slice(2, 8)}_`;
const dir = mkdtempSync(join(tmpdir(), 'recotem-pg-'));
const CHILD = fileURLToPath(new URL('./fixtures/pg-search-child.ts', import.meta.url));
let admin: pg.Client;
const pgUp = serverUp('postgres');

beforeAll(async () => {
  if (!pgUp) return;
  admin = new pg.Client({ connectionString: URL_ });
  await admin.connect();
});
afterAll(async () => {
  rmSync(dir, { recursive: true, force: true });
  if (!pgUp) return;
  // Leave the shared test database as we found it.
  const ids = `SELECT id FROM recotem_studies WHERE name LIKE '${run}%'`;
  for (const table of ['recotem_queue', 'recotem_trials', 'recotem_sessions']) {
    await admin.query(`DELETE FROM ${table} WHERE study_id IN (${ids})`);
  }
  await admin.query(`DELETE FROM recotem_studies WHERE name LIKE '${run}%'`);
  await admin.end();
});

contract('PostgreSQL', () => openPostgresStore(URL_), run, !pgUp);

async function waitForLocksReleased(study: string): Promise<void> {
  for (let i = 0; i < 500; i++) {
    const r = await admin.query(
      `SELECT COUNT(*)::int AS n FROM recotem_sessions s JOIN recotem_studies st ON st.id = s.study_id
        WHERE st.name = $1 AND EXISTS (SELECT 1 FROM pg_locks l WHERE l.locktype = 'advisory' AND l.objid = s.id::oid AND l.objsubid = 2)`,
      [study],
    );
    if (r.rows[0].n === 0) return;
    await new Promise((res) => setTimeout(res, 10));
  }
  throw new Error('the crashed session still holds its lock');
}

describe.skipIf(!pgUp)('PostgreSQL study store', () => {
  it('detects a crashed process through its released session lock', async () => {
    const study = `${run}crash`;
    const stale = crashSession(URL_, study);
    await waitForLocksReleased(study);
    const store = openPostgresStore(URL_);
    try {
      const s = await store.openStudy(study);
      const info = await s.beginSession({
        nTrials: 3,
        activeClasses: ['IALSRecommender', 'TopPopRecommender'],
        budgets: { IALSRecommender: 2, TopPopRecommender: 1 },
      });
      expect(info).toMatchObject({ joined: false, round: 2, queued: ['IALSRecommender', 'TopPopRecommender'] });
      expect((await s.trials()).map((t) => [t.number, t.state])).toEqual([
        [0, 'COMPLETE'],
        [stale, 'FAIL'],
      ]);
      await s.endSession();
    } finally {
      await store.close();
    }
  }, 30_000);

  it('runs a search on PostgreSQL storage with parallel trials', async () => {
    const res = await runSearch(
      baseOptions({
        classes: ['CosineKNNRecommender', 'TopPopRecommender'],
        budgets: { CosineKNNRecommender: 3, TopPopRecommender: 3 },
        nTrials: 6,
        parallelism: 2,
        storage: URL_,
        studyName: `${run}search`,
      }),
    );
    expect(res.n_completed).toBe(6);
    expect(res.trials.map((t) => t.number)).toEqual([0, 1, 2, 3, 4, 5]);
  }, 30_000);

  it('lets three processes share one study without exceeding its budgets', async () => {
    const study = `${run}shared`;
    const barrier = join(dir, 'go');
    const children = [0, 1, 2].map(() => {
      const child = spawn(process.execPath, ['--import', 'tsx', CHILD, URL_, study, barrier], {
        env: { ...process.env, RECOTEM_SYNTH_DELAY_MS: '40' },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let out = '';
      let err = '';
      child.stdout.on('data', (d) => {
        out += d;
      });
      child.stderr.on('data', (d) => {
        err += d;
      });
      const ready = new Promise<void>((resolve) => {
        const check = (): void => {
          if (out.includes('ready')) resolve();
        };
        child.stdout.on('data', check);
      });
      const done = new Promise<string>((resolve, reject) => {
        child.on('exit', (code) => (code === 0 ? resolve(out) : reject(new Error(`child failed (${code}): ${err}`))));
      });
      return { ready, done };
    });
    await Promise.all(children.map((c) => c.ready));
    writeFileSync(barrier, '');
    const outputs = await Promise.all(children.map((c) => c.done));
    const reports = outputs.map((o) => JSON.parse(o.trim().split('\n').pop() as string));

    const seen = reports.flatMap((r) => r.trials as number[]);
    // Together the processes ran exactly the study's 24 trials, each number once.
    expect(seen.sort((a, b) => a - b)).toEqual([...Array(24).keys()]);
    // Each process took part (none finished before the others started).
    for (const r of reports) expect(r.trials.length).toBeGreaterThan(0);

    const rows = (
      await admin.query(
        `SELECT t.number, t.state, t.class, t.round FROM recotem_trials t JOIN recotem_studies s ON s.id = t.study_id
          WHERE s.name = $1 ORDER BY t.number`,
        [study],
      )
    ).rows as Array<{ number: number; state: string; class: string; round: number }>;
    expect(rows).toHaveLength(24);
    expect(new Set(rows.map((r) => r.round))).toEqual(new Set([1]));
    for (const cls of ['CosineKNNRecommender', 'IALSRecommender', 'TopPopRecommender']) {
      expect(rows.filter((r) => r.class === cls && r.state === 'COMPLETE').length).toBeLessThanOrEqual(8);
    }
    const sessions = await admin.query(
      'SELECT s.round, s.ended_at FROM recotem_sessions s JOIN recotem_studies st ON st.id = s.study_id WHERE st.name = $1',
      [study],
    );
    expect(sessions.rows).toHaveLength(3);
    expect(sessions.rows.every((r) => r.round === 1 && r.ended_at !== null)).toBe(true);
    // All processes report the same study-wide result.
    expect(new Set(reports.map((r) => r.best)).size).toBe(1);
    expect(new Set(reports.map((r) => r.n_completed)).size).toBe(1);
  }, 60_000);
});
