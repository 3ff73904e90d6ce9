/**
 * Artifact integrity attacks (docs/security.md A1, A3, A5, A6, A7) on a REAL
 * artifact produced by `runTraining`: every byte region flipped, every truncation, extensions,
 * forged and renamed kids, key rotation, and oversized length declarations.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { MODEL_FORMATS } from '../../src/algorithms/registry.js';
import {
  type ByteStore,
  type KeyRing,
  openArtifact,
  parseContainer,
  readArtifactBytes,
  readLocalBounded,
  sha256Hex,
  signArtifact,
} from '../../src/artifact/index.js';
import { parseSigningKeyRing } from '../../src/config/index.js';
import { ArtifactError } from '../../src/errors/index.js';
import { captureLogs } from '../../src/log/index.js';
import { registerSecret } from '../helpers/secrets.js';
import { type RealArtifact, trainRealArtifact } from './helpers/real-artifact.js';

let art: RealArtifact;
beforeAll(async () => {
  art = await trainRealArtifact();
}, 120_000);
afterAll(() => art?.cleanup());

/** `ok` when the artifact opens (verified and decoded), else the ArtifactError reason. */
function outcome(bytes: Uint8Array, keyRing: KeyRing = art.keyRing, payloadCap?: number): string {
  try {
    openArtifact(bytes, { models: MODEL_FORMATS, keyRing, payloadCap });
    return 'ok';
  } catch (err) {
    if (!(err instanceof ArtifactError)) throw err;
    return err.reason;
  }
}

function flipped(offset: number, mask: number): Buffer {
  const copy = Buffer.from(art.bytes);
  copy[offset] ^= mask;
  return copy;
}

function range([start, end]: [number, number]): number[] {
  return Array.from({ length: end - start }, (_, i) => start + i);
}

/** Distinct outcomes over the offsets, flipping with `mask`. */
function outcomesOver(offsets: number[], mask: number): Set<string> {
  const seen = new Set<string>();
  for (const offset of offsets) seen.add(outcome(flipped(offset, mask)));
  return seen;
}

/** HMAC failures are logged as warnings; keep them out of the test output. */
function quietly<T>(fn: () => T): T {
  const logs = captureLogs();
  try {
    return fn();
  } finally {
    logs.stop();
  }
}

const kidKey = (kid: string) => `${kid}:${registerSecret(Buffer.from(kid.padEnd(32, '#')).toString('hex'), kid)}`;

describe('the trained artifact', () => {
  it('opens with its own key ring: the baseline every attack below starts from', () => {
    const opened = openArtifact(art.bytes, { models: MODEL_FORMATS, keyRing: art.keyRing });
    expect(opened.header.best_class).toBe('RP3betaRecommender');
    expect(opened.kid).toBe('test-key');
    expect(art.regions.payload[1] - art.regions.payload[0]).toBeGreaterThan(4096);
  });
});

describe('one flipped byte, region by region', () => {
  it('magic, version and reserved bytes → parse, whatever the flip', () => {
    quietly(() => {
      for (const mask of [0x01, 0x80, 0xff]) expect(outcomesOver(range([0, 12]), mask)).toEqual(new Set(['parse']));
    });
  });

  it('the kid length byte → parse, or hmac when the shifted layout still parses (the kid then changes)', () => {
    quietly(() => {
      for (const mask of [0x01, 0x02, 0x04, 0x08, 0x10, 0x20, 0x40, 0x80]) {
        const seen = outcome(flipped(12, mask));
        expect(['parse', 'hmac']).toContain(seen);
      }
    });
  });

  it('every kid byte → hmac (unknown kid), or parse when the kid stops being UTF-8', () => {
    quietly(() => {
      expect(outcomesOver(range(art.regions.kid), 0x01)).toEqual(new Set(['hmac']));
      expect(outcomesOver(range(art.regions.kid), 0x80)).toEqual(new Set(['parse']));
    });
  });

  it('every HMAC byte → hmac', () => {
    quietly(() => {
      for (const mask of [0x01, 0x80]) expect(outcomesOver(range(art.regions.hmac), mask)).toEqual(new Set(['hmac']));
    });
  });

  it('every header byte → hmac (verified before the JSON is read), or parse when it breaks UTF-8', () => {
    // The container parse checks that the header is UTF-8 structurally, before the MAC.
    quietly(() => {
      expect(outcomesOver(range(art.regions.header), 0x01)).toEqual(new Set(['hmac']));
      expect(outcomesOver(range(art.regions.header), 0x80)).toEqual(new Set(['parse']));
    });
  });

  it('every payload byte → hmac (verified before a payload byte is decoded)', () => {
    quietly(() => {
      expect(outcomesOver(range(art.regions.payload), 0x01)).toEqual(new Set(['hmac']));
    });
  });

  it('header_len sits outside the MAC, but every shift of the header/payload boundary is still refused', () => {
    // kid ‖ header ‖ payload is MAC'd without lengths, so moving the boundary keeps the MAC valid;
    // the header JSON or the payload's RTPK structure must catch every such shift.
    const [at] = art.regions.headerLen;
    const headerLen = art.bytes.readUInt32LE(at);
    const seen = new Set<string>();
    quietly(() => {
      for (let delta = -200; delta <= 200; delta++) {
        if (delta === 0 || headerLen + delta < 0) continue;
        const copy = Buffer.from(art.bytes);
        copy.writeUInt32LE(headerLen + delta, at);
        seen.add(outcome(copy));
      }
      for (const mask of [0x01, 0x80]) for (let i = at; i < at + 4; i++) seen.add(outcome(flipped(i, mask)));
    });
    expect(seen.has('ok')).toBe(false);
    for (const reason of seen) expect(['parse', 'header_json', 'deserialize']).toContain(reason);
  });
});

