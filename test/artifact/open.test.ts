import fc from 'fast-check';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { MODEL_FORMATS } from '../../src/algorithms/registry.js';
import {
  encodePayload,
  openArtifact,
  parseContainer,
  parseHeaderJson,
  sha256Hex,
  signArtifact,
  verifyArtifactHeader,
} from '../../src/artifact/index.js';
import { devKeyRing, parseSigningKeyRing } from '../../src/config/index.js';
import { ArtifactError } from '../../src/errors/index.js';
import { captureLogs, type LogCapture } from '../../src/log/index.js';
import { key, RING, regions, sampleArtifact, sampleHeader, samplePayloadInput } from './fixtures.js';

function openFailure(bytes: Uint8Array, ring = RING): ArtifactError {
  try {
    openArtifact(bytes, { models: MODEL_FORMATS, keyRing: ring });
  } catch (err) {
    expect(err).toBeInstanceOf(ArtifactError);
    return err as ArtifactError;
  }
  throw new Error('expected openArtifact to fail');
}

let logs: LogCapture;
beforeEach(() => {
  logs = captureLogs();
});
afterEach(() => logs.stop());

describe('signArtifact + openArtifact', () => {
  const art = sampleArtifact();

  it('opens what it signed: kid, header, decoded payload, model version', () => {
    const opened = openArtifact(art, { models: MODEL_FORMATS, keyRing: RING });
    expect(opened.kid).toBe('k1');
    expect(opened.version).toBe(2);
    expect(opened.signingKey?.fingerprint).toBe(RING[0].fingerprint);
    expect(opened.header.recipe_name).toBe('purchase_log');
    expect(opened.header.payload_format).toBe('rtpk/1');
    expect(opened.header.irspack_version).toBeNull();
    expect(opened.payload.itemIds).toEqual(samplePayloadInput().itemIds);
    expect(opened.modelVersion).toBe(sha256Hex(art));
    expect(openArtifact(art, { models: MODEL_FORMATS, keyRing: RING, modelVersion: 'given' }).modelVersion).toBe(
      'given',
    );
  });

  it('signs with the first key of the ring and pads the header so the payload is 8-byte aligned', () => {
    const ring = [key('new', 1), key('old', 2)];
    const bytes = signArtifact({ keyRing: ring, header: sampleHeader(), payload: encodePayload(samplePayloadInput()) });
    const p = parseContainer(bytes);
    expect(p.kid).toBe('new');
    expect(p.payloadOffset % 8).toBe(0);
    expect(p.headerBytes.toString()).toMatch(/^\{"recipe_name":"purchase_log",.*\} *$/);
    expect(p.headerBytes.toString()).not.toMatch(/": /);
    const opened = openArtifact(bytes, { models: MODEL_FORMATS, keyRing: ring });
    expect(opened.payload.arrays.item_factors.data.buffer).toBe(bytes.buffer);
  });

  it('writes non-finite header numbers as null', () => {
    const bytes = sampleArtifact(RING, sampleHeader({ best_score: Number.NaN }));
    expect(openArtifact(bytes, { models: MODEL_FORMATS, keyRing: RING }).header.best_score).toBeNull();
  });

  it('refuses to sign with an empty ring', () => {
    expect(() => signArtifact({ keyRing: [], header: {}, payload: Buffer.alloc(0) })).toThrow(/key ring is empty/);
  });
});

describe('HMAC verification', () => {
  const art = sampleArtifact();

  it('a rotated ring with the old kid second still verifies', () => {
    const rotated = [key('k2', 0x22), RING[0]];
    expect(openArtifact(art, { models: MODEL_FORMATS, keyRing: rotated }).signingKey?.kid).toBe('k1');
  });

  it('works with a ring parsed from RECOTEM_SIGNING_KEYS', () => {
    const ring = parseSigningKeyRing(`new:${'ab'.repeat(32)},k1:${'11'.repeat(32)}`);
    expect(openArtifact(art, { models: MODEL_FORMATS, keyRing: ring }).kid).toBe('k1');
  });

  it('an unknown kid fails with reason hmac and a WARN artifact_kid_unknown', () => {
    const err = openFailure(art, [key('other', 0x11)]);
    expect(err.reason).toBe('hmac');
    expect(err.message).toBe("artifact signed with unknown kid 'k1'; check RECOTEM_SIGNING_KEYS configuration");
    expect(logs.events('artifact_kid_unknown')).toHaveLength(1);
  });

  it('the right kid with the wrong key fails with reason hmac and a WARN artifact_hmac_mismatch', () => {
    const err = openFailure(art, [key('k1', 0x12)]);
    expect(err.reason).toBe('hmac');
    expect(err.message).toBe("HMAC verification failed for kid 'k1'; artifact may have been tampered with");
    const events = logs.events('artifact_hmac_mismatch');
    expect(events).toHaveLength(1);
    expect(events[0].level).toBe('warning');
    expect(logs.text()).not.toContain('12'.repeat(32));
  });

  it('the dev ring verifies dev-signed artifacts; devUnverified skips verification entirely', () => {
    const devArt = sampleArtifact(devKeyRing());
    expect(openArtifact(devArt, { models: MODEL_FORMATS, keyRing: devKeyRing() }).kid).toBe('dev');
    const forged = Buffer.from(art);
    forged[regions(art)[5][1]] ^= 1;
    expect(openFailure(forged).reason).toBe('hmac');
    expect(openArtifact(forged, { models: MODEL_FORMATS, devUnverified: true }).signingKey).toBeUndefined();
  });

  it('flipping one byte in each region is rejected with the reason of that region', () => {
    for (const [region, start, end] of regions(art)) {
      for (const at of [start, Math.floor((start + end - 1) / 2), end - 1]) {
        const b = Buffer.from(art);
        // xor 1 keeps ASCII kids and JSON text in ASCII, so the kid and header stay decodable.
        b[at] ^= 1;
        const err = openFailure(b);
        const where = `${region} byte ${at}`;
        if (['magic', 'version', 'reserved', 'kid_len'].includes(region)) expect(err.reason, where).toBe('parse');
        else if (region === 'header_len') {
          // The MAC covers kid ‖ header ‖ payload without lengths, so moving the boundary keeps it
          // valid; the moved bytes then break the header JSON, the payload magic, or the parse.
          expect(['parse', 'header_json', 'deserialize'], where).toContain(err.reason);
        } else expect(err.reason, where).toBe('hmac');
      }
    }
  });

  it('header_len shifted by one is caught by the header JSON or the payload magic', () => {
    const [, start] = regions(art).find(([n]) => n === 'header_len')!;
    const grow = Buffer.from(art);
    grow.writeUInt32LE(art.readUInt32LE(start) + 1, start);
    expect(openFailure(grow).reason).toBe('header_json');
    const shrink = Buffer.from(art);
    const headerLen = art.readUInt32LE(start);
    shrink.writeUInt32LE(headerLen - 1, start);
    const lastHeaderByte = art[start + 4 + headerLen - 1];
    expect(openFailure(shrink).reason).toBe(lastHeaderByte === 0x20 ? 'deserialize' : 'header_json');
  });

  it('every truncation inside the payload fails HMAC verification before decoding', () => {
    const payloadStart = regions(art).find(([n]) => n === 'payload')![1];
    for (let len = payloadStart; len < art.length; len += 7) {
      expect(openFailure(art.subarray(0, len)).reason).toBe('hmac');
    }
    expect(openFailure(Buffer.concat([art, Buffer.from([0])])).reason).toBe('hmac');
  });

  it('verifies before reading the header: a forged artifact with invalid JSON fails hmac, not header_json', () => {
    const forged = signArtifact({ keyRing: [key('k1', 9)], header: Buffer.from('not json'), payload: Buffer.alloc(8) });
    expect(openFailure(forged).reason).toBe('hmac');
    expect(() => verifyArtifactHeader(forged, RING)).toThrow(/HMAC verification failed/);
  });
});

describe('after verification', () => {
  it('invalid header JSON and non-object headers are header_json', () => {
    for (const header of ['{"a":', '[1]', 'null', '']) {
      const bytes = signArtifact({ keyRing: RING, header: Buffer.from(header), payload: Buffer.alloc(0) });
      expect(openFailure(bytes).reason, header).toBe('header_json');
    }
  });

  it('an unsupported model format is version_skew with the remedy first, within 200 characters', () => {
    const bytes = sampleArtifact(RING, sampleHeader({ model_format_version: 7 }));
    const err = openFailure(bytes);
    expect(err.reason).toBe('version_skew');
    expect(err.message).toBe(
      "model format skew: retrain recipe 'purchase_log' — IALSRecommender v7 not supported by this server (supports v1)",
    );
    const long = openFailure(
      sampleArtifact(RING, sampleHeader({ recipe_name: 'r'.repeat(64), payload_format: 'rtpk/9' })),
    );
    expect(long.reason).toBe('version_skew');
    expect(long.message.length).toBeLessThanOrEqual(200);
    expect(long.message.startsWith(`model format skew: retrain recipe '${'r'.repeat(64)}'`)).toBe(true);
    const unknown = openFailure(sampleArtifact(RING, sampleHeader({ best_class: 'PickleRecommender' })));
    expect(unknown.reason).toBe('version_skew');
  });

  it('the recipe name given by the caller wins in the skew message', () => {
    const bytes = sampleArtifact(RING, sampleHeader({ model_format_version: 2 }));
    expect(() => openArtifact(bytes, { models: MODEL_FORMATS, keyRing: RING, recipeName: 'news' })).toThrow(
      /retrain recipe 'news'/,
    );
  });

  it('a payload that disagrees with the header is deserialize', () => {
    const bytes = sampleArtifact(RING, sampleHeader({ best_class: 'TopPopRecommender' }));
    const err = openFailure(bytes);
    expect(err.reason).toBe('deserialize');
    expect(err.message).toMatch(/holds IALSRecommender v1 but the header names TopPopRecommender v1/);
  });

  it('a signed but structurally bad payload is deserialize', () => {
    const bytes = signArtifact({
      keyRing: RING,
      header: sampleHeader(),
      payload: Buffer.from('RTPK\x02\x00\x00\x00{}'),
    });
    expect(openFailure(bytes).reason).toBe('deserialize');
  });

  it('verifyArtifactHeader returns the header without decoding the payload', () => {
    const bytes = signArtifact({ keyRing: RING, header: sampleHeader(), payload: Buffer.from('garbage!garbage!') });
    const v = verifyArtifactHeader(bytes, RING);
    expect(v.header.best_class).toBe('IALSRecommender');
    expect(v.kid).toBe('k1');
    expect(() => openArtifact(bytes, { models: MODEL_FORMATS, keyRing: RING })).toThrow(/does not start with RTPK/);
  });
});

describe('property: arbitrary bytes only ever produce ArtifactError', () => {
  const art = sampleArtifact();
  const devRing = devKeyRing();
  const expectOnlyArtifactErrors = (bytes: Uint8Array, ring = RING) => {
    for (const run of [
      () => parseContainer(bytes, { payloadCap: 1 << 20 }),
      () => openArtifact(bytes, { models: MODEL_FORMATS, keyRing: ring }),
      () => openArtifact(bytes, { models: MODEL_FORMATS, devUnverified: true }),
    ]) {
      try {
        run();
      } catch (err) {
        if (!(err instanceof ArtifactError)) throw err;
      }
    }
  };

  it('random buffers', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 512 }), (bytes) => expectOnlyArtifactErrors(bytes)),
      { numRuns: 300 },
    );
  });

  it('random buffers behind a valid prefix', () => {
    const prefix = art.subarray(0, 12);
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 512 }), (tail) => expectOnlyArtifactErrors(Buffer.concat([prefix, tail]))),
      { numRuns: 300 },
    );
  });

  it('mutations of a real artifact (unverified, so the decoder sees every mutation)', () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.nat(art.length - 1), fc.integer({ min: 0, max: 255 })), { minLength: 1, maxLength: 8 }),
        fc.nat(art.length),
        (edits, cut) => {
          const b = Buffer.from(art.subarray(0, Math.max(cut, art.length - 64)));
          for (const [at, v] of edits) if (at < b.length) b[at] = v;
          expectOnlyArtifactErrors(b, devRing);
        },
      ),
      { numRuns: 400 },
    );
  });

  it('mutated payloads re-signed with a valid key (the decoder is the only defence)', () => {
    const payload = encodePayload(samplePayloadInput());
    const header = Buffer.from(parseContainer(art).headerBytes);
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.nat(payload.length - 1), fc.integer({ min: 0, max: 255 })), {
          minLength: 1,
          maxLength: 6,
        }),
        (edits) => {
          const p = Buffer.from(payload);
          for (const [at, v] of edits) p[at] = v;
          const signed = signArtifact({ keyRing: RING, header, payload: p });
          try {
            const opened = openArtifact(signed, { models: MODEL_FORMATS, keyRing: RING });
            // Anything that decodes must still satisfy the structural invariants.
            expect(opened.payload.seen.indptr[opened.payload.seen.rows]).toBe(opened.payload.seen.indices.length);
            expect(new Set(opened.payload.userIds).size).toBe(opened.payload.userIds.length);
          } catch (err) {
            if (!(err instanceof ArtifactError)) throw err;
            expect(['deserialize', 'header_json', 'version_skew']).toContain(err.reason);
          }
        },
      ),
      { numRuns: 400 },
    );
  });

  it('header parse of arbitrary text never throws anything but header_json', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 64 }), (s) => {
        try {
          const h = parseHeaderJson(Buffer.from(s));
          expect(typeof h).toBe('object');
        } catch (err) {
          expect(err).toBeInstanceOf(ArtifactError);
          expect((err as ArtifactError).reason).toBe('header_json');
        }
      }),
      { numRuns: 200 },
    );
  });
});
