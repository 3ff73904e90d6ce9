/**
 * Where artifact bytes live. Local paths and `file://` URIs use the built-in filesystem store;
 * object stores (s3, gs, az, abfs, abfss, http, https) come from a factory that the caller passes
 * in (`remoteStores`), because this layer may not depend on the data layer. Each command and the
 * server hand theirs over where they are assembled; there is no process-wide registration.
 */
import { ArtifactError } from '../errors/index.js';
import { localByteStore } from './local-store.js';
import { uriScheme } from './uri.js';

export interface StoreStat {
  size: number;
  mtimeMs: number;
  etag?: string;
}

export interface ByteStore {
  /**
   * Read at most `cap + 1` bytes from the start of the object, so the caller can tell "exactly at
   * the cap" from "over the cap" without ever holding more (rejecting with an error whose `kind`
   * is `too_large` is accepted too). Missing objects reject with an error whose `code` is
   * `ENOENT` or whose `kind` is `not_found`.
   */
  readBounded(uri: string, cap: number): Promise<Buffer>;
  /** Replace the object in one step: readers see the old or the new bytes, never a mix. */
  writeAtomic(uri: string, bytes: Uint8Array): Promise<void>;
  stat(uri: string): Promise<StoreStat>;
}

/** Returns the store for a URI scheme (`s3`, `gs`, ...) or undefined when none is available. */
export type RemoteStoreFactory = (scheme: string) => ByteStore | undefined;

/** How a read, write or stat finds its store. */
export interface StoreChoice {
  /** Store to use instead of the one chosen by the URI scheme. */
  store?: ByteStore;
  /** Stores for object-store and HTTP URIs; without it only local paths and `file://` work. */
  remoteStores?: RemoteStoreFactory;
}

export const REMOTE_SCHEMES: ReadonlySet<string> = new Set(['s3', 'gs', 'az', 'abfs', 'abfss', 'http', 'https']);

const INSTALL_HINTS: Readonly<Record<string, string>> = {
  s3: 'the S3 store needs @aws-sdk/client-s3 (npm install @aws-sdk/client-s3)',
  gs: 'the GCS store needs @google-cloud/storage (npm install @google-cloud/storage)',
  az: 'the Azure store needs @azure/storage-blob (npm install @azure/storage-blob)',
  abfs: 'the Azure store needs @azure/storage-blob (npm install @azure/storage-blob)',
  abfss: 'the Azure store needs @azure/storage-blob (npm install @azure/storage-blob)',
  http: 'HTTP reads need the storage layer of the recotem CLI',
  https: 'HTTP reads need the storage layer of the recotem CLI',
};

/** No store can serve this URI scheme (a missing optional backend). */
export class StoreUnavailableError extends ArtifactError {
  override name = 'StoreUnavailableError';
  readonly scheme: string;
  readonly hint: string;
  constructor(scheme: string) {
    const hint = INSTALL_HINTS[scheme] ?? `no storage backend handles '${scheme}://' URIs`;
    super(`no storage backend for '${scheme}://' URIs (${hint})`, 'read');
    this.scheme = scheme;
    this.hint = hint;
  }
}

export function storeFor(uri: string, choice: StoreChoice = {}): ByteStore {
  if (choice.store) return choice.store;
  const scheme = uriScheme(uri);
  if (scheme === undefined || scheme === 'file') return localByteStore;
  const store = choice.remoteStores?.(scheme);
  if (!store) throw new StoreUnavailableError(scheme);
  return store;
}

/** True for "object does not exist" errors from the filesystem or an object store. */
export function isNotFound(err: unknown): boolean {
  if (err === null || typeof err !== 'object') return false;
  const e = err as {
    code?: unknown;
    kind?: unknown;
    name?: unknown;
    statusCode?: unknown;
    $metadata?: { httpStatusCode?: unknown };
  };
  return (
    e.code === 'ENOENT' ||
    e.kind === 'not_found' ||
    e.code === 'NoSuchKey' ||
    e.code === 'NotFound' ||
    e.name === 'NoSuchKey' ||
    e.name === 'NotFound' ||
    e.statusCode === 404 ||
    e.code === 404 ||
    e.$metadata?.httpStatusCode === 404
  );
}