describe('truncation and extension', () => {
  it('every truncation point fails: parse before the payload starts, hmac inside it', () => {
    const payloadStart = art.regions.payload[0];
    const reasons = quietly(() => {
      const byCut: string[] = [];
      for (let cut = 0; cut < art.bytes.length; cut++) byCut.push(outcome(art.bytes.subarray(0, cut)));
      return byCut;
    });
    expect(new Set(reasons.slice(0, payloadStart))).toEqual(new Set(['parse']));
    expect(new Set(reasons.slice(payloadStart))).toEqual(new Set(['hmac']));
  });

  it('appending one byte, a block, or a second copy of the artifact fails hmac', () => {
    quietly(() => {
      for (const tail of [Buffer.from([0]), Buffer.alloc(4096, 0x41), art.bytes]) {
        expect(outcome(Buffer.concat([art.bytes, tail]))).toBe('hmac');
      }
    });
  });
});

describe('keys (A3)', () => {
  const container = () => parseContainer(art.bytes);

  it('a MAC made under the same kid with another key is an hmac mismatch, logged with the kid only', () => {
    const forger = parseSigningKeyRing(kidKey('test-key'));
    const forged = signArtifact({ keyRing: forger, header: container().headerBytes, payload: container().payload });
    const logs = captureLogs();
    try {
      expect(outcome(forged)).toBe('hmac');
      expect(logs.events('artifact_hmac_mismatch')).toEqual([expect.objectContaining({ kid: 'test-key' })]);
    } finally {
      logs.stop();
    }
  });

  it('renaming the kid to another kid of the ring fails: the MAC covers the kid bytes', () => {
    // Same length, so the layout is unchanged and only the kid differs.
    const other = 'test-kex';
    const ring = [...art.keyRing, ...parseSigningKeyRing(kidKey(other))];
    const renamed = Buffer.from(art.bytes);
    renamed.write(other, art.regions.kid[0], 'utf8');
    quietly(() => expect(outcome(renamed, ring)).toBe('hmac'));
    expect(outcome(art.bytes, ring)).toBe('ok');
  });

  it('rotation: [new, old] still verifies old artifacts, [new] alone calls the old kid unknown', () => {
    const fresh = parseSigningKeyRing(kidKey('rotated-2026'));
    const rotated = parseSigningKeyRing(`${kidKey('rotated-2026')},${art.signingKeys}`);
    expect(rotated.map((k) => k.kid)).toEqual(['rotated-2026', 'test-key']);
    expect(outcome(art.bytes, rotated)).toBe('ok');
    const logs = captureLogs();
    try {
      expect(outcome(art.bytes, fresh)).toBe('hmac');
      expect(logs.events('artifact_kid_unknown')).toEqual([expect.objectContaining({ kid: 'test-key' })]);
    } finally {
      logs.stop();
    }
    // A retrain under the rotated ring signs with its first key and no longer needs the old one.
    const resigned = signArtifact({ keyRing: rotated, header: container().headerBytes, payload: container().payload });
    expect(openArtifact(resigned, { models: MODEL_FORMATS, keyRing: fresh }).kid).toBe('rotated-2026');
    quietly(() => expect(outcome(resigned, art.keyRing)).toBe('hmac'));
  });
});

