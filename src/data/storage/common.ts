/** Helpers shared by the object-store adapters. */

import { errorClassOf, httpStatusOf } from './sdk.js';
import { CREDENTIAL_ERROR_CLASSES, StoreError, type StoreErrorKind } from './types.js';

export class ClassifiedStoreError extends StoreError {
  constructor(
    message: string,
    kind: StoreErrorKind,
    errorClass: string,
    readonly httpStatus: number | undefined,
    cause: unknown,
  ) {
    super(message, kind, errorClass, { cause });
  }
}

const NOT_FOUND_NAMES = new Set(['NotFound', 'NoSuchKey', 'NoSuchBucket', 'BlobNotFound', 'ContainerNotFound']);
const PERMISSION_NAMES = new Set([
  'AccessDenied',
  'Forbidden',
  'AuthorizationFailure',
  'AuthorizationPermissionMismatch',
]);

/** Maps an SDK failure to a StoreError kind using only its class name and HTTP status. */
export function classifySdkError(err: unknown, uri: string): ClassifiedStoreError {
  if (err instanceof ClassifiedStoreError) return err;
  const errorClass = errorClassOf(err);
  const status = httpStatusOf(err);
  const code = (err as { code?: unknown; Code?: unknown })?.code ?? (err as { Code?: unknown })?.Code;
  const message = err instanceof Error ? err.message : String(err);
  let kind: StoreErrorKind = 'other';
  if (status === 404 || NOT_FOUND_NAMES.has(errorClass) || (typeof code === 'string' && NOT_FOUND_NAMES.has(code))) {
    kind = 'not_found';
  } else if (
    status === 403 ||
    PERMISSION_NAMES.has(errorClass) ||
    (typeof code === 'string' && PERMISSION_NAMES.has(code))
  ) {
    kind = 'permission';
  } else if (
    CREDENTIAL_ERROR_CLASSES.has(errorClass) ||
    /Could not load the default credentials|Region is missing|Could not load credentials/i.test(message)
  ) {
    kind = 'credentials';
  }
  const label = kind === 'not_found' ? 'not found' : kind === 'permission' ? 'permission denied' : errorClass;
  return new ClassifiedStoreError(`${label}: ${uri}`, kind, errorClass, status, err);
}

/** Collects a body stream, failing as soon as more than `maxBytes` bytes arrive. */
export async function readStreamCapped(
  body: AsyncIterable<Uint8Array> | undefined,
  maxBytes: number,
  uri: string,
): Promise<Buffer> {
  if (!body) return Buffer.alloc(0);
  const chunks: Buffer[] = [];
  let total = 0;
  for await (const chunk of body) {
    const buf = Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
    total += buf.length;
    if (total > maxBytes) {
      (body as { destroy?: () => void }).destroy?.();
      throw new StoreError(`${uri} is larger than ${maxBytes} bytes`, 'too_large', 'StoreError');
    }
    chunks.push(buf);
  }
  return Buffer.concat(chunks, total);
}
