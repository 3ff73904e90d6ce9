/** Local filesystem access for artifacts: bounded reads and crash-safe atomic replacement. */
import { constants as bufferConstants } from 'node:buffer';
import { randomBytes } from 'node:crypto';
import { unlinkSync } from 'node:fs';
import { type FileHandle, mkdir, open, readdir, readlink, realpath, rename, stat, unlink } from 'node:fs/promises';
import { basename, dirname, isAbsolute, join, relative, sep } from 'node:path';
import { NotRegularFileError, openRegularFile } from '../config/index.js';
import { ArtifactError, RecotemError } from '../errors/index.js';
import type { ByteStore, StoreStat } from './store.js';
import { localPathOf } from './uri.js';

/** Largest single read/write request handed to the OS (fs calls take at most 2 GiB - 1). */
const IO_CHUNK = 1024 * 1024 * 1024;
const MIN_READ_BUFFER = 64 * 1024;

function pathOf(uri: string): string {
  const p = localPathOf(uri);
  if (p === undefined) throw new ArtifactError(`'${uri}' is not a local path`, 'read');
  return p;
}

/**
 * Read at most `cap + 1` bytes of a regular file (FIFOs, devices, sockets and files under /proc,
 * /sys or /dev are refused before anything is read).
 */
export async function readLocalBounded(path: string, cap: number, root: string | null = null): Promise<Buffer> {
  let fh: FileHandle;
  try {
    fh = await openRegularFile(path);
  } catch (err) {
    if (err instanceof NotRegularFileError) {
      throw new ArtifactError(`artifact '${path}' is not a regular file (${err.what})`, 'read', { cause: err });
    }
    throw err;
  }
  try {
    if (root !== null) await requireInsideRoot(fh, path, root);
    return await readHandleBounded(fh, cap, (await fh.stat()).size, path);
  } finally {
    await fh.close();
  }
}

/**
 * The file actually opened (its descriptor's link, so a symlink swapped after the open changes
 * nothing) must lie inside the real path of `root`.
 */
async function requireInsideRoot(fh: FileHandle, path: string, root: string): Promise<void> {
  let opened: string;
  try {
    opened = await readlink(`/proc/self/fd/${fh.fd}`);
  } catch {
    opened = await realpath(path);
  }
  let realRoot: string;
  try {
    realRoot = await realpath(root);
  } catch {
    throw new ArtifactError(`RECOTEM_ARTIFACT_ROOT '${root}' cannot be resolved; refusing to read '${path}'`, 'read');
  }
  const rel = relative(realRoot, opened);
  if (rel === '' || rel === '..' || rel.startsWith(`..${sep}`) || isAbsolute(rel)) {
    throw new ArtifactError(
      `artifact '${path}' resolves outside RECOTEM_ARTIFACT_ROOT; symlink escapes are refused`,
      'read',
    );
  }
}

/**
 * Read at most `cap + 1` bytes from an open file. The size hint (from fstat) only sizes the first
 * buffer; the decision about the cap is made on the bytes actually read, so a file that grows
 * between the stat and the read cannot slip past the cap.
 */
export async function readHandleBounded(fh: FileHandle, cap: number, sizeHint: number, path: string): Promise<Buffer> {
  const limit = cap + 1;
  const hardLimit = Math.min(limit, bufferConstants.MAX_LENGTH);
  let buf = Buffer.allocUnsafe(Math.min(hardLimit, Math.max(MIN_READ_BUFFER, sizeHint + 1)));
  let filled = 0;
  for (;;) {
    if (filled === buf.length) {
      if (buf.length >= hardLimit) break;
      const bigger = Buffer.allocUnsafe(Math.min(hardLimit, buf.length * 2));
      buf.copy(bigger, 0, 0, filled);
      buf = bigger;
    }
    const { bytesRead } = await fh.read(buf, filled, Math.min(IO_CHUNK, buf.length - filled), null);
    if (bytesRead === 0) break;
    filled += bytesRead;
  }
  if (filled === hardLimit && hardLimit < limit) {
    throw new ArtifactError(
      `artifact at '${path}' is larger than the biggest buffer this runtime can hold (${hardLimit} bytes)`,
      'read',
    );
  }
  return buf.subarray(0, filled);
}

