import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  devAllowUnsignedRefusal,
  insecureNoAuthRefusal,
  logSecurityPosture,
  resolveBindHost,
  resolveServeKeyRing,
} from '../../src/config/index.js';
import { ArtifactError, ConfigError, exitCodeFor } from '../../src/errors/index.js';
import { captureLogs, type LogCapture } from '../../src/log/index.js';

const HEX = '11'.repeat(32);

let logs: LogCapture;
beforeEach(() => {
  logs = captureLogs();
});
afterEach(() => logs.stop());

describe('unsafe flag gates', () => {
  it('--dev-allow-unsigned accepts only RECOTEM_ENV=development (trimmed, any case)', () => {
    expect(devAllowUnsignedRefusal({ RECOTEM_ENV: 'development' })).toBeNull();
    expect(devAllowUnsignedRefusal({ RECOTEM_ENV: ' Development ' })).toBeNull();
    expect(devAllowUnsignedRefusal({ RECOTEM_ENV: 'dev' })).toBe(
      "--dev-allow-unsigned requires RECOTEM_ENV=development. Current RECOTEM_ENV='dev'.",
    );
    expect(devAllowUnsignedRefusal({})).toBe(
      "--dev-allow-unsigned requires RECOTEM_ENV=development. Current RECOTEM_ENV=''.",
    );
  });

  it('--insecure-no-auth accepts development, dev and test', () => {
    for (const env of ['development', 'DEV', ' test ']) expect(insecureNoAuthRefusal({ RECOTEM_ENV: env })).toBeNull();
    expect(insecureNoAuthRefusal({ RECOTEM_ENV: 'production' })).toMatch(/Current RECOTEM_ENV='production'/);
    expect(insecureNoAuthRefusal({ RECOTEM_ENV: 'staging' })).not.toBeNull();
  });
});

describe('resolveBindHost', () => {
  it('forces loopback without API keys and warns when the request differed', () => {
    expect(resolveBindHost('0.0.0.0', { apiKeysConfigured: false, insecureNoAuth: false })).toBe('127.0.0.1');
    expect(resolveBindHost('localhost', { apiKeysConfigured: false, insecureNoAuth: false })).toBe('127.0.0.1');
    expect(resolveBindHost('127.0.0.1', { apiKeysConfigured: false, insecureNoAuth: false })).toBe('127.0.0.1');
    expect(logs.events('host_forced_to_loopback')).toEqual([
      expect.objectContaining({ requested_host: '0.0.0.0', reason: 'no_api_keys_and_no_insecure_flag' }),
      expect.objectContaining({ requested_host: 'localhost' }),
    ]);
  });

  it('keeps the requested host with API keys or --insecure-no-auth', () => {
    expect(resolveBindHost('0.0.0.0', { apiKeysConfigured: true, insecureNoAuth: false })).toBe('0.0.0.0');
    expect(resolveBindHost('0.0.0.0', { apiKeysConfigured: false, insecureNoAuth: true })).toBe('0.0.0.0');
    expect(logs.events('host_forced_to_loopback')).toHaveLength(0);
  });
});

describe('resolveServeKeyRing', () => {
  it('configured keys', () => {
    const r = resolveServeKeyRing({ devAllowUnsigned: false, env: { RECOTEM_SIGNING_KEYS: `k1:${HEX}` } });
    expect(r.status).toBe('configured');
    expect(r.ring?.[0]?.kid).toBe('k1');
    expect(r.error).toBeNull();
  });

  it('missing keys → ConfigError (exit 8), never throws', () => {
    const r = resolveServeKeyRing({ devAllowUnsigned: false, env: {} });
    expect(r.status).toBe('missing');
    expect(r.ring).toBeNull();
    expect(r.error).toBeInstanceOf(ConfigError);
    expect(exitCodeFor(r.error)).toBe(8);
  });

  it('malformed keys → construction_failed with an ArtifactError (exit 5) and an ERROR log', () => {
    const r = resolveServeKeyRing({ devAllowUnsigned: false, env: { RECOTEM_SIGNING_KEYS: 'k1:zz' } });
    expect(r.status).toBe('construction_failed');
    expect(r.error).toBeInstanceOf(ArtifactError);
    expect(exitCodeFor(r.error)).toBe(5);
    expect(logs.events('signing_key_construction_failed')).toHaveLength(1);
  });

  it('dev mode still verifies: configured keys when present, else the dev key', () => {
    const withKeys = resolveServeKeyRing({ devAllowUnsigned: true, env: { RECOTEM_SIGNING_KEYS: `k1:${HEX}` } });
    expect(withKeys.status).toBe('dev_allow_unsigned');
    expect(withKeys.ring?.map((k) => k.kid)).toEqual(['k1']);
    const withoutKeys = resolveServeKeyRing({ devAllowUnsigned: true, env: {} });
    expect(withoutKeys.status).toBe('dev_allow_unsigned');
    expect(withoutKeys.ring?.map((k) => k.kid)).toEqual(['dev']);
    expect(withoutKeys.error).toBeNull();
  });
});

describe('security.posture', () => {
  it('emits readable SIEM fields', () => {
    const keyRing = resolveServeKeyRing({ devAllowUnsigned: false, env: { RECOTEM_SIGNING_KEYS: `k1:${HEX}` } });
    logSecurityPosture({
      authEnabled: true,
      bindHost: '0.0.0.0',
      keyRing,
      env: 'production',
      allowedHosts: ['api.example.com'],
      allowedOrigins: [],
      insecureNoAuth: false,
      devAllowUnsigned: false,
    });
    const [posture] = logs.events('security.posture');
    expect(posture).toMatchObject({
      level: 'info',
      auth_enabled: true,
      bind_host: '0.0.0.0',
      signing_keys: [{ kid: 'k1', fingerprint: keyRing.ring?.[0]?.fingerprint }],
      signing_kids: ['k1'],
      signing_key_status: 'configured',
      env: 'production',
      allowed_hosts: ['api.example.com'],
      allowed_origins: [],
      unsafe_mode: false,
    });
    expect(logs.text()).not.toContain(HEX);
  });
});
