import { describe, expect, it } from 'vitest';
import { decodePayload, encodePayload } from '../../src/artifact/index.js';
import { ArtifactError } from '../../src/errors/index.js';
import { type LooseJson, rawPayload, samplePayloadInput, splitPayload } from './fixtures.js';

function deserializeFailure(payload: Uint8Array, maxManifest?: number): ArtifactError {
  try {
    decodePayload(payload, { maxManifest });
  } catch (err) {
    expect(err).toBeInstanceOf(ArtifactError);
    expect((err as ArtifactError).reason).toBe('deserialize');
    return err as ArtifactError;
  }
  throw new Error('expected decodePayload to fail');
}

describe('manifest abuse is rejected as deserialize, never a crash or a huge allocation', () => {
  const good = encodePayload(samplePayloadInput());
  const { manifest, blob } = splitPayload(good);
  const withManifest = (edit: (m: LooseJson) => void, newBlob: Buffer = blob): Buffer => {
    const m = structuredClone(manifest);
    edit(m);
    return rawPayload(m, newBlob);
  };
  const arr = (m: LooseJson, name: string) => m.arrays[name];

  const cases: [string, () => Buffer, RegExp][] = [
    ['too short', () => Buffer.from('RTP'), /too short/],
    ['bad magic', () => Buffer.concat([Buffer.from('XTPK'), good.subarray(4)]), /does not start with RTPK/],
    [
      'manifest length past the end',
      () => {
        const b = Buffer.from(good);
        b.writeUInt32LE(0xfffffff0, 4);
        return b;
      },
      /exceeds|overruns/,
    ],
    [
      'manifest not UTF-8',
      () => rawPayload(Buffer.from([0x7b, 0xff, 0x7d]).toString('latin1')),
      /not valid (UTF-8|JSON)/,
    ],
    ['manifest not JSON', () => rawPayload('{"format":'), /not valid JSON/],
    ['manifest an array', () => rawPayload('[1,2]'), /not a JSON object/],
    [
      'wrong format',
      () =>
        withManifest((m) => {
          m.format = 'pickle';
        }),
      /unsupported payload format/,
    ],
    [
      'wrong format version',
      () =>
        withManifest((m) => {
          m.format_version = 2;
        }),
      /unsupported payload format/,
    ],
    [
      'unknown algorithm',
      () =>
        withManifest((m) => {
          m.algorithm = 'os.system';
        }),
      /unknown algorithm "os.system"/,
    ],
    [
      'prototype-ish algorithm',
      () =>
        withManifest((m) => {
          m.algorithm = 'constructor';
        }),
      /unknown algorithm/,
    ],
    [
      'model version 0',
      () =>
        withManifest((m) => {
          m.model_format_version = 0;
        }),
      /model_format_version/,
    ],
    [
      'negative n_users',
      () =>
        withManifest((m) => {
          m.n_users = -1;
        }),
      /n_users\/n_items/,
    ],
    [
      'params not an object',
      () =>
        withManifest((m) => {
          m.params = [1];
        }),
      /params must be an object/,
    ],
    [
      'param with nested object',
      () =>
        withManifest((m) => {
          m.params.x = { y: 1 };
        }),
      /param 'x'/,
    ],
    [
      'unsupported dtype',
      () =>
        withManifest((m) => {
          arr(m, 'flags').dtype = 'object';
        }),
      /unsupported dtype "object"/,
    ],
    [
      'misaligned offset',
      () =>
        withManifest((m) => {
          arr(m, 'flags').offset += 1;
        }),
      /not an 8-byte aligned/,
    ],
    [
      'negative offset',
      () =>
        withManifest((m) => {
          arr(m, 'flags').offset = -8;
        }),
      /not an 8-byte aligned/,
    ],
    [
      'byte_length inconsistent with shape',
      () =>
        withManifest((m) => {
          arr(m, 'flags').byte_length = 4;
        }),
      /byte_length 4 != 3/,
    ],
    [
      'array outside the payload',
      () =>
        withManifest((m) => {
          arr(m, 'flags').offset = blob.length;
        }),
      /outside the blob area/,
    ],
    [
      'huge shape',
      () =>
        withManifest((m) => {
          arr(m, 'item_factors').shape = [2 ** 40, 2 ** 40];
          arr(m, 'item_factors').byte_length = 8;
        }),
      /exceeds the payload/,
    ],
    [
      'fractional dimension',
      () =>
        withManifest((m) => {
          arr(m, 'flags').shape = [1.5];
        }),
      /invalid dimension 1.5/,
    ],
    [
      'five dimensions',
      () =>
        withManifest((m) => {
          arr(m, 'flags').shape = [1, 1, 1, 1, 3];
        }),
      /1..4 dimensions/,
    ],
    [
      'overlapping arrays',
      () =>
        withManifest((m) => {
          arr(m, 'counts').offset = arr(m, 'big').offset;
        }),
      /overlap/,
    ],
    [
      '__proto__ array name',
      () =>
        withManifest((m) => {
          m.arrays = JSON.parse(JSON.stringify(m.arrays).replace('"flags"', '"__proto__"'));
        }),
      /name "__proto__" is not allowed/,
    ],
    [
      'missing string table array',
      () =>
        withManifest((m) => {
          delete m.arrays['user_ids.bytes'];
        }),
      /names no array/,
    ],
    [
      'string table reference malformed',
      () =>
        withManifest((m) => {
          m.item_ids = 'item_ids';
        }),
      /\$string_table/,
    ],
    [
      'n_users disagrees with the id table',
      () =>
        withManifest((m) => {
          m.n_users = 4;
        }),
      /user_ids.offsets has 6 entries, expected 5/,
    ],
    [
      'offsets not starting at 0',
      () =>
        corruptTable((o) => {
          o[0] = 1;
        }),
      /must start at 0|decreases|inside a UTF-8/,
    ],
    [
      'offsets decreasing',
      () =>
        corruptTable((o) => {
          o[2] = 1;
        }),
      /decreases/,
    ],
    ['bad UTF-8 in ids', () => corruptIdBytes(0xff), /not valid UTF-8/],
    [
      'id boundary inside a multi-byte character',
      () =>
        corruptTable((o) => {
          o[1] += 1;
        }),
      /user_ids entry 1 starts inside a UTF-8 sequence/,
    ],
    ['duplicate ids', () => duplicateIds(), /duplicate id at index 1/],
    [
      'seen matrix missing',
      () =>
        withManifest((m) => {
          delete m.matrices.seen;
        }),
      /matrix 'seen' is missing/,
    ],
    [
      'seen matrix dense',
      () =>
        withManifest((m) => {
          m.matrices.seen = { kind: 'dense', shape: [5, 4], data: 'user_factors' };
        }),
      /must be csr/,
    ],
    [
      'seen shape disagrees with ids',
      () =>
        withManifest((m) => {
          m.matrices.seen.shape = [5, 3];
        }),
      /column index 3 out of range|expected 5 x 4/,
    ],
    [
      'unknown matrix kind',
      () =>
        withManifest((m) => {
          m.matrices.W.kind = 'coo';
        }),
      /unknown kind "coo"/,
    ],
    [
      'dense matrix shape mismatch',
      () =>
        withManifest((m) => {
          m.matrices.user_factors.shape = [2, 5];
        }),
      /does not match array/,
    ],
    [
      'dense matrix of integers',
      () =>
        withManifest((m) => {
          arr(m, 'counts').shape = [1, 2];
          m.matrices.counts = { kind: 'dense', shape: [1, 2], data: 'counts' };
        }),
      /matrix 'counts' must hold float32 or float64/,
    ],
    [
      'CSR data dtype integer',
      () =>
        withManifest((m) => {
          m.matrices.W.data = 'counts';
        }),
      /matrix 'W' data must be float32 or float64/,
    ],
    [
      'CSR indptr length',
      () =>
        withManifest((m) => {
          m.matrices.W.shape = [3, 4];
        }),
      /indptr has 5 entries, expected 4/,
    ],
    [
      'CSR column out of range',
      () =>
        corruptArray('W.indices', Int32Array, (a) => {
          a[0] = 4;
        }),
      /column index 4 out of range/,
    ],
    [
      'CSR negative column',
      () =>
        corruptArray('W.indices', Int32Array, (a) => {
          a[0] = -1;
        }),
      /column index -1 out of range/,
    ],
    [
      'CSR indptr not ending at nnz',
      () =>
        corruptArray('W.indptr', Int32Array, (a) => {
          a[4] = 3;
        }),
      /must end at nnz/,
    ],
    [
      'CSR indptr decreasing',
      () =>
        corruptArray('W.indptr', Int32Array, (a) => {
          a[2] = 0;
        }),
      /decreases/,
    ],
    [
      'CSR unsorted columns',
      () =>
        corruptArray('seen.indices', Int32Array, (a) => {
          [a[0], a[1]] = [a[1], a[0]];
        }),
      /unsorted or repeated/,
    ],
    [
      'NaN in seen data',
      () =>
        corruptArray('seen.data', Float32Array, (a) => {
          a[3] = Number.NaN;
        }),
      /non-finite value at index 3/,
    ],
    [
      'Infinity in a dense factor',
      () =>
        corruptArray('item_factors', Float64Array, (a) => {
          a[5] = Number.NEGATIVE_INFINITY;
        }),
      /'item_factors' has a non-finite value at index 5/,
    ],
    ['non-zero manifest padding', () => nonZeroPadding(), /padding is not zero/],
  ];

  function corruptArray<T extends Int32Array | Float32Array | Float64Array>(
    name: string,
    Ctor: { new (b: ArrayBufferLike, o: number, n: number): T; BYTES_PER_ELEMENT: number },
    edit: (a: T) => void,
  ): Buffer {
    const b = Buffer.from(blob);
    const a = manifest.arrays[name];
    edit(new Ctor(b.buffer, b.byteOffset + a.offset, a.byte_length / Ctor.BYTES_PER_ELEMENT));
    return rawPayload(manifest, b);
  }
  function corruptTable(edit: (offsets: Uint32Array) => void): Buffer {
    return corruptArray('user_ids.offsets', Uint32Array as never, edit as never);
  }
  function corruptIdBytes(value: number): Buffer {
    const b = Buffer.from(blob);
    b[manifest.arrays['item_ids.bytes'].offset] = value;
    return rawPayload(manifest, b);
  }
  function duplicateIds(): Buffer {
    // item ids "i0","i1": make the second equal to the first.
    const b = Buffer.from(blob);
    b[manifest.arrays['item_ids.bytes'].offset + 3] = '0'.charCodeAt(0);
    return rawPayload(manifest, b);
  }
  function nonZeroPadding(): Buffer {
    const p = rawPayload(manifest, blob);
    const len = p.readUInt32LE(4);
    if ((8 + len) % 8 === 0) {
      // Grow the manifest by one space so padding exists, then poison it.
      const q = rawPayload(`${JSON.stringify(manifest)} `, blob);
      q[8 + len + 1] = 1;
      return q;
    }
    p[8 + len] = 1;
    return p;
  }

  it.each(cases)('%s', (_label, make, message) => {
    const err = deserializeFailure(make());
    expect(err.message).toMatch(message);
  });

  it('a manifest over the manifest cap is refused before it is read', () => {
    const err = deserializeFailure(good, 16);
    expect(err.message).toMatch(/manifest of \d+ bytes exceeds 16/);
  });

  it('the valid manifest re-encoded by hand still decodes (the abuse cases differ only in the abuse)', () => {
    expect(decodePayload(rawPayload(manifest, blob)).userIds).toEqual(samplePayloadInput().userIds);
  });
});