/** `.<destination name>.<12 hex>.tmp`, in the destination directory. */
function tempPathFor(path: string): string {
  return join(dirname(path), `.${basename(path)}.${randomBytes(6).toString('hex')}.tmp`);
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/**
 * Removes the temp files that writers killed before their rename (SIGKILL, power loss) left
 * next to `outputPath`: those of the output itself and of its sha-suffixed targets. Only call this
 * while holding the recipe lock, so no live writer's temp file can match. Returns the names removed.
 */
export async function removeStaleTempFiles(outputPath: string): Promise<string[]> {
  const dir = dirname(outputPath);
  const base = basename(outputPath);
  const stem = base.endsWith('.recotem') ? base.slice(0, -'.recotem'.length) : base;
  const own = new RegExp(`^\\.${escapeRegExp(base)}\\.[0-9a-f]{12}\\.tmp$`);
  const target = new RegExp(`^\\.${escapeRegExp(stem)}\\.[0-9a-f]{8}\\.recotem\\.[0-9a-f]{12}\\.tmp$`);
  let names: string[];
  try {
    names = await readdir(dir);
  } catch {
    return [];
  }
  const removed: string[] = [];
  for (const name of names) {
    if (!own.test(name) && !target.test(name)) continue;
    try {
      await unlink(join(dir, name));
      removed.push(name);
    } catch {
      // gone already, or not ours to remove: the write itself will report real problems
    }
  }
  return removed;
}

/** Temp files still on disk; removed if the process exits before the rename. */
const pendingTemps = new Set<string>();
let exitHookInstalled = false;

function trackTemp(path: string): void {
  pendingTemps.add(path);
  if (!exitHookInstalled) {
    exitHookInstalled = true;
    process.once('exit', () => {
      for (const p of pendingTemps) {
        try {
          unlinkSync(p);
        } catch {
          // already gone
        }
      }
    });
  }
}

const WRITE_FAILURES: Readonly<Record<string, string>> = {
  ENOSPC: 'no space left on device',
  EDQUOT: 'disk quota exceeded',
  EIO: 'I/O error',
  EROFS: 'read-only file system',
  EACCES: 'permission denied',
  EPERM: 'operation not permitted',
};

function writeFailure(err: unknown, path: string): unknown {
  if (err instanceof RecotemError) return err;
  const code = (err as { code?: unknown })?.code;
  const known = typeof code === 'string' ? WRITE_FAILURES[code] : undefined;
  const detail = known ? `${known} (${code})` : err instanceof Error ? err.message : String(err);
  return new ArtifactError(`cannot write artifact '${path}': ${detail}`, 'write', { cause: err });
}

async function writeAll(fh: FileHandle, bytes: Uint8Array): Promise<void> {
  let pos = 0;
  while (pos < bytes.length) {
    const { bytesWritten } = await fh.write(bytes, pos, Math.min(IO_CHUNK, bytes.length - pos), pos);
    pos += bytesWritten;
  }
}

async function syncIfSupported(fh: FileHandle): Promise<void> {
  try {
    await fh.sync();
  } catch (err) {
    const code = (err as { code?: unknown }).code;
    if (code !== 'EINVAL' && code !== 'ENOTSUP') throw err;
  }
}

async function syncDirectory(dir: string): Promise<void> {
  // Makes the rename durable; some filesystems refuse to open or fsync a directory, which is fine.
  try {
    const fh = await open(dir, 'r');
    try {
      await fh.sync();
    } finally {
      await fh.close();
    }
  } catch {
    // durability of the directory entry is best effort
  }
}

export interface AtomicWriteOptions {
  /** Runs after the data is on disk and just before the rename (e.g. the artifact-root re-check). */
  beforeRename?: (destination: string) => void | Promise<void>;
}

/**
 * Write through a uniquely named temp file in the destination directory, fsync it, run the
 * pre-rename hook and rename it over the destination. On any failure the temp file is removed
 * and an ArtifactError with reason `write` is thrown (errors from the hook pass through as is).
 */
export async function writeLocalAtomic(path: string, bytes: Uint8Array, opts: AtomicWriteOptions = {}): Promise<void> {
  const dir = dirname(path);
  let tmp: string | undefined;
  let fh: FileHandle | undefined;
  try {
    await mkdir(dir, { recursive: true });
    tmp = tempPathFor(path);
    trackTemp(tmp);
    fh = await open(tmp, 'wx', 0o644);
    await writeAll(fh, bytes);
    await syncIfSupported(fh);
    await fh.close();
    fh = undefined;
    if (opts.beforeRename) await opts.beforeRename(path);
    await rename(tmp, path);
    pendingTemps.delete(tmp);
  } catch (err) {
    if (fh) await fh.close().catch(() => undefined);
    if (tmp) {
      await unlink(tmp).catch(() => undefined);
      pendingTemps.delete(tmp);
    }
    throw writeFailure(err, path);
  }
  await syncDirectory(dir);
}

/** The local store with every read contained in `root` (RECOTEM_ARTIFACT_ROOT). */
export function containedLocalByteStore(root: string): ByteStore {
  return { ...localByteStore, readBounded: (uri, cap) => readLocalBounded(pathOf(uri), cap, root) };
}

export const localByteStore: ByteStore = {
  readBounded: (uri, cap) => readLocalBounded(pathOf(uri), cap),
  writeAtomic: (uri, bytes) => writeLocalAtomic(pathOf(uri), bytes),
  async stat(uri): Promise<StoreStat> {
    const st = await stat(pathOf(uri));
    return { size: st.size, mtimeMs: st.mtimeMs };
  },
};
