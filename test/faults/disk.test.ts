/**
 * Output storage failures under a real `recotem train`: a full disk and a read-only output
 * directory end with exit 5 and a message that names the cause, and leave no temp file behind.
 * Both use a real tmpfs mount when the tests run as root (a 16 KiB filesystem that is nearly
 * full, and a read-only mount); otherwise the same errors are injected at the I/O calls.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { assertNoSecrets, registerSecret } from '../helpers/secrets.js';
import { makeTrainWorkspace, type TrainWorkspace } from '../helpers/train-fixtures.js';
import { startCli } from './helpers.js';

let ws: TrainWorkspace;
const mounted: string[] = [];

function tryMount(dir: string, options: string): boolean {
  if (process.getuid?.() !== 0) return false;
  const r = spawnSync('mount', ['-t', 'tmpfs', '-o', options, 'tmpfs', dir], { encoding: 'utf8' });
  if (r.status !== 0) return false;
  mounted.push(dir);
  return true;
}

beforeAll(() => {
  ws = makeTrainWorkspace();
  const keys = ws.env.RECOTEM_SIGNING_KEYS as string;
  registerSecret(keys.slice(keys.indexOf(':') + 1), 'disk fault signing key');
});
afterAll(() => {
  for (const dir of mounted.splice(0)) spawnSync('umount', ['-l', dir]);
  rmSync(ws.dir, { recursive: true, force: true });
});

function recipeFor(dir: string): { path: string; output: string } {
  const output = join(dir, 'model.recotem');
  const path = join(ws.dir, `${readdirSync(ws.dir).length}-recipe.yaml`);
  writeFileSync(path, readFileSync(ws.recipePath, 'utf8').replace(ws.outputPath, output));
  return { path, output };
}

async function train(recipe: string, env: NodeJS.ProcessEnv, faults: boolean, extra: string[] = []) {
  const run = startCli(['train', '-q', ...extra, recipe], env, { faults });
  const { code } = await run.exited;
  assertNoSecrets(run.stderr(), 'train stderr');
  return { code, stderr: run.stderr(), events: run.events };
}

describe('storage faults while publishing', () => {
  it('a full disk: exit 5, "no space left on device", no temp file, no artifact', async () => {
    const dir = join(ws.dir, 'full');
    mkdirSync(dir);
    let env = ws.env;
    let faults = false;
    if (tryMount(dir, 'size=16k')) {
      // Leave one page free: the lock file fits, the artifact does not.
      writeFileSync(join(dir, 'filler'), Buffer.alloc(12 * 1024, 1));
    } else {
      env = { ...ws.env, RECOTEM_FAULT_WRITE_ERRNO: 'ENOSPC', RECOTEM_FAULT_WRITE_BYTES: '1024' };
      faults = true;
    }
    const { path, output } = recipeFor(dir);
    const r = await train(path, env, faults);
    expect(r.code).toBe(5);
    expect(r.stderr).toContain(`cannot write artifact '${output}': no space left on device (ENOSPC)`);
    expect(r.events.find((e) => e.event === 'train_error')).toMatchObject({ exit_code: 5 });
    expect(readdirSync(dir).filter((n) => n !== 'filler' && !n.endsWith('.lock') && !n.endsWith('-journal'))).toEqual(
      [],
    );
  });

  it.each([
    ['with the lock', []],
    ['with --no-lock', ['--no-lock']],
  ])('a read-only output directory (%s): exit 5, "read-only file system", nothing written', async (_label, flags) => {
    const dir = join(ws.dir, `ro-${flags.length}`);
    mkdirSync(dir);
    let env = ws.env;
    let faults = false;
    if (!tryMount(dir, 'ro,size=64k')) {
      env = { ...ws.env, RECOTEM_FAULT_READONLY_DIR: dir };
      faults = true;
    }
    const { path } = recipeFor(dir);
    const r = await train(path, env, faults, flags);
    expect(r.stderr).toMatch(/read-only file system \(EROFS\)/);
    expect(r.code).toBe(5);
    expect(readdirSync(dir)).toEqual([]);
  });
});
