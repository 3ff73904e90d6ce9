import { inspect } from 'node:util';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  activeKey,
  devKeyRing,
  findKey,
  keyFingerprint,
  parseSigningKeyRing,
  resolveTrainingKeyRing,
} from '../../src/config/index.js';
import { ArtifactError, ExitCode, exitCodeFor, TrainingError } from '../../src/errors/index.js';
import { captureLogs, type LogCapture } from '../../src/log/index.js';

const HEX_A = '00112233445566778899aabbccddeeff'.repeat(2);
const HEX_B = 'FFEEDDCCBBAA99887766554433221100'.repeat(2);
// sha256(32 zero bytes) = 66687aad..., sha256(bytes 0..31) = 630dcd29... (computed with Python hashlib)
const BYTES_0_TO_31 = Buffer.from(Array.from({ length: 32 }, (_, i) => i)).toString('hex');

let logs: LogCapture;
beforeEach(() => {
  logs = captureLogs();
});
afterEach(() => logs.stop());

function rejection(raw: string): ArtifactError {
  try {
    parseSigningKeyRing(raw);
  } catch (err) {
    expect(err).toBeInstanceOf(ArtifactError);
    expect(exitCodeFor(err)).toBe(ExitCode.ARTIFACT);
    return err as ArtifactError;
  }
  throw new Error(`expected ${raw} to be rejected`);
}

