/**
 * HMAC-SHA256 signing and verification. The message is
 * `kid_bytes ‖ header_json_bytes ‖ payload_bytes` with no separators, for container versions 1 and 2.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import { findKey, type KeyRing, type SigningKey } from '../config/index.js';
import { ArtifactError } from '../errors/index.js';
import { getLogger, safeKid } from '../log/index.js';
import { updateInSlices } from './bytes.js';
import { HMAC_LEN } from './constants.js';
import type { ParsedContainer } from './container.js';

const log = getLogger('recotem.artifact');

export function computeHmac(key: Uint8Array, kidBytes: Uint8Array, header: Uint8Array, payload: Uint8Array): Buffer {
  const h = createHmac('sha256', key);
  h.update(kidBytes);
  h.update(header);
  updateInSlices(h, payload);
  return h.digest();
}

/**
 * Verify the container's HMAC with the key named by its kid; must run before the header JSON or
 * any payload byte is interpreted. Throws ArtifactError reason `hmac`.
 */
export function verifyContainer(parsed: ParsedContainer, keyRing: KeyRing): SigningKey {
  const shownKid = safeKid(parsed.kid);
  const entry = findKey(keyRing, parsed.kid);
  if (!entry) {
    log.warn('artifact_kid_unknown', { kid: shownKid });
    throw new ArtifactError(
      `artifact signed with unknown kid '${shownKid}'; check RECOTEM_SIGNING_KEYS configuration`,
      'hmac',
    );
  }
  const expected = computeHmac(entry.key, parsed.kidBytes, parsed.headerBytes, parsed.payload);
  const ok = parsed.hmac.length === HMAC_LEN && timingSafeEqual(expected, parsed.hmac);
  if (!ok) {
    log.warn('artifact_hmac_mismatch', { kid: shownKid });
    throw new ArtifactError(
      `HMAC verification failed for kid '${shownKid}'; artifact may have been tampered with`,
      'hmac',
    );
  }
  return entry;
}
