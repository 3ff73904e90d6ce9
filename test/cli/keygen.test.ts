import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { keygenLines } from '../../src/cli/commands/keygen.js';
import { hashApiKey, parseApiKeys, parseSigningKeyRing } from '../../src/config/index.js';
import { captureLogs } from '../../src/log/index.js';
import { runInProcess } from './helpers.js';

describe('recotem keygen --type signing', () => {
  it('prints kid, 64-hex plaintext, fingerprint and env entry, and nothing else', async () => {
    const r = await runInProcess(['keygen']);
    expect(r.code).toBe(0);
    expect(r.stderr).toEqual([]);
    expect(r.stdout).toHaveLength(4);
    const [kidLine, plainLine, fpLine, envLine] = r.stdout;
    const kid = /^kid=([0-9a-f]{8})$/.exec(kidLine!)?.[1];
    const plaintext = /^plaintext=([0-9a-f]{64})$/.exec(plainLine!)?.[1];
    expect(kid).toBeDefined();
    expect(plaintext).toBeDefined();
    const fingerprint = createHash('sha256').update(Buffer.from(plaintext!, 'hex')).digest('hex').slice(0, 8);
    expect(fpLine).toBe(`fingerprint=${fingerprint}  # matches /security.posture log; NOT for config`);
    expect(envLine).toBe(`env_entry=RECOTEM_SIGNING_KEYS=${kid}:${plaintext}`);
  });

  it('its env entry is a valid key ring with the same fingerprint', async () => {
    const logs = captureLogs();
    try {
      const r = await runInProcess(['keygen', '--kid', 'k2025']);
      const entry = r.stdout[3]!.replace('env_entry=RECOTEM_SIGNING_KEYS=', '');
      const ring = parseSigningKeyRing(entry);
      expect(ring[0]?.kid).toBe('k2025');
      expect(r.stdout[2]).toContain(`fingerprint=${ring[0]?.fingerprint} `);
    } finally {
      logs.stop();
    }
  });

  it('draws fresh random bytes each time', async () => {
    const a = await runInProcess(['keygen']);
    const b = await runInProcess(['keygen']);
    expect(a.stdout[1]).not.toBe(b.stdout[1]);
    expect(a.stdout[0]).not.toBe(b.stdout[0]);
  });
});

describe('recotem keygen --type api', () => {
  it('prints a 43-char base64url plaintext and its scrypt digest', async () => {
    const r = await runInProcess(['keygen', '--type', 'api', '--kid', 'web']);
    expect(r.code).toBe(0);
    expect(r.stdout).toHaveLength(4);
    const [kidLine, plainLine, hashLine, envLine] = r.stdout;
    expect(kidLine).toBe('kid=web');
    const plaintext = /^plaintext=([A-Za-z0-9_-]{43})$/.exec(plainLine!)?.[1];
    expect(plaintext).toBeDefined();
    expect(Buffer.from(plaintext!, 'base64url')).toHaveLength(32);
    const digest = hashApiKey(plaintext!);
    expect(hashLine).toBe(`hash=sha256:${digest}`);
    expect(envLine).toBe(`env_entry=RECOTEM_API_KEYS=web:sha256:${digest}`);
    expect(parseApiKeys(envLine!.replace('env_entry=RECOTEM_API_KEYS=', ''))).toEqual([
      { kid: 'web', digestHex: digest },
    ]);
  });

  it('formats fixed bytes exactly', () => {
    const key = Buffer.from(Array.from({ length: 32 }, (_, i) => i));
    expect(keygenLines({ kid: 'k', type: 'api' }, key)).toEqual([
      'kid=k',
      'plaintext=AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8',
      `hash=sha256:${hashApiKey('AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8')}`,
      `env_entry=RECOTEM_API_KEYS=k:sha256:${hashApiKey('AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8')}`,
    ]);
    // sha256(bytes 0..31) starts with 630dcd29 (computed with Python hashlib)
    expect(keygenLines({ kid: 'k', type: 'signing' }, key)).toEqual([
      'kid=k',
      `plaintext=${key.toString('hex')}`,
      'fingerprint=630dcd29  # matches /security.posture log; NOT for config',
      `env_entry=RECOTEM_SIGNING_KEYS=k:${key.toString('hex')}`,
    ]);
  });

  it('does not validate --kid (an empty kid is printed as given)', async () => {
    const r = await runInProcess(['keygen', '--kid', '']);
    expect(r.stdout[0]).toBe('kid=');
  });
});

describe('recotem keygen --type <other>', () => {
  it.each(['hmac', 'API', ''])('rejects %j with exit 8 and the exact stderr line', async (type) => {
    const r = await runInProcess(['keygen', '--type', type]);
    expect(r.code).toBe(8);
    expect(r.stderr).toEqual([`--type must be 'signing' or 'api', got '${type}'.`]);
    expect(r.stdout).toEqual([]);
  });

  it('emits no log records at all', async () => {
    const logs = captureLogs();
    try {
      const r = await runInProcess(['keygen', '--type', 'api'], { RECOTEM_LOG_FORMAT: 'json' });
      expect(r.logs).toEqual([]);
      expect(logs.records).toEqual([]);
    } finally {
      logs.stop();
    }
  });
});