describe('parseSigningKeyRing', () => {
  it('parses entries in order; the first is active; hex in either case', () => {
    const ring = parseSigningKeyRing(` new:${HEX_B} ,, old:${HEX_A} `);
    expect(ring.map((k) => k.kid)).toEqual(['new', 'old']);
    expect(activeKey(ring).kid).toBe('new');
    expect(findKey(ring, 'old')?.key.equals(Buffer.from(HEX_A, 'hex'))).toBe(true);
    expect(findKey(ring, 'missing')).toBeUndefined();
  });

  it('fingerprints are the first 8 hex chars of sha256(key)', () => {
    expect(parseSigningKeyRing(`k:${BYTES_0_TO_31}`)[0]?.fingerprint).toBe('630dcd29');
    expect(keyFingerprint(Buffer.alloc(32))).toBe('66687aad');
  });

  it('splits on the first colon only (a colon inside the key is invalid hex)', () => {
    expect(rejection(`k:${HEX_A.slice(0, 10)}:${HEX_A.slice(11)}`).message).toMatch(/not valid hex/);
  });

  it('logs signing_keyring_built with fingerprints, never key bytes', () => {
    parseSigningKeyRing(`a:${HEX_A},b:${HEX_B}`);
    const [built] = logs.events('signing_keyring_built');
    expect(built).toMatchObject({
      n_keys: 2,
      active_kid: 'a',
      fingerprints: [
        { kid: 'a', fingerprint: keyFingerprint(Buffer.from(HEX_A, 'hex')) },
        { kid: 'b', fingerprint: keyFingerprint(Buffer.from(HEX_B, 'hex')) },
      ],
    });
    expect(logs.text().toLowerCase()).not.toContain(HEX_A.toLowerCase());
  });

  it('keeps key bytes out of JSON and inspect renderings', () => {
    const [entry] = parseSigningKeyRing(`a:${HEX_A}`);
    expect(JSON.parse(JSON.stringify(entry))).toEqual({ kid: 'a', fingerprint: entry?.fingerprint });
    expect(inspect(entry)).not.toContain('0011');
    expect(Object.isFrozen(entry)).toBe(true);
  });

  it.each([
    ['unset', undefined as unknown as string, /contains no entries/],
    ['blank', '  ,  , ', /contains no entries/],
    ['no colon', HEX_A, /entry #1 has no ':' separator/],
    ['empty kid', `:${HEX_A}`, /entry #1 has an empty kid/],
    ['bad hex', `k:${'g'.repeat(64)}`, /kid 'k' is not valid hex/],
    ['odd hex', `k:${HEX_A.slice(1)}`, /kid 'k' is not valid hex/],
    ['short key', `k:${HEX_A.slice(2)}`, /key for kid 'k' is 31 bytes; it must be exactly 32 bytes/],
    ['long key', `k:${HEX_A}00`, /33 bytes/],
    ['empty key', 'k:', /0 bytes/],
  ])('rejects %s', (_label, raw, message) => {
    expect(rejection(raw).message).toMatch(message);
  });

  it('rejects a duplicate kid and warns signing_keyring_invalid duplicate_kid', () => {
    expect(rejection(`a:${HEX_A},b:${HEX_B},a:${HEX_B}`).message).toMatch(/kid 'a' twice \(entries #1 and #3\)/);
    expect(logs.events('signing_keyring_invalid')).toEqual([expect.objectContaining({ reason: 'duplicate_kid' })]);
  });

  it('rejects a kid of 32+ hex chars as probable key material, logging only its first 8 chars', () => {
    const kid = HEX_B.slice(0, 32);
    const err = rejection(`${kid}:${HEX_A}`);
    expect(err.message).toMatch(/looks like key material/);
    expect(err.message).not.toContain(kid);
    expect(logs.events('signing_keyring_invalid')).toEqual([
      expect.objectContaining({ reason: 'kid_looks_like_hex_key_material', kid: `${kid.slice(0, 8)}...` }),
    ]);
    // 31 hex chars, or 32 chars with a non-hex one, are acceptable kids
    expect(parseSigningKeyRing(`${kid.slice(1)}:${HEX_A}`)).toHaveLength(1);
    expect(parseSigningKeyRing(`${kid.slice(1)}x:${HEX_A}`)).toHaveLength(1);
  });

  it('rejects kids over 32 UTF-8 bytes (they could never match an artifact)', () => {
    expect(parseSigningKeyRing(`${'k'.repeat(32)}:${HEX_A}`)).toHaveLength(1);
    expect(rejection(`${'k'.repeat(33)}:${HEX_A}`).message).toMatch(/33 UTF-8 bytes/);
    expect(rejection(`${'é'.repeat(17)}:${HEX_A}`).message).toMatch(/34 UTF-8 bytes/);
  });

  it('never includes key material in any rejection message', () => {
    for (const raw of [HEX_A, `k:${HEX_A}0`, `k:${HEX_A.slice(2)}`, `a:${HEX_A},a:${HEX_A}`, `${HEX_A}:${HEX_A}`]) {
      const msg = rejection(raw).message.toLowerCase();
      expect(msg).not.toContain(HEX_A.slice(2, 34));
    }
  });
});

describe('devKeyRing', () => {
  it('is kid dev with 32 zero bytes', () => {
    const ring = devKeyRing();
    expect(ring).toHaveLength(1);
    expect(ring[0]?.kid).toBe('dev');
    expect(ring[0]?.key.equals(Buffer.alloc(32))).toBe(true);
    expect(ring[0]?.fingerprint).toBe('66687aad');
  });
});

describe('resolveTrainingKeyRing', () => {
  it('uses the dev ring with --dev-allow-unsigned even when keys are set', () => {
    const ring = resolveTrainingKeyRing({ devAllowUnsigned: true, env: { RECOTEM_SIGNING_KEYS: `a:${HEX_A}` } });
    expect(activeKey(ring).kid).toBe('dev');
    expect(logs.events('signing_keyring_built')[0]).toMatchObject({ n_keys: 1, active_kid: 'dev' });
  });

  it('uses RECOTEM_SIGNING_KEYS otherwise', () => {
    const ring = resolveTrainingKeyRing({ devAllowUnsigned: false, env: { RECOTEM_SIGNING_KEYS: ` a:${HEX_A} ` } });
    expect(activeKey(ring).kid).toBe('a');
  });

  it.each([{}, { RECOTEM_SIGNING_KEYS: '' }, { RECOTEM_SIGNING_KEYS: '   ' }])(
    'raises signing_key_missing (exit 8) when unset or blank: %j',
    (env) => {
      try {
        resolveTrainingKeyRing({ devAllowUnsigned: false, env });
        expect.unreachable();
      } catch (err) {
        expect(err).toBeInstanceOf(TrainingError);
        expect((err as TrainingError).code).toBe('signing_key_missing');
        expect(exitCodeFor(err)).toBe(ExitCode.CONFIG);
        expect((err as Error).message).toContain('recotem keygen --type signing');
      }
    },
  );

  it('propagates a malformed ring as an artifact error (exit 5)', () => {
    expect(() => resolveTrainingKeyRing({ devAllowUnsigned: false, env: { RECOTEM_SIGNING_KEYS: 'nocolon' } })).toThrow(
      ArtifactError,
    );
  });
});
