/**
 * The artifact signing key ring from RECOTEM_SIGNING_KEYS.
 * The first entry is the active (signing) key; verification picks the entry named by the artifact.
 */
import { createHash } from 'node:crypto';
import { inspect } from 'node:util';
import { ArtifactError, TrainingError } from '../errors/index.js';
import { getLogger, safeKid } from '../log/index.js';
import type { Env } from './parse.js';

const log = getLogger('recotem.config.keyring');

export interface SigningKey {
  readonly kid: string;
  /** The raw 32-byte HMAC key. Never log it: JSON/inspect renderings of a SigningKey omit it. */
  readonly key: Buffer;
  /** First 8 hex chars of sha256(key): safe to log, matches `keygen` and `security.posture`. */
  readonly fingerprint: string;
}

/** Non-empty, first entry = active key. */
export type KeyRing = readonly SigningKey[];

export const SIGNING_KEY_BYTES = 32;
/** The artifact header stores the kid in at most 32 UTF-8 bytes. */
export const MAX_KID_BYTES = 32;
export const DEV_KID = 'dev';

export function keyFingerprint(key: Uint8Array): string {
  return createHash('sha256').update(key).digest('hex').slice(0, 8);
}

function makeSigningKey(kid: string, key: Buffer): SigningKey {
  const entry = { kid, key, fingerprint: keyFingerprint(key) };
  const safe = () => ({ kid: entry.kid, fingerprint: entry.fingerprint });
  Object.defineProperty(entry, 'toJSON', { value: safe, enumerable: false });
  Object.defineProperty(entry, inspect.custom, { value: () => `SigningKey ${inspect(safe())}`, enumerable: false });
  return Object.freeze(entry);
}

export function activeKey(ring: KeyRing): SigningKey {
  const first = ring[0];
  if (!first) throw new ArtifactError('signing key ring is empty', 'hmac');
  return first;
}

export function findKey(ring: KeyRing, kid: string): SigningKey | undefined {
  return ring.find((entry) => entry.kid === kid);
}

/** `[{kid, fingerprint}]`: what logs and posture lines may show of a ring. */
export function keyRingFingerprints(ring: KeyRing): { kid: string; fingerprint: string }[] {
  return ring.map((entry) => ({ kid: entry.kid, fingerprint: entry.fingerprint }));
}

const HEX = /^[0-9a-fA-F]*$/;
const LOOKS_LIKE_KEY = /^[0-9a-fA-F]{32,}$/;
const GRAMMAR = 'expected <kid>:<64 hex chars>';

function invalid(message: string): ArtifactError {
  return new ArtifactError(`RECOTEM_SIGNING_KEYS ${message}`, 'hmac');
}

/**
 * Parses RECOTEM_SIGNING_KEYS (`kid:hex,kid:hex`). Rejects with ArtifactError (exit 5): no
 * entries, an entry without `:`, an empty kid, a kid that looks like key material (≥32 chars, all
 * hex), a kid over 32 UTF-8 bytes, bad hex, a key that is not 32 bytes, a duplicate kid.
 * Messages never contain key bytes. Logs `signing_keyring_built` on success.
 */
export function parseSigningKeyRing(raw: string | undefined): KeyRing {
  const entries = (raw ?? '')
    .split(',')
    .map((e) => e.trim())
    .filter((e) => e.length > 0);
  if (entries.length === 0) throw invalid(`contains no entries (${GRAMMAR})`);
  const ring: SigningKey[] = [];
  const firstIndexOfKid = new Map<string, number>();
  entries.forEach((entry, i) => {
    const n = i + 1;
    const colon = entry.indexOf(':');
    if (colon < 0) throw invalid(`entry #${n} has no ':' separator (${GRAMMAR})`);
    const kid = entry.slice(0, colon).trim();
    const hex = entry.slice(colon + 1).trim();
    if (kid.length === 0) throw invalid(`entry #${n} has an empty kid (${GRAMMAR})`);
    if (LOOKS_LIKE_KEY.test(kid)) {
      log.warn('signing_keyring_invalid', { reason: 'kid_looks_like_hex_key_material', kid: `${kid.slice(0, 8)}...` });
      throw invalid(
        `entry #${n}: the kid is ${kid.length} hex characters and looks like key material; use a short name (${GRAMMAR})`,
      );
    }
    const kidBytes = Buffer.byteLength(kid, 'utf8');
    if (kidBytes > MAX_KID_BYTES) {
      throw invalid(`entry #${n}: the kid is ${kidBytes} UTF-8 bytes; at most ${MAX_KID_BYTES} fit in an artifact`);
    }
    const shown = safeKid(kid);
    if (!HEX.test(hex) || hex.length % 2 !== 0) throw invalid(`entry for kid '${shown}' is not valid hex (${GRAMMAR})`);
    if (hex.length !== SIGNING_KEY_BYTES * 2) {
      throw invalid(`key for kid '${shown}' is ${hex.length / 2} bytes; it must be exactly ${SIGNING_KEY_BYTES} bytes`);
    }
    const previous = firstIndexOfKid.get(kid);
    if (previous !== undefined) {
      log.warn('signing_keyring_invalid', { reason: 'duplicate_kid', kid: shown });
      throw invalid(`lists kid '${shown}' twice (entries #${previous} and #${n})`);
    }
    firstIndexOfKid.set(kid, n);
    ring.push(makeSigningKey(kid, Buffer.from(hex, 'hex')));
  });
  logRingBuilt(ring);
  return Object.freeze(ring);
}

function logRingBuilt(ring: KeyRing): void {
  log.info('signing_keyring_built', {
    n_keys: ring.length,
    active_kid: safeKid(activeKey(ring).kid),
    fingerprints: ring.map((e) => ({ kid: safeKid(e.kid), fingerprint: e.fingerprint })),
  });
}

/** The fixed development ring: kid `dev`, 32 zero bytes. Artifacts signed with it are untrusted. */
export function devKeyRing(): KeyRing {
  return Object.freeze([makeSigningKey(DEV_KID, Buffer.alloc(SIGNING_KEY_BYTES))]);
}

export const SIGNING_KEY_MISSING_MESSAGE =
  'RECOTEM_SIGNING_KEYS is not set. Generate a key with `recotem keygen --type signing` and set ' +
  'RECOTEM_SIGNING_KEYS to its env_entry value, or, for local experiments only, pass --dev-allow-unsigned ' +
  '--i-understand-this-loads-arbitrary-code with RECOTEM_ENV=development.';

/**
 * The ring `train` signs with: the dev ring when `--dev-allow-unsigned` (even if keys are set),
 * else RECOTEM_SIGNING_KEYS. Unset/blank → TrainingError `signing_key_missing` (exit 8);
 * malformed → ArtifactError (exit 5).
 */
export function resolveTrainingKeyRing(options: { devAllowUnsigned: boolean; env?: Env }): KeyRing {
  if (options.devAllowUnsigned) {
    const ring = devKeyRing();
    log.warn('dev_signing_key_in_use', { active_kid: DEV_KID, fingerprint: activeKey(ring).fingerprint });
    logRingBuilt(ring);
    return ring;
  }
  const raw = (options.env ?? process.env).RECOTEM_SIGNING_KEYS?.trim() ?? '';
  if (raw.length === 0) throw new TrainingError(SIGNING_KEY_MISSING_MESSAGE, 'signing_key_missing');
  return parseSigningKeyRing(raw);
}
