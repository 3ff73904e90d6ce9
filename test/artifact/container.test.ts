import { describe, expect, it } from 'vitest';
import {
  buildContainer,
  extractKid,
  FORMAT_VERSION,
  MAX_HEADER_LEN,
  parseContainer,
} from '../../src/artifact/index.js';
import { ArtifactError } from '../../src/errors/index.js';
import { regions, sampleArtifact } from './fixtures.js';

function parseFailure(bytes: Uint8Array, payloadCap?: number): ArtifactError {
  try {
    parseContainer(bytes, { payloadCap });
  } catch (err) {
    expect(err).toBeInstanceOf(ArtifactError);
    return err as ArtifactError;
  }
  throw new Error('expected parseContainer to fail');
}

function container(opts: { kid?: string; header?: string; payload?: Buffer; version?: number } = {}): Buffer {
  return buildContainer({
    version: opts.version,
    kid: opts.kid ?? 'k1',
    hmac: Buffer.alloc(32, 7),
    headerJson: Buffer.from(opts.header ?? '{"a":1}'),
    payload: opts.payload ?? Buffer.from('PAYLOAD'),
  });
}

describe('buildContainer / parseContainer', () => {
  it('round-trips every field and returns views on the input instead of copies', () => {
    const bytes = container({ kid: 'clé', header: '{"x":"ü"}', payload: Buffer.from([1, 2, 3]) });
    const p = parseContainer(bytes);
    expect(p.version).toBe(FORMAT_VERSION);
    expect(p.kid).toBe('clé');
    expect(p.kidBytes.equals(Buffer.from('clé'))).toBe(true);
    expect(p.hmac.equals(Buffer.alloc(32, 7))).toBe(true);
    expect(p.headerBytes.toString()).toBe('{"x":"ü"}');
    expect([...p.payload]).toEqual([1, 2, 3]);
    expect(p.payloadOffset).toBe(bytes.length - 3);
    expect(p.headerBytes.buffer).toBe(bytes.buffer);
    expect(p.payload.buffer).toBe(bytes.buffer);
  });

  it('lays the bytes out exactly as the format table says', () => {
    const bytes = container({ kid: 'ab', header: '{}', payload: Buffer.from('Z') });
    expect(bytes.subarray(0, 8).toString('latin1')).toBe('RECOTEM\0');
    expect(bytes.readUInt16LE(8)).toBe(2);
    expect(bytes.readUInt16LE(10)).toBe(0);
    expect(bytes[12]).toBe(2);
    expect(bytes.subarray(13, 15).toString()).toBe('ab');
    expect(bytes.readUInt32LE(15 + 32)).toBe(2);
    expect(bytes.subarray(51, 53).toString()).toBe('{}');
    expect(bytes.subarray(53).toString()).toBe('Z');
  });

  it('writer rejects kids outside 1..32 bytes, a wrong HMAC size and an oversized header', () => {
    expect(() => container({ kid: '' })).toThrow(/kid must encode to 1..32/);
    expect(() => container({ kid: 'é'.repeat(17) })).toThrow(/got 34/);
    expect(() => container({ kid: 'k'.repeat(32) })).not.toThrow();
    expect(() =>
      buildContainer({ kid: 'k', hmac: Buffer.alloc(31), headerJson: Buffer.alloc(0), payload: Buffer.alloc(0) }),
    ).toThrow(/HMAC must be 32 bytes/);
    expect(() => container({ header: ' '.repeat(MAX_HEADER_LEN + 1) })).toThrow(/more than the maximum 65536/);
    expect(() => container({ header: ' '.repeat(MAX_HEADER_LEN) })).not.toThrow();
  });

  it('accepts an empty header structurally (JSON decoding fails later)', () => {
    expect(parseContainer(container({ header: '' })).headerBytes.length).toBe(0);
  });
});