describe('size declarations (A5, A6)', () => {
  it('a header_len over 64 KiB is refused before anything is allocated', () => {
    const allocs = [vi.spyOn(Buffer, 'alloc'), vi.spyOn(Buffer, 'allocUnsafe'), vi.spyOn(Buffer, 'allocUnsafeSlow')];
    try {
      for (const declared of [65_537, 1 << 24, 0xffffffff]) {
        const copy = Buffer.from(art.bytes);
        copy.writeUInt32LE(declared, art.regions.headerLen[0]);
        for (const spy of allocs) spy.mockClear();
        expect(() => parseContainer(copy)).toThrow(`header_len ${declared} exceeds maximum 65536; refusing allocation`);
        for (const spy of allocs) expect(spy).not.toHaveBeenCalled();
      }
    } finally {
      for (const spy of allocs) spy.mockRestore();
    }
  });

  it('a payload over the payload cap is refused at parse time, before any HMAC work', () => {
    const payloadLen = art.regions.payload[1] - art.regions.payload[0];
    expect(outcome(art.bytes, art.keyRing, payloadLen)).toBe('ok');
    expect(outcome(art.bytes, art.keyRing, payloadLen - 1)).toBe('parse');
    // Tampered and oversized: the cap check wins, so no MAC is computed over an oversized payload.
    expect(outcome(flipped(art.regions.payload[0] + 9, 1), art.keyRing, payloadLen - 1)).toBe('parse');
  });

  it('a file over the read cap is refused after reading at most cap + 1 bytes', async () => {
    const path = join(art.ws.dir, 'capped.recotem');
    writeFileSync(path, art.bytes);
    const cap = art.bytes.length - 1;
    expect((await readLocalBounded(path, cap)).length).toBe(cap + 1);
    await expect(readArtifactBytes(path, { artifactCap: cap })).rejects.toMatchObject({
      reason: 'read',
      message: `artifact at '${path}' exceeds cap ${cap}; refusing load`,
    });
    expect((await readArtifactBytes(path, { artifactCap: art.bytes.length })).bytes.equals(art.bytes)).toBe(true);
  });

  it('a validly signed payload declaring a 4 GiB manifest is deserialize, not an allocation', () => {
    const c = parseContainer(art.bytes);
    const payload = Buffer.from(c.payload);
    payload.writeUInt32LE(0xffffffff, 4);
    const resigned = signArtifact({ keyRing: art.keyRing, header: c.headerBytes, payload });
    expect(outcome(resigned)).toBe('deserialize');
  });
});

describe('read-once protocol (A7)', () => {
  function countingStore(files: Record<string, Buffer>) {
    const reads: string[] = [];
    const store: ByteStore = {
      async readBounded(uri, cap) {
        reads.push(uri);
        const bytes = files[uri];
        if (!bytes) throw Object.assign(new Error('missing'), { code: 'ENOENT' });
        return bytes.subarray(0, cap + 1);
      },
      writeAtomic: () => Promise.reject(new Error('read-only')),
      stat: () => Promise.reject(new Error('the reader must never stat')),
    };
    return { store, reads };
  }

  it('reads the object once (the pointer and its target once each), never stats, and verifies those bytes', async () => {
    const direct = countingStore({ 's3://b/m.recotem': art.bytes });
    const read = await readArtifactBytes('s3://b/m.recotem', { store: direct.store });
    expect(direct.reads).toEqual(['s3://b/m.recotem']);
    expect(openArtifact(read.bytes, { models: MODEL_FORMATS, keyRing: art.keyRing }).modelVersion).toBe(
      sha256Hex(art.bytes),
    );

    const pointed = countingStore({
      's3://b/p.recotem': Buffer.from('p.12345678.recotem\n'),
      's3://b/p.12345678.recotem': art.bytes,
    });
    const viaPointer = await readArtifactBytes('s3://b/p.recotem', { store: pointed.store });
    expect(pointed.reads).toEqual(['s3://b/p.recotem', 's3://b/p.12345678.recotem']);
    expect(viaPointer.bytes.equals(art.bytes)).toBe(true);
  });

  it('the bytes handed to the decoder are the bytes that were verified (views, not a second read)', () => {
    const opened = openArtifact(art.bytes, { models: MODEL_FORMATS, keyRing: art.keyRing });
    expect(opened.container.payload.buffer).toBe(art.bytes.buffer);
    expect(opened.container.headerBytes.buffer).toBe(art.bytes.buffer);
  });
});
