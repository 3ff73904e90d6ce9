/** Local files (bare paths and file:// URIs). */
import { randomBytes } from 'node:crypto';
import { promises as fs } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { NotRegularFileError, openRegularFile } from '../../config/index.js';
import { localPathOf } from '../uri.js';
import { type ObjectStat, type ObjectStore, StoreError, type StoreErrorKind } from './types.js';

export class LocalStore implements ObjectStore {
  readonly kind = 'local' as const;
  readonly path: string;

  constructor(readonly uri: string) {
    this.path = localPathOf(uri);
  }

  async stat(): Promise<ObjectStat> {
    try {
      const st = await fs.stat(this.path);
      return { size: st.size };
    } catch (err) {
      throw osError(err, this.path);
    }
  }

  async exists(): Promise<boolean> {
    try {
      await fs.stat(this.path);
      return true;
    } catch (err) {
      const e = osError(err, this.path);
      if (e.kind === 'not_found') return false;
      throw e;
    }
  }

  async readAll(maxBytes: number): Promise<Buffer> {
    let handle: fs.FileHandle;
    try {
      // Regular files only: /proc, /sys, /dev entries, FIFOs and sockets are never data.
      handle = await openRegularFile(this.path);
    } catch (err) {
      throw osError(err, this.path);
    }
    try {
      const limit = maxBytes + 1;
      const chunks: Buffer[] = [];
      let total = 0;
      while (total < limit) {
        const buf = Buffer.allocUnsafe(Math.min(limit - total, 1 << 20));
        const { bytesRead } = await handle.read(buf, 0, buf.length, null);
        if (bytesRead === 0) break;
        chunks.push(bytesRead === buf.length ? buf : buf.subarray(0, bytesRead));
        total += bytesRead;
      }
      if (total > maxBytes) {
        throw new StoreError(`${this.path} is larger than ${maxBytes} bytes`, 'too_large', 'StoreError');
      }
      return Buffer.concat(chunks, total);
    } catch (err) {
      if (err instanceof StoreError) throw err;
      throw osError(err, this.path);
    } finally {
      await handle.close();
    }
  }

  async write(bytes: Uint8Array): Promise<void> {
    await writeFileAtomic(this.path, bytes);
  }

  async remove(): Promise<void> {
    try {
      await fs.unlink(this.path);
    } catch (err) {
      const e = osError(err, this.path);
      if (e.kind !== 'not_found') throw e;
    }
  }
}

/** Temp file in the same directory, fsync, rename over the target, fsync the directory. */
export async function writeFileAtomic(path: string, bytes: Uint8Array): Promise<void> {
  const dir = dirname(path);
  const tmp = join(dir, `.${basename(path)}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`);
  let handle: fs.FileHandle | undefined;
  try {
    handle = await fs.open(tmp, 'wx', 0o644);
    await handle.writeFile(bytes);
    await handle.sync();
    await handle.close();
    handle = undefined;
    await fs.rename(tmp, path);
  } catch (err) {
    if (handle) await handle.close().catch(() => undefined);
    await fs.unlink(tmp).catch(() => undefined);
    throw osError(err, path);
  }
  // Make the rename itself durable; some filesystems refuse fsync on directories.
  const dh = await fs.open(dir, 'r').catch(() => undefined);
  if (dh) {
    await dh.sync().catch(() => undefined);
    await dh.close().catch(() => undefined);
  }
}

function osError(err: unknown, path: string): StoreError {
  if (err instanceof StoreError) return err;
  if (err instanceof NotRegularFileError) return new StoreError(err.message, 'other', err.name, { cause: err });
  const code = (err as NodeJS.ErrnoException)?.code ?? '';
  let kind: StoreErrorKind = 'other';
  if (code === 'ENOENT' || code === 'ENOTDIR') kind = 'not_found';
  else if (code === 'EACCES' || code === 'EPERM') kind = 'permission';
  const detail = code || (err instanceof Error ? err.message : String(err));
  return new StoreError(`${detail}: ${path}`, kind, code || (err instanceof Error ? err.name : 'Error'), {
    cause: err,
  });
}
