/**
 * Security posture decided from configuration: unsafe-flag gates against
 * RECOTEM_ENV, forced loopback, the serve-side key ring, and the `security.posture` record.
 */
import { ConfigError, errorMessage } from '../errors/index.js';
import { getLogger } from '../log/index.js';
import { devKeyRing, type KeyRing, keyRingFingerprints, parseSigningKeyRing } from './keyring.js';
import type { Env } from './parse.js';

const log = getLogger('recotem.security');

export const COMPANION_FLAG_MESSAGE =
  '--dev-allow-unsigned requires --i-understand-this-loads-arbitrary-code to also be passed.';

export const INSECURE_NO_AUTH_ENVS: readonly string[] = ['development', 'dev', 'test'];
export const LOOPBACK_HOST = '127.0.0.1';

/** RECOTEM_ENV exactly as set ('' when unset), for messages. */
export function recotemEnvRaw(env: Env = process.env): string {
  return env.RECOTEM_ENV ?? '';
}

/** RECOTEM_ENV trimmed and lower-cased, for comparisons. */
export function recotemEnvNormalized(env: Env = process.env): string {
  return recotemEnvRaw(env).trim().toLowerCase();
}

/** `--dev-allow-unsigned` needs RECOTEM_ENV=development exactly. Returns the refusal line or null. */
export function devAllowUnsignedRefusal(env: Env = process.env): string | null {
  if (recotemEnvNormalized(env) === 'development') return null;
  return `--dev-allow-unsigned requires RECOTEM_ENV=development. Current RECOTEM_ENV='${recotemEnvRaw(env)}'.`;
}

/** `--insecure-no-auth` needs RECOTEM_ENV in {development, dev, test}. Returns the refusal or null. */
export function insecureNoAuthRefusal(env: Env = process.env): string | null {
  if (INSECURE_NO_AUTH_ENVS.includes(recotemEnvNormalized(env))) return null;
  return `--insecure-no-auth requires RECOTEM_ENV to be one of ${INSECURE_NO_AUTH_ENVS.join(', ')}. Current RECOTEM_ENV='${recotemEnvRaw(env)}'.`;
}

/**
 * Without API keys and without `--insecure-no-auth` the server only listens on 127.0.0.1
 * (`localhost` and `::1` included); WARN `host_forced_to_loopback` when that changes the request.
 */
export function resolveBindHost(
  requestedHost: string,
  options: { apiKeysConfigured: boolean; insecureNoAuth: boolean },
): string {
  if (options.apiKeysConfigured || options.insecureNoAuth) return requestedHost;
  if (requestedHost !== LOOPBACK_HOST) {
    log.warn('host_forced_to_loopback', {
      requested_host: requestedHost,
      reason: 'no_api_keys_and_no_insecure_flag',
      hint: 'set RECOTEM_API_KEYS (see `recotem keygen --type api`) to listen on other interfaces',
    });
  }
  return LOOPBACK_HOST;
}

export type SigningKeyStatus = 'configured' | 'dev_allow_unsigned' | 'missing' | 'construction_failed';

export interface ServeKeyRingResolution {
  status: SigningKeyStatus;
  /** The ring artifacts are verified with; null when it could not be built. */
  ring: KeyRing | null;
  /** Why the server must not start (missing → ConfigError, malformed → ArtifactError); else null. */
  error: Error | null;
}

export const SERVE_SIGNING_KEY_MISSING_MESSAGE =
  'RECOTEM_SIGNING_KEYS is not set, so artifacts cannot be verified. Set it to the key ring the ' +
  'trainer signs with (see `recotem keygen --type signing`), or, for local experiments only, pass ' +
  '--dev-allow-unsigned --i-understand-this-loads-arbitrary-code with RECOTEM_ENV=development.';

/**
 * The ring serve verifies with. Never throws: the posture line must be emitted before failing.
 * With `--dev-allow-unsigned` artifacts are still verified, with the configured keys when set,
 * else with the dev key.
 */
export function resolveServeKeyRing(options: { devAllowUnsigned: boolean; env?: Env }): ServeKeyRingResolution {
  const raw = (options.env ?? process.env).RECOTEM_SIGNING_KEYS?.trim() ?? '';
  if (raw.length === 0) {
    if (options.devAllowUnsigned) return { status: 'dev_allow_unsigned', ring: devKeyRing(), error: null };
    return { status: 'missing', ring: null, error: new ConfigError(SERVE_SIGNING_KEY_MISSING_MESSAGE) };
  }
  try {
    const ring = parseSigningKeyRing(raw);
    return { status: options.devAllowUnsigned ? 'dev_allow_unsigned' : 'configured', ring, error: null };
  } catch (err) {
    log.error('signing_key_construction_failed', { error: errorMessage(err) });
    return { status: 'construction_failed', ring: null, error: err instanceof Error ? err : new Error(String(err)) };
  }
}

export interface PostureInput {
  authEnabled: boolean;
  bindHost: string;
  keyRing: ServeKeyRingResolution;
  env: string;
  allowedHosts: readonly string[];
  allowedOrigins: readonly string[];
  insecureNoAuth: boolean;
  devAllowUnsigned: boolean;
}

/** The fields of the `security.posture` record. */
export function securityPostureFields(input: PostureInput): Record<string, unknown> {
  const signingKeys = input.keyRing.ring ? keyRingFingerprints(input.keyRing.ring) : [];
  return {
    auth_enabled: input.authEnabled,
    bind_host: input.bindHost,
    signing_keys: signingKeys,
    signing_kids: signingKeys.map((k) => k.kid),
    signing_key_status: input.keyRing.status,
    env: input.env,
    allowed_hosts: [...input.allowedHosts],
    allowed_origins: [...input.allowedOrigins],
    unsafe_mode: input.insecureNoAuth || input.devAllowUnsigned,
    insecure_no_auth: input.insecureNoAuth,
    dev_allow_unsigned: input.devAllowUnsigned,
  };
}

export function logSecurityPosture(input: PostureInput): void {
  log.info('security.posture', securityPostureFields(input));
}
