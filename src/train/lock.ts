/**
 * Per-recipe training lock on `<output.path>.lock`.
 *
 * The lock is `flock(2)` with LOCK_EX|LOCK_NB on an open descriptor of the lock file, the same
 * advisory lock `flock(1)` and other trainers (including the Python original) take, so a cron wrapper
 * such as `flock -n out.recotem.lock recotem train ...` excludes us and we exclude it. The kernel
 * releases the lock when the descriptor closes or the process dies, so a killed trainer never leaves a
 * stale lock and nothing is ever deleted. flock locks belong to the open file description, so a second
 * attempt from the same process (a new descriptor) is refused too.
 */
import { createHash } from 'node:crypto';
import { closeSync, constants, lstatSync, mkdirSync, openSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import fsExt from 'fs-ext';
import { ArtifactError, LockContestedError, LockTimeoutError } from '../errors/index.js';
import { getLogger } from '../log/index.js';

const log = getLogger('recotem.train.lock');
const POLL_MS = 50;
const warnedLocalOnly = new Set<string>();

export interface LockOptions {
  /** 0 = one attempt, -1 = wait forever, > 0 = seconds to keep retrying. */
  timeoutSeconds: number;
  failOnBusy: boolean;
  /** RECOTEM_LOCK_DIR; empty means `<os tmpdir>/recotem-locks`. */
  lockDir?: string;
}

export interface HeldLock {
  readonly path: string;
  release(): void;
}

/** Where the lock file for an output path lives. */
export function lockPathFor(outputPath: string, lockDir = ''): { path: string; remoteScheme?: string } {
  const scheme = /^([a-zA-Z][a-zA-Z0-9+.-]*):\/\//.exec(outputPath)?.[1]?.toLowerCase();
  if (scheme === undefined) return { path: `${outputPath}.lock` };
  if (scheme === 'file') return { path: `${fileURLToPath(outputPath)}.lock` };
  const dir = lockDir.trim() || join(tmpdir(), 'recotem-locks');
  const digest = createHash('sha256').update(outputPath).digest('hex');
  return { path: join(dir, `${digest}.lock`), remoteScheme: scheme };
}

/**
 * Take the lock for `outputPath`. Returns the held lock, or `null` when another process holds it
 * and the caller should skip (no `--fail-on-busy`).
 */
export async function acquireRecipeLock(outputPath: string, opts: LockOptions): Promise<HeldLock | null> {
  const { timeoutSeconds } = opts;
  if (timeoutSeconds < 0 && timeoutSeconds !== -1) {
    throw new RangeError(`lock timeout must be 0, -1 or positive, got ${timeoutSeconds}`);
  }
  const { path, remoteScheme } = lockPathFor(outputPath, opts.lockDir);
  if (remoteScheme !== undefined) {
    const fields = {
      scheme: remoteScheme,
      output_path: outputPath,
      lock_path: path,
      advice: 'The lock only excludes trainers on this host; schedule remote-output recipes from one place.',
    };
    if (warnedLocalOnly.has(path)) log.debug('recipe_lock_local_only', fields);
    else {
      warnedLocalOnly.add(path);
      log.warn('recipe_lock_local_only', fields);
    }
  }
  if (!unwritableAsArtifactError(path, () => createLockFile(path))) return busy(path, opts);

  const started = Date.now();
  for (;;) {
    const held = tryLock(path);
    if (held) return held;
    if (timeoutSeconds === 0) return busy(path, opts);
    const waited = (Date.now() - started) / 1000;
    if (timeoutSeconds > 0 && waited >= timeoutSeconds) {
      const waitedSeconds = Math.round(waited * 1000) / 1000;
      log.warn('recipe_lock_timeout', { lock_path: path, waited_seconds: waitedSeconds, timeout: timeoutSeconds });
      throw new LockTimeoutError(
        `Timed out after ${waitedSeconds}s waiting for the recipe lock at ${path} (another training run holds it).`,
        waitedSeconds,
      );
    }
    await new Promise((r) => setTimeout(r, POLL_MS));
  }
}

/**
 * Storage that cannot take any file (a read-only mount, a full disk) fails the run the way the
 * artifact write itself would (exit 5, with the cause named), not as an unexpected error (exit 1).
 */
const UNWRITABLE: Readonly<Record<string, string>> = {
  EROFS: 'read-only file system',
  ENOSPC: 'no space left on device',
  EDQUOT: 'disk quota exceeded',
};

function unwritableAsArtifactError<T>(path: string, create: () => T): T {
  try {
    return create();
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    const cause = code === undefined ? undefined : UNWRITABLE[code];
    if (cause === undefined) throw err;
    throw new ArtifactError(`cannot create the recipe lock '${path}': ${cause} (${code})`, 'write', { cause: err });
  }
}

/** Create the lock file (0600, never following a symlink). False when permission is denied. */
function createLockFile(path: string): boolean {
  mkdirSync(dirname(path), { recursive: true });
  try {
    if (lstatSync(path, { throwIfNoEntry: false })?.isSymbolicLink()) {
      log.warn('recipe_lock_unsafe_symlink', { lock_path: path });
      const err = new Error(`Refusing to use lock file ${path}: it is a symbolic link.`) as NodeJS.ErrnoException;
      err.code = 'ELOOP';
      throw err;
    }
    closeSync(openSync(path, constants.O_CREAT | constants.O_WRONLY | constants.O_NOFOLLOW, 0o600));
    return true;
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'EACCES' || code === 'EPERM') return false;
    if (code === 'ELOOP') log.warn('recipe_lock_unsafe_symlink', { lock_path: path });
    throw err;
  }
}

/** Errors of a non-blocking flock that mean "someone else holds it". */
const CONTENDED = new Set(['EWOULDBLOCK', 'EAGAIN', 'EACCES']);

function tryLock(path: string): HeldLock | null {
  let fd: number;
  try {
    fd = openSync(path, constants.O_RDONLY | constants.O_NOFOLLOW);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'EACCES' || code === 'EPERM') return null;
    throw err;
  }
  try {
    fsExt.flockSync(fd, 'exnb');
  } catch (err) {
    closeSync(fd);
    if (CONTENDED.has((err as NodeJS.ErrnoException).code ?? '')) return null;
    throw err;
  }
  let released = false;
  return {
    path,
    release() {
      if (released) return;
      released = true;
      // Closing the only descriptor drops the lock; an explicit unlock first keeps that true even if
      // a child process inherited the descriptor.
      try {
        fsExt.flockSync(fd, 'un');
      } finally {
        closeSync(fd);
      }
    },
  };
}

function busy(path: string, opts: LockOptions): null {
  if (opts.failOnBusy) {
    throw new LockContestedError(
      `Recipe lock at ${path} is held by another process. Another training run for this recipe is in progress; retry later or pass --lock-timeout to wait.`,
    );
  }
  return null;
}
