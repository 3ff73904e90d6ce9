/**
 * Opening a local file that configuration names (a data source, item metadata, an artifact): only
 * regular files outside the kernel's pseudo filesystems are read. `/proc/self/environ` holds the
 * process's secrets and reports itself as a regular file of size 0; FIFOs block the reader until a
 * writer appears; devices stream forever; sockets cannot be read at all. The data and artifact
 * layers share this check, so it lives at the bottom of the layer stack.
 */
import { constants, promises as fs, realpathSync, statSync } from 'node:fs';
import { sep } from 'node:path';

/** Kernel pseudo filesystems: never data, whatever `stat` says about their entries. */
const PSEUDO_ROOTS = ['/proc', '/sys', '/dev'];

/** The file exists but is not something data may be read from; `what` says what it is instead. */
export class NotRegularFileError extends Error {
  override name = 'NotRegularFileError';
  readonly code = 'ENOTREGULAR';
  constructor(
    readonly path: string,
    readonly what: string,
  ) {
    super(`'${path}' is not a regular file (${what}); only regular files are read`);
  }
}

function kindOf(st: {
  isFIFO(): boolean;
  isSocket(): boolean;
  isCharacterDevice(): boolean;
  isBlockDevice(): boolean;
  isDirectory(): boolean;
}): string {
  if (st.isFIFO()) return 'a FIFO';
  if (st.isSocket()) return 'a socket';
  if (st.isCharacterDevice()) return 'a character device';
  if (st.isBlockDevice()) return 'a block device';
  if (st.isDirectory()) return 'a directory';
  return 'not a regular file';
}

/** The pseudo filesystem `real` lies in, or null. */
export function pseudoFilesystemOf(real: string): string | null {
  for (const root of PSEUDO_ROOTS) if (real === root || real.startsWith(`${root}${sep}`)) return root;
  return null;
}

/**
 * The same refusal for a file another library opens itself (a SQLite database): checked on the
 * path only. A missing file is left to that library, which reports it in its own terms.
 */
export function requireRegularFileSync(path: string): void {
  let st: ReturnType<typeof statSync>;
  try {
    st = statSync(path);
  } catch {
    return;
  }
  if (!st.isFile()) throw new NotRegularFileError(path, kindOf(st));
  const pseudo = pseudoFilesystemOf(realpathSync(path));
  if (pseudo !== null) throw new NotRegularFileError(path, `a file under ${pseudo}`);
}

async function realPathOf(handle: fs.FileHandle, path: string): Promise<string> {
  // The descriptor's own link names the file actually opened, whatever was swapped in since.
  try {
    return await fs.readlink(`/proc/self/fd/${handle.fd}`);
  } catch {
    return fs.realpath(path);
  }
}

/**
 * Opens `path` read-only after checking, before and after the open, that it is a regular file
 * outside `/proc`, `/sys` and `/dev`. The open never blocks on a FIFO and never makes a terminal
 * the controlling one. OS errors (ENOENT, EACCES, ...) pass through unchanged; special files
 * reject with {@link NotRegularFileError}. The caller owns the returned handle.
 */
export async function openRegularFile(path: string): Promise<fs.FileHandle> {
  const before = await fs.stat(path);
  if (!before.isFile()) throw new NotRegularFileError(path, kindOf(before));
  const pseudo = pseudoFilesystemOf(await fs.realpath(path));
  if (pseudo !== null) throw new NotRegularFileError(path, `a file under ${pseudo}`);
  let handle: fs.FileHandle;
  try {
    handle = await fs.open(path, constants.O_RDONLY | constants.O_NONBLOCK | constants.O_NOCTTY);
  } catch (err) {
    // A socket swapped in after the stat cannot be opened at all.
    if ((err as NodeJS.ErrnoException).code === 'ENXIO') throw new NotRegularFileError(path, 'a socket');
    throw err;
  }
  try {
    const st = await handle.stat();
    if (!st.isFile()) throw new NotRegularFileError(path, kindOf(st));
    const opened = pseudoFilesystemOf(await realPathOf(handle, path));
    if (opened !== null) throw new NotRegularFileError(path, `a file under ${opened}`);
    return handle;
  } catch (err) {
    await handle.close().catch(() => undefined);
    throw err;
  }
}
