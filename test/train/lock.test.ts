import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { exitCodeFor, LockContestedError, LockTimeoutError } from '../../src/errors/index.js';
import { acquireRecipeLock, lockPathFor } from '../../src/train/lock.js';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'recotem-lock-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

/** A separate process that takes the lock, prints "held" and waits to be killed. */
function holdInChild(output: string): Promise<ChildProcess> {
  const script = `
    const { acquireRecipeLock } = await import(${JSON.stringify(new URL('../../src/train/lock.ts', import.meta.url).href)});
    const held = await acquireRecipeLock(${JSON.stringify(output)}, { timeoutSeconds: 0, failOnBusy: true });
    console.log(held ? 'held' : 'busy');
    setInterval(() => {}, 1000);
  `;
  const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  return new Promise((resolve, reject) => {
    child.stdout?.on('data', (d: Buffer) =>
      d.toString().includes('held') ? resolve(child) : reject(new Error(d.toString())),
    );
    child.on('error', reject);
  });
}

describe('recipe lock', () => {
  it('lets one holder in and skips or fails the others', async () => {
    const out = join(dir, 'model.recotem');
    const first = await acquireRecipeLock(out, { timeoutSeconds: 0, failOnBusy: false });
    expect(first?.path).toBe(`${out}.lock`);
    expect(statSync(`${out}.lock`).mode & 0o777).toBe(0o600);
    expect(await acquireRecipeLock(out, { timeoutSeconds: 0, failOnBusy: false })).toBeNull();
    const busy = acquireRecipeLock(out, { timeoutSeconds: 0, failOnBusy: true });
    await expect(busy).rejects.toBeInstanceOf(LockContestedError);
    await busy.catch((err) => {
      expect(exitCodeFor(err)).toBe(6);
      expect(String(err.message)).toContain(`Recipe lock at ${out}.lock is held by another process`);
    });
    first?.release();
    const again = await acquireRecipeLock(out, { timeoutSeconds: 0, failOnBusy: true });
    expect(again).not.toBeNull();
    again?.release();
  });

  it('times out with LockTimeoutError even without --fail-on-busy', async () => {
    const out = join(dir, 'model.recotem');
    const held = await acquireRecipeLock(out, { timeoutSeconds: 0, failOnBusy: false });
    const started = Date.now();
    const err = await acquireRecipeLock(out, { timeoutSeconds: 0.2, failOnBusy: false }).catch((e) => e);
    expect(err).toBeInstanceOf(LockTimeoutError);
    expect(exitCodeFor(err)).toBe(6);
    expect((err as LockTimeoutError).waitedSeconds).toBeGreaterThanOrEqual(0.2);
    expect(Date.now() - started).toBeLessThan(2000);
    held?.release();
  });

  it('waits for the holder with timeout -1', async () => {
    const out = join(dir, 'model.recotem');
    const held = await acquireRecipeLock(out, { timeoutSeconds: 0, failOnBusy: false });
    setTimeout(() => held?.release(), 150);
    const waited = await acquireRecipeLock(out, { timeoutSeconds: -1, failOnBusy: true });
    expect(waited).not.toBeNull();
    waited?.release();
  });

  it('is released by the kernel when the holding process is killed', async () => {
    const out = join(dir, 'model.recotem');
    const child = await holdInChild(out);
    try {
      expect(await acquireRecipeLock(out, { timeoutSeconds: 0, failOnBusy: false })).toBeNull();
    } finally {
      child.kill('SIGKILL');
      await new Promise((r) => child.once('exit', r));
    }
    const after = await acquireRecipeLock(out, { timeoutSeconds: 1, failOnBusy: true });
    expect(after).not.toBeNull();
    after?.release();
  });

  it('refuses a symlink at the lock path with an unmapped error', async () => {
    const out = join(dir, 'model.recotem');
    writeFileSync(join(dir, 'elsewhere'), '');
    symlinkSync(join(dir, 'elsewhere'), `${out}.lock`);
    const err = await acquireRecipeLock(out, { timeoutSeconds: 0, failOnBusy: false }).catch((e) => e);
    expect((err as NodeJS.ErrnoException).code).toBe('ELOOP');
    expect(exitCodeFor(err)).toBe(1);
  });

  it('rejects negative timeouts other than -1', async () => {
    await expect(acquireRecipeLock(join(dir, 'x'), { timeoutSeconds: -2, failOnBusy: false })).rejects.toThrow(
      RangeError,
    );
  });
});

describe('recipe lock against flock(1)', () => {
  it('is busy while flock(1) holds the lock file', async () => {
    const out = join(dir, 'model.recotem');
    writeFileSync(`${out}.lock`, '');
    const holder = spawn('flock', ['-n', `${out}.lock`, '-c', 'echo held; exec sleep 30'], {
      stdio: ['ignore', 'pipe', 'inherit'],
      // Its own process group: flock(1) runs the command in a child that inherits the locked
      // descriptor, so the whole group must go for the lock to be released.
      detached: true,
    });
    try {
      await new Promise<void>((resolve, reject) => {
        holder.stdout?.on('data', (d: Buffer) => (d.toString().includes('held') ? resolve() : undefined));
        holder.once('exit', (code) => reject(new Error(`flock(1) exited ${code} before holding`)));
      });
      expect(await acquireRecipeLock(out, { timeoutSeconds: 0, failOnBusy: false })).toBeNull();
      await expect(acquireRecipeLock(out, { timeoutSeconds: 0, failOnBusy: true })).rejects.toBeInstanceOf(
        LockContestedError,
      );
    } finally {
      const exited = new Promise((r) => holder.once('exit', r));
      process.kill(-(holder.pid as number), 'SIGKILL');
      await exited;
    }
    const after = await acquireRecipeLock(out, { timeoutSeconds: 1, failOnBusy: true });
    expect(after).not.toBeNull();
    after?.release();
  });

  it('makes flock(1) fail while we hold the lock, and succeed after release', async () => {
    const out = join(dir, 'model.recotem');
    const held = await acquireRecipeLock(out, { timeoutSeconds: 0, failOnBusy: true });
    expect(held).not.toBeNull();
    // flock -n exits 1 when the lock is taken (its -E default).
    expect(spawnSync('flock', ['-n', `${out}.lock`, 'true']).status).toBe(1);
    held?.release();
    expect(spawnSync('flock', ['-n', `${out}.lock`, 'true']).status).toBe(0);
  });
});

describe('lockPathFor', () => {
  it('puts remote outputs under the lock directory, named by the sha256 of the URI', () => {
    const uri = 's3://bucket/models/news.recotem';
    const digest = createHash('sha256').update(uri).digest('hex');
    expect(lockPathFor(uri, '/var/lock/recotem')).toEqual({
      path: `/var/lock/recotem/${digest}.lock`,
      remoteScheme: 's3',
    });
    expect(lockPathFor(uri, '').path).toBe(join(tmpdir(), 'recotem-locks', `${digest}.lock`));
  });

  it('turns file:// outputs into filesystem paths', () => {
    const p = join(dir, 'a b.recotem');
    expect(lockPathFor(pathToFileURL(p).href).path).toBe(`${p}.lock`);
    expect(lockPathFor('./artifacts/x.recotem').path).toBe('./artifacts/x.recotem.lock');
  });
});
