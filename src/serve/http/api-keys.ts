/**
 * API-key verification. The header is hashed with the same scrypt digest as the
 * configured keys and compared in constant time with every configured digest, never stopping at the first
 * match; every rejection path hashes once too, so all outcomes cost about the same.
 */
import { scryptSync, timingSafeEqual } from 'node:crypto';
import { API_KEY_SALT, API_KEY_SCRYPT, type ApiKeyEntry } from '../../config/index.js';
import { getLogger } from '../../log/index.js';

const log = getLogger('recotem.serve.auth');

export const API_KEY_MAX_CHARS = 256;
export const API_KEY_MIN_CHARS = 32;
const SALT = Buffer.from(API_KEY_SALT, 'ascii');
const DUMMY = '\0'.repeat(API_KEY_MAX_CHARS);

/** The stored digest of an API key as raw bytes (the same formula as config's `hashApiKey`). */
export function apiKeyDigest(plaintext: string): Buffer {
  const { N, r, p, keyLength } = API_KEY_SCRYPT;
  return scryptSync(Buffer.from(plaintext, 'utf8'), SALT, keyLength, { N, r, p });
}

export type AuthOutcome =
  | { ok: true; kid: string }
  | { ok: false; code: 'MISSING_API_KEY' | 'INVALID_API_KEY'; detail: string };

export type BypassMode = 'insecure_no_auth' | 'loopback_no_keys';

/** A set of recently seen client hosts with least-recently-used eviction. */
class RecentHosts {
  private readonly hosts = new Map<string, true>();
  constructor(private readonly capacity: number) {}

  /** True when the host was not in the set (it is now, as the most recent). */
  touch(host: string): boolean {
    const known = this.hosts.delete(host);
    this.hosts.set(host, true);
    if (!known && this.hosts.size > this.capacity) {
      const oldest = this.hosts.keys().next().value as string;
      this.hosts.delete(oldest);
    }
    return !known;
  }
}

export class ApiKeyVerifier {
  private readonly digests: { kid: string; digest: Buffer }[];
  private readonly bypassMode: BypassMode | null;
  private readonly firstSeen = new RecentHosts(1024);

  /**
   * `bypassWhenEmpty: false` makes an empty ring refuse every key instead of letting everyone in
   * (the event ring when only read keys are configured).
   */
  constructor(keys: readonly ApiKeyEntry[], insecureNoAuth: boolean, opts: { bypassWhenEmpty?: boolean } = {}) {
    this.digests = insecureNoAuth ? [] : keys.map((k) => ({ kid: k.kid, digest: Buffer.from(k.digestHex, 'hex') }));
    const bypassEmpty = opts.bypassWhenEmpty ?? true;
    this.bypassMode = insecureNoAuth
      ? 'insecure_no_auth'
      : this.digests.length === 0 && bypassEmpty
        ? 'loopback_no_keys'
        : null;
  }

  get enabled(): boolean {
    return this.bypassMode === null;
  }

  verify(header: string | string[] | undefined, path: string, clientHost: string): AuthOutcome {
    if (this.bypassMode !== null) {
      const fields = { client_host: clientHost, path, mode: this.bypassMode };
      if (log.isLevelEnabled('debug')) log.debug('auth_anonymous_bypass', fields);
      if (this.firstSeen.touch(clientHost)) log.info('auth_anonymous_bypass_first_seen', fields);
      return { ok: true, kid: 'anonymous' };
    }
    // Node joins repeated headers with ", "; a list only appears for set-cookie, but be safe.
    const value = Array.isArray(header) ? header.join(', ') : header;
    if (value === undefined) {
      apiKeyDigest(DUMMY);
      log.warn('auth_missing_header', { path });
      return { ok: false, code: 'MISSING_API_KEY', detail: 'X-API-Key header required' };
    }
    if (value.length > API_KEY_MAX_CHARS) {
      apiKeyDigest(DUMMY);
      log.warn('auth_oversized_header', { path, length: value.length, cap: API_KEY_MAX_CHARS });
      return { ok: false, code: 'INVALID_API_KEY', detail: 'Invalid API key' };
    }
    if (value.length < API_KEY_MIN_CHARS) {
      apiKeyDigest(DUMMY);
      log.warn('auth_short_key_rejected', { path, length: value.length, min_len: API_KEY_MIN_CHARS });
      return { ok: false, code: 'INVALID_API_KEY', detail: 'Invalid API key' };
    }
    const candidate = apiKeyDigest(value);
    let matched: string | null = null;
    for (const { kid, digest } of this.digests) {
      // Visit every key; remember only the first match.
      const equal = timingSafeEqual(candidate, digest);
      if (equal && matched === null) matched = kid;
    }
    if (matched === null) {
      log.warn('auth_invalid_key', { path });
      return { ok: false, code: 'INVALID_API_KEY', detail: 'Invalid API key' };
    }
    return { ok: true, kid: matched };
  }
}
