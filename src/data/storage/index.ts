/**
 * Storage for every path the recipe can name (bare, file://, s3://, gs://, az://, abfs[s]://), and the
 * byte-cap pre-check.
 */
import { DataSourceError, RecotemError } from '../../errors/index.js';
import { getLogger } from '../../log/index.js';
import { withThousands } from '../limits.js';
import { schemeOf, truncateBeforeAt } from '../uri.js';
import { AzureStore } from './azure.js';
import { GcsStore } from './gcs.js';
import { LocalStore } from './local.js';
import { S3Store } from './s3.js';
import { CREDENTIAL_ERROR_CLASSES, type ObjectStore, StoreError } from './types.js';

export { AzureStore, parseAzureUri } from './azure.js';
export { GcsStore, parseGsUri } from './gcs.js';
export { LocalStore, writeFileAtomic } from './local.js';
export { parseS3Uri, S3Store } from './s3.js';
export type { ObjectStat, ObjectStore, StoreErrorKind, StoreKind } from './types.js';
export { CREDENTIAL_ERROR_CLASSES, StoreError } from './types.js';

const log = getLogger('recotem.data.storage');

/** The store for `uri`; http(s) and unknown schemes are refused (they go through the HTTP fetcher). */
export function openStore(uri: string): ObjectStore {
  switch (schemeOf(uri)) {
    case '':
    case 'file':
      return new LocalStore(uri);
    case 's3':
      return new S3Store(uri);
    case 'gs':
      return new GcsStore(uri);
    case 'az':
    case 'abfs':
    case 'abfss':
      return new AzureStore(uri);
    default:
      throw new DataSourceError(`No storage backend for '${truncateBeforeAt(uri)}' (scheme '${schemeOf(uri)}://')`);
  }
}

/** Reads at most `cap` bytes of `uri` (cap+1 are requested; more than cap is a `too_large` StoreError). */
export function readBoundedBytes(uri: string, cap: number): Promise<Buffer> {
  return openStore(uri).readAll(cap);
}

/** Failure of the size pre-check: the object is too large, or its size could not be probed. */
export class SizeCheckError extends RecotemError {
  override name = 'SizeCheckError';
  constructor(
    message: string,
    readonly kind: 'exceeded' | 'probe_failed',
    opts: { cause?: unknown } = {},
  ) {
    super(message, opts.cause === undefined ? undefined : { cause: opts.cause });
  }
}

/**
 * Size pre-check. Local stat failures and missing/forbidden objects are
 * skipped (the read reports them); credential-shaped SDK errors are skipped with an info log; any
 * other probe error is a `probe_failed` SizeCheckError. `label` is e.g. `CSV` or `Parquet`.
 */
export async function checkSizeCap(path: string, cap: number, label: string): Promise<void> {
  const scheme = schemeOf(path);
  if (scheme === 'http' || scheme === 'https') return;
  let size: number | null;
  try {
    size = (await openStore(path).stat()).size;
  } catch (err) {
    if (scheme === '' || scheme === 'file') return;
    if (err instanceof StoreError) {
      if (err.kind === 'not_found' || err.kind === 'permission') return;
      if (err.kind === 'credentials' || CREDENTIAL_ERROR_CLASSES.has(err.errorClass)) {
        log.info('size_cap_probe_skipped_credential', { path: truncateBeforeAt(path), exc_class: err.errorClass });
        return;
      }
    }
    if (err instanceof DataSourceError) throw err; // missing SDK: the install hint is the real problem
    const errorClass = err instanceof StoreError ? err.errorClass : err instanceof Error ? err.name : typeof err;
    log.warn('size_cap_probe_failed', { path: truncateBeforeAt(path), error_class: errorClass });
    throw new SizeCheckError(`${errorClass} while probing the size of '${truncateBeforeAt(path)}'`, 'probe_failed', {
      cause: err,
    });
  }
  if (size !== null && size > cap) {
    throw new SizeCheckError(
      `${label} file '${path}' is ${withThousands(size)} bytes which exceeds the ${cap}-byte cap set by RECOTEM_MAX_DOWNLOAD_BYTES. Raise the limit or downsample the source data.`,
      'exceeded',
    );
  }
}
