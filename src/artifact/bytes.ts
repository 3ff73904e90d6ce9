/** Small byte helpers shared by the container, HMAC and reader code. */
import { createHash, type Hash, type Hmac } from 'node:crypto';

/** Hashing in slices keeps every single update well below the 2 GiB limits of the crypto bindings. */
const HASH_SLICE = 256 * 1024 * 1024;

export function updateInSlices<T extends Hash | Hmac>(h: T, bytes: Uint8Array): T {
  for (let start = 0; start < bytes.length; start += HASH_SLICE) {
    h.update(bytes.subarray(start, Math.min(bytes.length, start + HASH_SLICE)));
  }
  return h;
}

/** Lower-case hex SHA-256 of the bytes (the artifact's `model_version`). */
export function sha256Hex(bytes: Uint8Array): string {
  return updateInSlices(createHash('sha256'), bytes).digest('hex');
}

const strictUtf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

/** Decode UTF-8 or return undefined when the bytes are not valid UTF-8. */
export function decodeUtf8(bytes: Uint8Array): string | undefined {
  try {
    return strictUtf8.decode(bytes);
  } catch {
    return undefined;
  }
}