describe('parse checks, in the specified order', () => {
  const good = container();
  const mutate = (f: (b: Buffer) => void, base = good): Buffer => {
    const b = Buffer.from(base);
    f(b);
    return b;
  };
  const cases: [string, Buffer, RegExp][] = [
    ['1 shorter than the magic', good.subarray(0, 7), /too short: missing magic/],
    [
      '2 wrong magic (and everything after it wrong too)',
      mutate((b) => b.fill(0xff, 0, 13)),
      /^magic bytes mismatch: expected 5245434f54454d00; this is not a Recotem artifact$/,
    ],
    ['3 magic only', good.subarray(0, 11), /missing version\/reserved/],
    [
      '4 version 0 (with reserved also bad)',
      mutate((b) => {
        b.writeUInt16LE(0, 8);
        b.writeUInt16LE(9, 10);
      }),
      /unsupported format version 0; this build supports up to version 2/,
    ],
    ['4 version 3', mutate((b) => b.writeUInt16LE(3, 8)), /unsupported format version 3;/],
    [
      '4 version 1 is the pickle format',
      mutate((b) => b.writeUInt16LE(1, 8)),
      /unsupported format version 1 \(pickle payloads are not supported; retrain\)/,
    ],
    ['5 reserved not zero', mutate((b) => b.writeUInt16LE(1, 10)), /reserved bytes must be 0, got 1/],
    ['6 no kid_len byte', good.subarray(0, 12), /missing kid_len/],
    [
      '7 kid_len 0',
      mutate((b) => {
        b[12] = 0;
      }),
      /kid_len 0 out of range \[1, 32\]/,
    ],
    [
      '7 kid_len 33',
      mutate((b) => {
        b[12] = 33;
      }),
      /kid_len 33 out of range/,
    ],
    ['8 truncated kid', good.subarray(0, 14), /kid needs 2 bytes, 1 remain/],
    [
      '8 kid not UTF-8',
      mutate((b) => {
        b[13] = 0xc3;
        b[14] = 0x28;
      }),
      /kid is not valid UTF-8/,
    ],
    ['9 truncated HMAC', good.subarray(0, 13 + 2 + 31), /HMAC needs 32 bytes, 31 remain/],
    ['10 missing header_len', good.subarray(0, 13 + 2 + 32 + 3), /missing header_len/],
    [
      '10 header_len over the maximum',
      mutate((b) => b.writeUInt32LE(65_537, 47)),
      /header_len 65537 exceeds maximum 65536; refusing allocation/,
    ],
    ['10 header_len 0xffffffff', mutate((b) => b.writeUInt32LE(0xffffffff, 47)), /header_len 4294967295 exceeds/],
    ['11 truncated header', good.subarray(0, 51 + 3), /header needs 7 bytes, 3 remain/],
    [
      '11 header not UTF-8',
      mutate((b) => {
        b[52] = 0xff;
      }),
      /header JSON is not valid UTF-8/,
    ],
  ];
  it.each(cases)('%s', (_label, bytes, message) => {
    const err = parseFailure(bytes);
    expect(err.reason).toBe('parse');
    expect(err.message).toMatch(message);
  });

  it('12 payload over the cap (checked last, exact cap passes)', () => {
    const bytes = container({ payload: Buffer.alloc(100) });
    expect(parseContainer(bytes, { payloadCap: 100 }).payload.length).toBe(100);
    const err = parseFailure(bytes, 99);
    expect(err.reason).toBe('parse');
    expect(err.message).toBe('payload size 100 exceeds cap 99; refusing to load');
  });
});

describe('truncation and extension of a real artifact', () => {
  const art = sampleArtifact();
  const bounds = regions(art);
  const payloadStart = bounds.find(([n]) => n === 'payload')![1];

  it('every truncation before the payload is a parse error naming the region that ran out', () => {
    const expectations: [string, RegExp][] = [
      ['magic', /missing magic|magic bytes mismatch/],
      ['version', /missing version\/reserved/],
      ['reserved', /missing version\/reserved/],
      ['kid_len', /missing kid_len/],
      ['kid', /kid needs/],
      ['hmac', /HMAC needs/],
      ['header_len', /missing header_len/],
      ['header', /header needs/],
    ];
    for (let len = 0; len < payloadStart; len++) {
      const region = bounds.find(([, s, e]) => len >= s && len < e)!;
      const err = parseFailure(art.subarray(0, len));
      expect(err.reason).toBe('parse');
      const expected = expectations.find(([n]) => n === region[0])![1];
      // A cut inside the magic leaves a shorter, still-matching prefix or a too-short buffer.
      expect(err.message, `cut at ${len} (${region[0]})`).toMatch(len < 8 ? /missing magic/ : expected);
    }
  });

  it('a cut at the payload start leaves a structurally valid, empty payload', () => {
    expect(parseContainer(art.subarray(0, payloadStart)).payload.length).toBe(0);
  });

  it('an appended byte stays structurally valid but grows the payload past an exact cap', () => {
    const payloadLen = art.length - payloadStart;
    const extended = Buffer.concat([art, Buffer.from([0])]);
    expect(parseContainer(extended).payload.length).toBe(payloadLen + 1);
    expect(parseFailure(extended, payloadLen).message).toMatch(/exceeds cap/);
  });
});

describe('extractKid (best effort, never throws)', () => {
  it('reads the kid of a valid prefix and classifies failures', () => {
    expect(extractKid(container({ kid: 'abc' }))).toEqual({ ok: true, kid: 'abc' });
    expect(extractKid(Buffer.alloc(5))).toEqual({ ok: false, reason: 'too_short' });
    const b = container();
    b[12] = 0;
    expect(extractKid(b)).toEqual({ ok: false, reason: 'kid_len_out_of_range' });
    expect(extractKid(container({ kid: 'abcd' }).subarray(0, 15))).toEqual({ ok: false, reason: 'truncated' });
    const bad = container({ kid: 'ab' });
    bad[13] = 0xff;
    expect(extractKid(bad)).toEqual({ ok: false, reason: 'decode_error' });
  });
});
