import { describe, expect, it } from 'vitest';
import { hashApiKey, parseApiKeys } from '../../src/config/index.js';
import { ConfigError } from '../../src/errors/index.js';

// Computed independently with Python: hashlib.scrypt(pw.encode(), salt=b'recotem.api-key.v1', n=2, r=8, p=1, dklen=32)
const VECTORS: [string, string][] = [
  ['abc', '2d523df3156199e2c772b89210c293006a3412bbc8d3aa6780558dc81f1024e6'],
  ['q8mWYb7Xz3rJ0tVnK2pLc9sD4fGh1jQwEeRtYuIoP5a', '8f73290a80abf3f03adef4f18fa7f1dba896602627f4b4c72d74ddeeed5cd564'],
  ['café', 'dae1ee121d3a651646e7caf13bcd049ccfe7ac6c51ecd405d821cb2336c57deb'],
];

const D1 = 'a'.repeat(64);
const D2 = 'B'.repeat(64);

describe('hashApiKey', () => {
  it.each(VECTORS)('scrypt digest of %j matches the fixed vector', (plaintext, digest) => {
    expect(hashApiKey(plaintext)).toBe(digest);
  });
});

describe('parseApiKeys', () => {
  it('returns [] for unset or blank', () => {
    expect(parseApiKeys(undefined)).toEqual([]);
    expect(parseApiKeys(' , ')).toEqual([]);
  });

  it('parses kid:sha256:hex entries, trimming and lower-casing the digest', () => {
    expect(parseApiKeys(` web:sha256:${D1} , mobile:SHA256:${D2}`)).toEqual([
      { kid: 'web', digestHex: D1 },
      { kid: 'mobile', digestHex: D2.toLowerCase() },
    ]);
  });

  it('allows the same digest under different kids', () => {
    expect(parseApiKeys(`a:sha256:${D1},b:sha256:${D1}`)).toHaveLength(2);
  });

  it.each([
    ['no colon', 'justakey', /entry #1 is malformed/],
    ['one colon', `web:${D1}`, /entry #1 is malformed/],
    ['empty kid', `:sha256:${D1}`, /entry #1 has an empty kid/],
    ['wrong label', `web:md5:${D1}`, /entry #1 has an unsupported digest label/],
    ['short digest', `web:sha256:${D1.slice(1)}`, /entry #1 digest must be exactly 64 hex/],
    ['non-hex digest', `web:sha256:${'z'.repeat(64)}`, /entry #1 digest must be exactly 64 hex/],
    ['extra colon', `web:sha256:${D1}:x`, /entry #1 digest must be exactly 64 hex/],
  ])('rejects %s with a ConfigError', (_label, raw, message) => {
    expect(() => parseApiKeys(raw)).toThrow(ConfigError);
    expect(() => parseApiKeys(raw)).toThrow(message);
  });

  it('rejects duplicate kids, naming positions only', () => {
    expect(() => parseApiKeys(`a:sha256:${D1},b:sha256:${D2},a:sha256:${D2}`)).toThrow(
      'RECOTEM_API_KEYS entries #1 and #3 use the same kid',
    );
  });

  it('never puts key material into the message', () => {
    const pasted = 'q8mWYb7Xz3rJ0tVnK2pLc9sD4fGh1jQwEeRtYuIoP5a';
    for (const raw of [pasted, `${pasted}:sha256:${D1.slice(2)}`, `k:sha256:${pasted}`, `${pasted}:sha:${D1}`]) {
      try {
        parseApiKeys(`ok:sha256:${D1},${raw}`);
        expect.unreachable();
      } catch (err) {
        expect((err as Error).message).not.toContain(pasted);
        expect((err as Error).message).not.toContain(D1.slice(2));
        expect((err as Error).message).toContain('#2');
      }
    }
  });
});
