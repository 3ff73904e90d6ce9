/**
 * Where a file export is staged and how it is published. A local destination is written to a
 * hidden temp file in the same directory, fsynced and renamed over the destination (readers see
 * the old file or the new one, never a part). An object-store destination is staged in the local
 * temp directory and uploaded with one PUT once complete, which object stores apply atomically.
 */
import { randomBytes } from 'node:crypto';
import { open, rename, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { openStore } from '../../data/storage/index.js';
import { StoreError } from '../../data/storage/types.js';
import { schemeOf, truncateBeforeAt } from '../../data/uri.js';
import { DataSourceError } from '../../errors/index.js';

export class FileTarget {
  /** The staging file rows are written to. */
  readonly tempPath: string;
  private readonly local: string | null;

  constructor(readonly uri: string) {
    const scheme = schemeOf(uri);
    const suffix = `.tmp-${randomBytes(6).toString('hex')}`;
    if (scheme === '' || scheme === 'file') {
      this.local = resolve(scheme === 'file' ? fileURLToPath(uri) : uri);
      this.tempPath = join(dirname(this.local), `.${basename(this.local)}${suffix}`);
    } else {
      // Checked now so that a scheme without a storage backend fails before any scoring.
      openStore(uri);
      this.local = null;
      this.tempPath = join(tmpdir(), `recotem-export-${basename(uri.split('?')[0])}${suffix}`);
    }
  }

  get description(): string {
    return truncateBeforeAt(this.uri);
  }

  async publish(): Promise<void> {
    const fh = await open(this.tempPath, 'r');
    try {
      await fh.sync();
    } finally {
      await fh.close();
    }
    if (this.local !== null) {
      try {
        await rename(this.tempPath, this.local);
      } catch (err) {
        throw new DataSourceError(`cannot move the export into place at '${this.local}': ${(err as Error).message}`);
      }
      await syncDirectory(dirname(this.local));
      return;
    }
    const { readFile } = await import('node:fs/promises');
    const bytes = await readFile(this.tempPath);
    try {
      await openStore(this.uri).write(bytes);
    } catch (err) {
      const why = err instanceof StoreError ? `${err.kind} (${err.errorClass})` : (err as Error).name;
      throw new DataSourceError(`cannot upload the export to '${this.description}': ${why}`, { cause: err });
    }
    await rm(this.tempPath, { force: true });
  }

  async discard(): Promise<void> {
    await rm(this.tempPath, { force: true }).catch(() => {});
  }
}

async function syncDirectory(dir: string): Promise<void> {
  try {
    const fh = await open(dir, 'r');
    try {
      await fh.sync();
    } finally {
      await fh.close();
    }
  } catch {
    // Some file systems refuse fsync on a directory; the rename itself is still atomic.
  }
}

/** A destination directory that does not exist is a destination error, reported before scoring. */
export async function checkWritable(target: FileTarget): Promise<void> {
  try {
    const fh = await open(target.tempPath, 'w');
    await fh.close();
  } catch (err) {
    throw new DataSourceError(
      `cannot write the export next to '${target.description}': ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`,
    );
  }
}
