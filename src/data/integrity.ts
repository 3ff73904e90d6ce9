/** sha256 pins: a mismatch is an HttpFetchError so it maps to exit 7. */
import { createHash, timingSafeEqual } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { HttpFetchError } from '../errors/index.js';

export function sha256Hex(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

/** sha256 of a file, streamed (for large local files that are not held in memory). */
export async function sha256OfFile(path: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(path, { highWaterMark: 1 << 20 })) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

/** Constant-time comparison of a computed digest with the pin; throws on mismatch. */
export function verifySha256Digest(actualHex: string, expectedHex: string): void {
  const a = Buffer.from(actualHex.toLowerCase(), 'utf8');
  const b = Buffer.from(expectedHex.toLowerCase(), 'utf8');
  if (a.length !== b.length || !timingSafeEqual(a, b)) {
    throw new HttpFetchError(`sha256 mismatch: got ${actualHex.slice(0, 8)}…, expected ${expectedHex.slice(0, 8)}…`);
  }
}

export function verifySha256(bytes: Uint8Array, expectedHex: string): void {
  verifySha256Digest(sha256Hex(bytes), expectedHex);
}
