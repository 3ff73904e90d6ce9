/**
 * Read-once protocol: one bounded read of at most `cap + 1` bytes,
 * pointer-file detection, and resolution of the pointer target in the same directory.
 */
import { ArtifactError } from '../errors/index.js';
import { DEFAULT_ARTIFACT_CAP, MAX_POINTER_BYTES, POINTER_PATTERN } from './constants.js';
import { containedLocalByteStore } from './local-store.js';
import { type ByteStore, isNotFound, type StoreChoice, storeFor } from './store.js';
import { siblingUri, uriScheme } from './uri.js';

export interface ReadArtifactOptions extends StoreChoice {
  /** Largest artifact accepted (RECOTEM_MAX_ARTIFACT_BYTES). */
  artifactCap?: number;
  /**
   * RECOTEM_ARTIFACT_ROOT: every local file read (the path, and a pointer's target) must resolve
   * inside this directory, symlinks followed. Remote URIs are not affected.
   */
  root?: string | null;
}

export interface ArtifactBytes {
  /** The resolved artifact bytes (the target when `uri` held a pointer). */
  bytes: Buffer;
  /** Where `bytes` came from. */
  resolvedPath: string;
  /** Set when `uri` held a pointer file; the change marker is taken from this path. */
  pointerPath?: string;
}

/** The storage backend failed to read an object; `cause` is the backend's own error. */
export class StoreReadError extends ArtifactError {
  override name = 'StoreReadError';
}

/** The target name of a pointer file, or undefined when the bytes are not a pointer. */
export function pointerTarget(bytes: Uint8Array): string | undefined {
  if (bytes.length > MAX_POINTER_BYTES) return undefined;
  for (const b of bytes) if (b > 0x7f) return undefined;
  const text = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length).toString('latin1');
  return POINTER_PATTERN.test(text) ? text.trim() : undefined;
}

/** Content of the pointer file naming `targetBaseName`. */
export function pointerContent(targetBaseName: string): Buffer {
  const bytes = Buffer.from(`${targetBaseName}\n`, 'ascii');
  if (pointerTarget(bytes) !== targetBaseName) {
    throw new ArtifactError(`'${targetBaseName}' cannot be named by a pointer file`, 'write');
  }
  return bytes;
}

function overCap(uri: string, cap: number): ArtifactError {
  return new ArtifactError(`artifact at '${uri}' exceeds cap ${cap}; refusing load`, 'read');
}

async function boundedRead(store: ByteStore, uri: string, cap: number): Promise<Buffer> {
  let bytes: Buffer;
  try {
    bytes = await store.readBounded(uri, cap);
  } catch (err) {
    if (err instanceof ArtifactError) throw err;
    if ((err as { kind?: unknown } | null)?.kind === 'too_large') throw overCap(uri, cap);
    const detail = err instanceof Error ? err.message : String(err);
    throw new StoreReadError(`cannot read artifact '${uri}': ${detail}`, 'read', { cause: err });
  }
  if (bytes.length > cap) throw overCap(uri, cap);
  return bytes;
}

export async function readArtifactBytes(uri: string, opts: ReadArtifactOptions = {}): Promise<ArtifactBytes> {
  const cap = opts.artifactCap ?? DEFAULT_ARTIFACT_CAP;
  const local = uriScheme(uri) === undefined || uriScheme(uri) === 'file';
  const store = opts.root && local && !opts.store ? containedLocalByteStore(opts.root) : storeFor(uri, opts);
  const first = await boundedRead(store, uri, cap);
  const target = pointerTarget(first);
  if (target === undefined) return { bytes: first, resolvedPath: uri };
  const targetUri = siblingUri(uri, target);
  try {
    const bytes = await boundedRead(store, targetUri, cap);
    return { bytes, resolvedPath: targetUri, pointerPath: uri };
  } catch (err) {
    if (err instanceof StoreReadError && isNotFound(err.cause)) {
      throw new ArtifactError(`pointer '${uri}' references missing artifact '${target}'`, 'read', { cause: err.cause });
    }
    throw err;
  }
}
