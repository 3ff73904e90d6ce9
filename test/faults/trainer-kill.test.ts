/**
 * A trainer killed with SIGKILL — during the data fetch, during the search, and in the middle of
 * writing the artifact — leaves no partial artifact, no dangling pointer and no temp file, and
 * the kernel releases its lock so the next run can take it.
 * The phase is read from the CLI's own JSON events; the write is held open by an injected pause.
 */
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MODEL_FORMATS } from '../../src/algorithms/registry.js';
import { openArtifact, readArtifactBytes } from '../../src/artifact/index.js';
import { parseSigningKeyRing } from '../../src/config/index.js';
import { acquireRecipeLock } from '../../src/train/index.js';
import { buildArtifact } from '../helpers/artifacts.js';
import { assertNoSecrets, registerSecret } from '../helpers/secrets.js';
import { makePurchaseCsv, makeTrainWorkspace, type TrainWorkspace } from '../helpers/train-fixtures.js';
import { type CliProcess, filesBesidesLock, startCli } from './helpers.js';

let ws: TrainWorkspace;
let bigCsv: string;

beforeAll(() => {
  // About 200k rows: the fetch alone takes a good fraction of a second, the IALS search minutes.
  ws = makeTrainWorkspace({ csv: makePurchaseCsv({ users: 10_000, items: 2_000, perUser: 20 }) });
  bigCsv = ws.csv;
  const keys = ws.env.RECOTEM_SIGNING_KEYS as string;
  registerSecret(keys.slice(keys.indexOf(':') + 1), 'trainer-kill signing key');
});
afterAll(() => rmSync(ws.dir, { recursive: true, force: true }));

function recipe(
  name: string,
  opts: { csv?: string; training?: string; versioning?: string } = {},
): {
  path: string;
  out: string;
  output: string;
} {
  const out = join(ws.dir, name);
  mkdirSync(out, { recursive: true });
  const output = join(out, 'model.recotem');
  let text = readFileSync(ws.recipePath, 'utf8')
    .replace(ws.outputPath, output)
    .replace(bigCsv, opts.csv ?? bigCsv)
    .replace('versioning: always_overwrite', `versioning: ${opts.versioning ?? 'always_overwrite'}`);
  if (opts.training) text = text.replace(/training:\n(?: {2}.*\n)+/, `training:\n${opts.training}\n`);
  const path = join(ws.dir, `${name}.yaml`);
  writeFileSync(path, text);
  return { path, out, output };
}

async function kill(run: CliProcess): Promise<void> {
  run.child.kill('SIGKILL');
  expect((await run.exited).signal).toBe('SIGKILL');
}

async function expectLockFree(output: string): Promise<void> {
  const lock = await acquireRecipeLock(output, { timeoutSeconds: 0, failOnBusy: true });
  expect(lock).not.toBeNull();
  lock?.release();
}

describe('SIGKILL at each phase of `recotem train`', () => {
  it('during the fetch: nothing written, lock free', async () => {
    const r = recipe('kill-fetch');
    const run = startCli(['train', '-q', r.path], ws.env);
    await run.waitForEvent('csv_source_fetch_start');
    await kill(run);
    expect(run.seen('data_fetched')).toBe(false);
    expect(filesBesidesLock(r.out)).toEqual([]);
    await expectLockFree(r.output);
    assertNoSecrets(run.stderr(), 'train stderr');
  });

  it('during the search: nothing written, lock free', async () => {
    const r = recipe('kill-search', {
      training: '  algorithms: [IALS]\n  n_trials: 4\n  cutoff: 5\n  split: {heldout_ratio: 0.25, seed: 1}',
    });
    const run = startCli(['train', '-q', r.path], ws.env);
    await run.waitForEvent('search_started', 90_000);
    await new Promise((resolve) => setTimeout(resolve, 300));
    await kill(run);
    expect(run.seen('search_done')).toBe(false);
    expect(filesBesidesLock(r.out)).toEqual([]);
    await expectLockFree(r.output);
  });

  it('while writing the artifact: the previous pointer and artifact stay intact, no temp file remains after the next run', async () => {
    const r = recipe('kill-write', { versioning: 'append_sha' });
    // A model published earlier, which the interrupted run would have replaced.
    const keyRing = parseSigningKeyRing(ws.env.RECOTEM_SIGNING_KEYS as string);
    const previous = buildArtifact({ keyRing, recipeName: 'shop' });
    writeFileSync(join(r.out, 'model.00000000.recotem'), previous);
    writeFileSync(r.output, 'model.00000000.recotem\n');

    const run = startCli(
      ['train', '-q', r.path],
      { ...ws.env, RECOTEM_FAULT_PAUSE_WRITE_BYTES: '65536' },
      { faults: true },
    );
    await run.waitForEvent('fault_write_paused', 90_000);
    await kill(run);
    expect(run.seen('artifact_written')).toBe(false);

    // Readers still resolve the pointer to the complete previous artifact.
    const read = await readArtifactBytes(r.output);
    expect(read.bytes.equals(previous)).toBe(true);
    expect(openArtifact(read.bytes, { models: MODEL_FORMATS, keyRing }).kid).toBe('test-key');
    expect(filesBesidesLock(r.out).filter((n) => !n.startsWith('.'))).toEqual([
      'model.00000000.recotem',
      'model.recotem',
    ]);
    await expectLockFree(r.output);

    // The next run (on a small log, same output) takes the lock, publishes, and sweeps the
    // half-written temp file the killed run could not remove.
    writeFileSync(join(ws.dir, 'small.csv'), makePurchaseCsv());
    const next = recipe('kill-write', { versioning: 'append_sha', csv: join(ws.dir, 'small.csv') });
    const rerun = startCli(['train', '-q', next.path], ws.env);
    expect((await rerun.exited).code).toBe(0);
    expect(rerun.seen('recipe_lock_contended_skipping')).toBe(false);
    const files = filesBesidesLock(r.out);
    expect(files.filter((n) => n.endsWith('.tmp'))).toEqual([]);
    expect(files).toHaveLength(3);
    const published = await readArtifactBytes(r.output);
    expect(published.bytes.equals(previous)).toBe(false);
    expect(openArtifact(published.bytes, { models: MODEL_FORMATS, keyRing }).header.recipe_name).toBe('shop');
  });
});
