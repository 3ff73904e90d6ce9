import { describe, expect, it } from 'vitest';
import { decodePayload, encodePayload } from '../../src/artifact/index.js';
import { csrFromCoo } from '../../src/linalg/csr.js';
import { samplePayloadInput, splitPayload } from './fixtures.js';

describe('RTPK/1 round trip', () => {
  const input = samplePayloadInput();
  const encoded = encodePayload(input);
  const decoded = decodePayload(encoded);

  it('restores algorithm, version, params, ids and the seen matrix', () => {
    expect(decoded.algorithm).toBe('IALSRecommender');
    expect(decoded.modelFormatVersion).toBe(1);
    expect(decoded.params).toEqual(input.params);
    expect(decoded.userIds).toEqual(input.userIds);
    expect(decoded.itemIds).toEqual(input.itemIds);
    expect(decoded.seen.rows).toBe(5);
    expect(decoded.seen.cols).toBe(4);
    expect(decoded.seen.indptr).toBeInstanceOf(Int32Array);
    expect([...decoded.seen.indptr]).toEqual([...input.seen.indptr]);
    expect([...decoded.seen.indices]).toEqual([...input.seen.indices]);
    expect(decoded.seen.data).toBeInstanceOf(Float32Array);
    expect([...decoded.seen.data]).toEqual([...input.seen.data]);
  });

  it('restores every dtype with its values, shape and typed-array class', () => {
    for (const [name, arr] of Object.entries(input.arrays)) {
      const got = decoded.arrays[name];
      expect(got, name).toBeDefined();
      expect(got.dtype).toBe(arr.dtype);
      expect(got.shape).toEqual(arr.shape);
      expect(got.data.constructor).toBe(arr.data.constructor);
      expect([...got.data]).toEqual([...arr.data]);
    }
    // The id tables and seen arrays are consumed, not handed to the algorithm.
    expect(Object.keys(decoded.arrays).sort()).toEqual(Object.keys(input.arrays).sort());
  });

  it('describes 2-D arrays as dense matrices and keeps declared CSR matrices', () => {
    expect(decoded.matrices.user_factors).toEqual({ kind: 'dense', shape: [5, 2], data: 'user_factors' });
    expect(decoded.matrices.item_factors).toEqual({ kind: 'dense', shape: [4, 2], data: 'item_factors' });
    expect(decoded.matrices.W).toEqual(input.matrices!.W);
    expect(decoded.matrices.seen).toBeUndefined();
  });

  it('returns views on the payload buffer when the blob is aligned, copies when it is not', () => {
    const aligned = Buffer.alloc(encoded.length + 8);
    encoded.copy(aligned, 0);
    const view = decodePayload(aligned.subarray(0, encoded.length));
    expect(view.arrays.item_factors.data.buffer).toBe(aligned.buffer);
    // Shift the payload by 1 byte inside a bigger buffer: float64 data can no longer be a view.
    const shifted = Buffer.alloc(encoded.length + 1);
    encoded.copy(shifted, 1);
    const copy = decodePayload(shifted.subarray(1));
    expect(copy.arrays.item_factors.data.buffer).not.toBe(shifted.buffer);
    expect([...copy.arrays.item_factors.data]).toEqual([...input.arrays.item_factors.data]);
    expect(copy.arrays.flags.data.buffer).toBe(shifted.buffer);
  });

  it('starts every array at an 8-byte aligned offset without overlaps, and zero-pads the manifest', () => {
    const { manifest } = splitPayload(encoded);
    const entries = Object.values(manifest.arrays) as { offset: number; byte_length: number }[];
    entries.sort((a, b) => a.offset - b.offset);
    for (let i = 0; i < entries.length; i++) {
      expect(entries[i].offset % 8).toBe(0);
      if (i > 0) expect(entries[i].offset).toBeGreaterThanOrEqual(entries[i - 1].offset + entries[i - 1].byte_length);
    }
    expect(manifest.user_ids).toEqual({ $string_table: 'user_ids' });
    expect(manifest.format).toBe('rtpk');
    expect(manifest.format_version).toBe(1);
  });

  it('round-trips empty models and float64 seen values given as float32', () => {
    const empty = encodePayload({
      algorithm: 'TopPopRecommender',
      modelFormatVersion: 1,
      params: {},
      userIds: [],
      itemIds: [],
      seen: csrFromCoo(0, 0, [], []),
      arrays: { popularity: { dtype: 'float64', shape: [0], data: new Float64Array(0) } },
    });
    const d = decodePayload(empty);
    expect(d.userIds).toEqual([]);
    expect(d.seen.rows).toBe(0);
    expect(d.arrays.popularity.data.length).toBe(0);
  });

  it('cuts id tables correctly around 2-, 3- and 4-byte characters', () => {
    const userIds = ['😀', 'a😀b', '', 'ü', '𝄞𝄞', 'plain', '中文'];
    const nU = userIds.length;
    const p = encodePayload({ ...samplePayloadInput(), userIds, seen: csrFromCoo(nU, 4, [0, nU - 1], [0, 3]) });
    expect(decodePayload(p).userIds).toEqual(userIds);
    // Lone surrogates have no UTF-8 form; storing U+FFFD instead could create duplicates.
    for (const bad of ['lone\ud800x', 'end\ud800', '\udc00start']) {
      const ids = [...userIds.slice(0, -1), bad];
      expect(() => encodePayload({ ...samplePayloadInput(), userIds: ids, seen: csrFromCoo(nU, 4, [], []) })).toThrow(
        /user ids\[6\] contains a lone UTF-16 surrogate/,
      );
    }
  });

  it('writes non-finite params as null', () => {
    const p = encodePayload({ ...samplePayloadInput(), params: { a: Number.NaN, b: Number.POSITIVE_INFINITY, c: 1 } });
    expect(decodePayload(p).params).toEqual({ a: null, b: null, c: 1 });
  });
});

describe('encoder refuses inconsistent input', () => {
  it('duplicate ids, wrong seen shape, dtype/class mismatch, shape/length mismatch, reserved names', () => {
    const base = samplePayloadInput();
    expect(() => encodePayload({ ...base, userIds: ['a', 'a', 'b', 'c', 'd'] })).toThrow(
      /user ids contains the id "a" twice/,
    );
    expect(() => encodePayload({ ...base, itemIds: ['a', 'b', 'c'] })).toThrow(
      /seen matrix is 5 x 4 but there are 5 users and 3 items/,
    );
    expect(() =>
      encodePayload({ ...base, arrays: { x: { dtype: 'float64', shape: [2], data: new Float32Array(2) } } }),
    ).toThrow(/declares dtype float64 but holds float32/);
    expect(() =>
      encodePayload({ ...base, arrays: { x: { dtype: 'float32', shape: [3, 2], data: new Float32Array(5) } } }),
    ).toThrow(/needs 6 values, has 5/);
    expect(() =>
      encodePayload({ ...base, arrays: { 'seen.data': { dtype: 'float32', shape: [1], data: new Float32Array(1) } } }),
    ).toThrow(/reserved/);
  });
});
