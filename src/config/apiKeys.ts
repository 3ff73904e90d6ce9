/**
 * API keys: the digest formula shared by `recotem keygen --type api` and serve-side auth, and the
 * RECOTEM_API_KEYS grammar.
 */
import { scryptSync } from 'node:crypto';
import { ConfigError } from '../errors/index.js';

/** Salt and cost of the API-key digest. `sha256:` in the config is only a wire label. */
export const API_KEY_SALT = 'recotem.api-key.v1';
export const API_KEY_SCRYPT = { N: 2, r: 8, p: 1, keyLength: 32 } as const;

/** scrypt(UTF-8(plaintext), "recotem.api-key.v1", N=2, r=8, p=1, dkLen=32) as 64 lower-case hex. */
export function hashApiKey(plaintext: string): string {
  const { N, r, p, keyLength } = API_KEY_SCRYPT;
  return scryptSync(Buffer.from(plaintext, 'utf8'), Buffer.from(API_KEY_SALT, 'ascii'), keyLength, {
    N,
    r,
    p,
  }).toString('hex');
}

export interface ApiKeyEntry {
  kid: string;
  /** 64 lower-case hex characters. */
  digestHex: string;
}

const DIGEST_HEX = /^[0-9a-fA-F]{64}$/;
const GRAMMAR = 'expected <kid>:sha256:<64 hex chars>';

/**
 * Parses RECOTEM_API_KEYS: CSV of `kid:sha256:hex`, split on the first two `:`. Errors name the
 * entry's position only, never its content (a malformed entry may be a pasted key).
 */
export function parseApiKeys(raw: string | undefined, variable = 'RECOTEM_API_KEYS'): ApiKeyEntry[] {
  const entries = (raw ?? '')
    .split(',')
    .map((e) => e.trim())
    .filter((e) => e.length > 0);
  const out: ApiKeyEntry[] = [];
  const firstIndexOfKid = new Map<string, number>();
  entries.forEach((entry, i) => {
    const n = i + 1;
    const first = entry.indexOf(':');
    const second = first < 0 ? -1 : entry.indexOf(':', first + 1);
    if (second < 0) throw new ConfigError(`${variable} entry #${n} is malformed: ${GRAMMAR}`);
    const kid = entry.slice(0, first).trim();
    const family = entry.slice(first + 1, second).trim();
    const digest = entry.slice(second + 1).trim();
    if (kid.length === 0) throw new ConfigError(`${variable} entry #${n} has an empty kid: ${GRAMMAR}`);
    if (family.toLowerCase() !== 'sha256') {
      throw new ConfigError(`${variable} entry #${n} has an unsupported digest label: ${GRAMMAR}`);
    }
    if (!DIGEST_HEX.test(digest)) {
      throw new ConfigError(`${variable} entry #${n} digest must be exactly 64 hex characters: ${GRAMMAR}`);
    }
    const previous = firstIndexOfKid.get(kid);
    if (previous !== undefined) {
      throw new ConfigError(`${variable} entries #${previous} and #${n} use the same kid`);
    }
    firstIndexOfKid.set(kid, n);
    out.push({ kid, digestHex: digest.toLowerCase() });
  });
  return out;
}
