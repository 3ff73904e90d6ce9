/**
 * Publishing: an export to object storage (a local S3 emulator) appears only when complete and
 * equals the local export; an interrupted export (abort signal, or SIGTERM to a real `recotem
 * export` process) removes its staging file and leaves the previous export byte for byte.
 */
import { spawn } from 'node:child_process';
import { readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openStore } from '../../src/data/storage/index.js';
import type { ExportSink } from '../../src/export/destinations/sink.js';
import { ExportInterrupted, runExport } from '../../src/export/index.js';
import { buildArtifact, TEST_SIGNING_KEYS, writeArtifactFile } from '../helpers/artifacts.js';
import { type LocalS3, startS3, useLocalS3Env } from '../helpers/object-stores.js';
import { tempDir } from '../serve/helpers/server.js';
import { exportRequest, type Fixture, writeFixture } from './helpers.js';

const ENTRY = join(import.meta.dirname, '../../src/cli/entry.ts');

let fx: Fixture;
let s3: LocalS3;
let cleanup: () => Promise<void>;
let restoreEnv: (() => void) | undefined;

beforeAll(async () => {
  const t = await tempDir('recotem-export-atomic-');
  cleanup = t.cleanup;
  fx = await writeFixture(t.dir);
  s3 = await startS3('exports');
  restoreEnv = useLocalS3Env(s3);
});

afterAll(async () => {
  restoreEnv?.();
  await s3?.close();
  await cleanup?.();
});

describe('atomic publication', () => {
  it('object storage: Parquet and gzip CSV uploads equal the local files; no local staging file is left', async () => {
    for (const name of ['recs.parquet', 'recs.csv.gz']) {
      const local = join(fx.dir, name);
      await runExport(await exportRequest(fx, { to: local }));
      const uri = `s3://exports/nightly/${name}`;
      const summary = await runExport(await exportRequest(fx, { to: uri }));
      expect(summary.destination).toBe(uri);
      const remote = await openStore(uri).readAll(1 << 26);
      if (name.endsWith('.gz')) {
        // Same rows; only generated_at differs between the two runs.
        const strip = (b: Buffer) =>
          gunzipSync(b)
            .toString('utf8')
            .replace(/,\d{4}-\d\d-\d\dT[\d:.]+Z/g, ',T');
        expect(strip(remote)).toEqual(strip(await readFile(local)));
      } else {
        expect(remote.subarray(0, 4).toString()).toBe('PAR1');
        expect(remote.length).toBeGreaterThan(1000);
      }
    }
    const { tmpdir } = await import('node:os');
    expect((await readdir(tmpdir())).filter((f) => f.startsWith('recotem-export-recs.'))).toEqual([]);
  });

  it('an aborted export leaves the previous file byte for byte and removes its staging file', async () => {
    const to = join(fx.dir, 'keep.csv');
    await runExport(await exportRequest(fx, { to, limit: 3 }));
    const before = await readFile(to);
    const controller = new AbortController();
    const abortAfterFirstBatch = (sink: ExportSink): ExportSink => ({
      get description() {
        return sink.description;
      },
      open: (layout) => sink.open(layout),
      write: async (batch) => {
        await sink.write(batch);
        controller.abort();
      },
      commit: () => sink.commit(),
      abort: () => sink.abort(),
    });
    const run = runExport(
      await exportRequest(fx, { to, limit: 9, signal: controller.signal, wrapSink: abortAfterFirstBatch }),
    );
    await expect(run).rejects.toBeInstanceOf(ExportInterrupted);
    expect(await readFile(to)).toEqual(before);
    expect((await readdir(fx.dir)).filter((f) => f.includes('.tmp-'))).toEqual([]);
  });

  it('SIGTERM to a running `recotem export` leaves the previous export whole', async () => {
    // A model large enough that the export runs for a while after its staging file appears.
    const nUsers = 3000;
    const nItems = 300;
    const userIds = Array.from({ length: nUsers }, (_, u) => `user-${u}`);
    const itemIds = Array.from({ length: nItems }, (_, i) => `item-${i}`);
    const artifact = join(fx.dir, 'big.recotem');
    await writeArtifactFile(
      artifact,
      buildArtifact({
        algorithm: 'IALSRecommender',
        userIds,
        itemIds,
        seen: [[0, 0]],
        userFactors: userIds.map((_, u) => Array.from({ length: 8 }, (_, f) => Math.sin(u + f))),
        itemFactors: itemIds.map((_, i) => Array.from({ length: 8 }, (_, f) => Math.cos(i * f))),
      }),
    );
    const to = join(fx.dir, 'nightly.csv.gz');
    const previous = Buffer.from('user_id,rank,item_id,score,model_version,generated_at\n');
    await writeFile(to, previous);
    const child = spawn(
      process.execPath,
      ['--import', 'tsx', ENTRY, 'export', artifact, '--to', to, '--limit', '300', '--include-seen', '--threads', '1'],
      { env: { PATH: process.env.PATH, RECOTEM_SIGNING_KEYS: TEST_SIGNING_KEYS, RECOTEM_LOG_FORMAT: 'json' } },
    );
    let stderr = '';
    child.stderr.on('data', (d) => {
      stderr += String(d);
    });
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    // Wait for the staging file, then interrupt.
    let staged = false;
    for (let i = 0; i < 2000 && !staged && child.exitCode === null; i++) {
      staged = (await readdir(fx.dir)).some((f) => f.startsWith('.nightly.csv.gz.tmp-'));
      if (!staged) await new Promise((r) => setTimeout(r, 10));
    }
    expect(staged).toBe(true);
    child.kill('SIGTERM');
    const code = await exited;
    expect(code, stderr).toBe(1);
    expect(stderr).toContain('export interrupted');
    expect(await readFile(to)).toEqual(previous);
    expect((await readdir(fx.dir)).filter((f) => f.includes('.tmp-'))).toEqual([]);
  }, 60_000);
});
