/**
 * One small interface over local files and object stores. Sources
 * and item metadata read through it; artifact output and reading use it too.
 */
import { RecotemError } from '../../errors/index.js';

export type StoreKind = 'local' | 's3' | 'gs' | 'az';

export interface ObjectStat {
  /** Size in bytes, or null when the backend does not report one. */
  readonly size: number | null;
  /** Last modification time in epoch ms, when the backend reports one (change detection). */
  readonly mtimeMs?: number;
  /** The backend's entity tag or generation, when it has one (change detection). */
  readonly etag?: string;
}

export interface ObjectStore {
  readonly kind: StoreKind;
  /** The URI or path this store was opened for. */
  readonly uri: string;
  /** Throws {@link StoreError} (`not_found`, `permission`, `credentials`, `other`). */
  stat(): Promise<ObjectStat>;
  exists(): Promise<boolean>;
  /**
   * Reads the whole object but never more than `maxBytes + 1` bytes: if more than `maxBytes`
   * arrive, throws {@link StoreError} `too_large` (the second line of defence behind the stat
   * pre-check).
   */
  readAll(maxBytes: number): Promise<Buffer>;
  /**
   * Replaces the object with `bytes`. Local files are written atomically (temp file in the same
   * directory, fsync, rename; the temp file is removed on failure); object stores use one PUT.
   */
  write(bytes: Uint8Array): Promise<void>;
  /** Removes the object; a missing object is not an error. */
  remove(): Promise<void>;
}

export type StoreErrorKind = 'not_found' | 'permission' | 'too_large' | 'credentials' | 'other';

/** A classified storage failure; callers turn it into their own error class and message. */
export class StoreError extends RecotemError {
  override name = 'StoreError';
  constructor(
    message: string,
    readonly kind: StoreErrorKind,
    /** Class name of the underlying SDK/OS error (never its message, which may hold secrets). */
    readonly errorClass: string,
    opts: { cause?: unknown } = {},
  ) {
    super(message, opts.cause === undefined ? undefined : { cause: opts.cause });
  }
}

/** SDK error class names that mean "no usable credentials here". */
export const CREDENTIAL_ERROR_CLASSES: ReadonlySet<string> = new Set([
  'NoCredentialsError',
  'PartialCredentialsError',
  'NoRegionError',
  'DefaultCredentialsError',
  'RefreshError',
  'InvalidConfigError',
  'ProfileNotFound',
  'EndpointConnectionError',
  // Node SDK equivalents
  'CredentialsProviderError',
  'CredentialUnavailableError',
  'AuthenticationRequiredError',
]);
