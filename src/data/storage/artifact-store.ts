/**
 * The object-store side of artifact I/O. The artifact layer may not import this layer, so its
 * callers hand it a store factory (the `remoteStores` option); `remoteArtifactStore` is that factory.
 * It returns a structurally compatible store: bounded reads, one-step writes, and a stat with the
 * size, modification time and entity tag the server's watcher uses to notice a new artifact.
 */
import { HttpFetchError } from '../../errors/index.js';
import { httpFetch } from '../http/index.js';
import { openStore } from './index.js';
import { StoreError } from './types.js';

export interface RemoteArtifactStore {
  readBounded(uri: string, cap: number): Promise<Buffer>;
  writeAtomic(uri: string, bytes: Uint8Array): Promise<void>;
  stat(uri: string): Promise<{ size: number; mtimeMs: number; etag?: string }>;
}

const objectStore: RemoteArtifactStore = {
  async readBounded(uri, cap) {
    return openStore(uri).readAll(cap);
  },
  async writeAtomic(uri, bytes) {
    await openStore(uri).write(bytes);
  },
  async stat(uri) {
    const st = await openStore(uri).stat();
    return { size: st.size ?? -1, mtimeMs: st.mtimeMs ?? 0, etag: st.etag };
  },
};

/** Read-only artifacts over the SSRF-guarded fetcher (`recotem inspect https://...`). */
const httpStore: RemoteArtifactStore = {
  async readBounded(uri, cap) {
    try {
      return (await httpFetch(uri, { capBytes: cap })).bytes;
    } catch (err) {
      if (err instanceof HttpFetchError && /exceed|cap/i.test(err.message)) {
        throw new StoreError(`artifact at ${uri} exceeds cap ${cap}`, 'too_large', 'HttpFetchError', { cause: err });
      }
      throw err;
    }
  },
  async writeAtomic(uri) {
    throw new StoreError(`artifacts cannot be written to ${new URL(uri).protocol}// URLs`, 'other', 'Error');
  },
  async stat(uri) {
    throw new StoreError(`cannot watch ${new URL(uri).protocol}// artifacts for changes`, 'other', 'Error');
  },
};

export function remoteArtifactStore(scheme: string): RemoteArtifactStore | undefined {
  switch (scheme) {
    case 's3':
    case 'gs':
    case 'az':
    case 'abfs':
    case 'abfss':
      return objectStore;
    case 'http':
    case 'https':
      return httpStore;
    default:
      return undefined;
  }
}
