/**
 * RTPK/1 reader. It only parses JSON, checks bounds and builds typed-array views (or aligned
 * copies); the algorithm name is checked against the closed class list and never used to look
 * anything up dynamically. Cost is linear in the payload size.
 */
import { endianness } from 'node:os';
import type { Dtype, NdArray, Params, TypedArray } from '../linalg/ndarray.js';
import { decodeUtf8 } from './bytes.js';
import { BLOB_ALIGNMENT, MAX_MANIFEST_BYTES, RTPK_FORMAT_VERSION, RTPK_MAGIC, RTPK_PREFIX_LEN } from './constants.js';
import { buildCsr, checkFinite, decodeStringTable, deserializeError } from './payload-checks.js';
import {
  alignUp,
  type DecodedPayload,
  DTYPES,
  isDtype,
  type ManifestArray,
  type MatrixDescriptor,
  SEEN_MATRIX,
} from './payload-types.js';

const MAX_NDIM = 4;
/** Names become object keys; keep them plain so no key can touch an object prototype. */
const NAME_PATTERN = /^[A-Za-z0-9_.-]{1,128}$/;
const CLASS_NAME = /^[A-Za-z][A-Za-z0-9]{0,63}$/;
const FORBIDDEN_NAMES = new Set(['__proto__', 'constructor', 'prototype']);

function checkName(kind: string, name: string): void {
  if (!NAME_PATTERN.test(name) || FORBIDDEN_NAMES.has(name)) {
    throw deserializeError(`${kind} name ${JSON.stringify(name.slice(0, 64))} is not allowed`);
  }
}

function isObject(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

function nonNegativeInt(v: unknown): v is number {
  return typeof v === 'number' && Number.isSafeInteger(v) && v >= 0;
}

function validateArrayEntry(name: string, raw: unknown, blobLen: number): ManifestArray {
  checkName('array', name);
  if (!isObject(raw)) throw deserializeError(`array '${name}' entry is not an object`);
  const { dtype, shape, offset, byte_length: byteLength } = raw;
  if (!isDtype(dtype)) throw deserializeError(`array '${name}' has unsupported dtype ${JSON.stringify(dtype)}`);
  if (!Array.isArray(shape) || shape.length < 1 || shape.length > MAX_NDIM) {
    throw deserializeError(`array '${name}' shape must be a list of 1..${MAX_NDIM} dimensions`);
  }
  let count = 1;
  for (const d of shape) {
    if (!nonNegativeInt(d)) throw deserializeError(`array '${name}' has invalid dimension ${JSON.stringify(d)}`);
    count *= d;
    // Stop before the product can lose precision: no array may be larger than the blob area.
    if (count > blobLen) throw deserializeError(`array '${name}' shape [${shape.join(', ')}] exceeds the payload`);
  }
  if (!nonNegativeInt(offset) || offset % BLOB_ALIGNMENT !== 0) {
    throw deserializeError(`array '${name}' offset ${JSON.stringify(offset)} is not an 8-byte aligned position`);
  }
  const expectedBytes = count * DTYPES[dtype].BYTES_PER_ELEMENT;
  if (byteLength !== expectedBytes) {
    throw deserializeError(
      `array '${name}' byte_length ${JSON.stringify(byteLength)} != ${expectedBytes} for its shape`,
    );
  }
  if (offset > blobLen || expectedBytes > blobLen - offset) {
    throw deserializeError(`array '${name}' [${offset}, ${offset + expectedBytes}) lies outside the blob area`);
  }
  return { dtype, shape: shape as number[], offset, byte_length: expectedBytes };
}

function checkNoOverlap(entries: [string, ManifestArray][]): void {
  const sorted = entries.filter(([, a]) => a.byte_length > 0).sort((a, b) => a[1].offset - b[1].offset);
  for (let i = 1; i < sorted.length; i++) {
    const [prevName, prev] = sorted[i - 1];
    const [name, cur] = sorted[i];
    if (cur.offset < prev.offset + prev.byte_length) {
      throw deserializeError(`arrays '${prevName}' and '${name}' overlap`);
    }
  }
}

/** A view when the absolute address is aligned for the element type, else an aligned copy. */
function typedView(payload: Buffer, start: number, entry: ManifestArray): TypedArray {
  const Ctor = DTYPES[entry.dtype as Dtype];
  const count = entry.byte_length / Ctor.BYTES_PER_ELEMENT;
  const absolute = payload.byteOffset + start;
  if (absolute % Ctor.BYTES_PER_ELEMENT === 0) return new Ctor(payload.buffer, absolute, count);
  const copy = new Ctor(count);
  new Uint8Array(copy.buffer).set(payload.subarray(start, start + entry.byte_length));
  return copy;
}

function validateParams(raw: unknown): Params {
  if (raw === undefined) return {};
  if (!isObject(raw)) throw deserializeError('params must be an object');
  for (const [k, v] of Object.entries(raw)) {
    if (FORBIDDEN_NAMES.has(k)) throw deserializeError(`param name '${k}' is not allowed`);
    if (v !== null && typeof v !== 'number' && typeof v !== 'string' && typeof v !== 'boolean') {
      throw deserializeError(`param '${k}' must be a number, string, boolean or null`);
    }
  }
  return raw as Params;
}

function shape2(name: string, raw: unknown): [number, number] {
  if (!Array.isArray(raw) || raw.length !== 2 || !nonNegativeInt(raw[0]) || !nonNegativeInt(raw[1])) {
    throw deserializeError(`matrix '${name}' shape must be [rows, cols]`);
  }
  return [raw[0], raw[1]];
}

function arrayRef(arrays: Record<string, NdArray>, matrix: string, field: string, raw: unknown): NdArray {
  if (typeof raw !== 'string' || !Object.hasOwn(arrays, raw)) {
    throw deserializeError(`matrix '${matrix}' ${field} names no array (${JSON.stringify(raw)})`);
  }
  return arrays[raw];
}

function tableName(field: string, raw: unknown): string {
  if (!isObject(raw) || typeof raw.$string_table !== 'string') {
    throw deserializeError(`${field} must be {"$string_table": "<name>"}`);
  }
  return raw.$string_table;
}

export interface DecodeOptions {
  /** Largest manifest accepted, default 64 MiB. */
  maxManifest?: number;
}

export function decodePayload(payloadBytes: Uint8Array, opts: DecodeOptions = {}): DecodedPayload {
  if (endianness() !== 'LE') throw deserializeError('this build reads RTPK arrays on little-endian hosts only');
  const payload = Buffer.isBuffer(payloadBytes)
    ? payloadBytes
    : Buffer.from(payloadBytes.buffer, payloadBytes.byteOffset, payloadBytes.length);
  const maxManifest = opts.maxManifest ?? MAX_MANIFEST_BYTES;
  if (payload.length < RTPK_PREFIX_LEN) throw deserializeError('payload too short for the RTPK prefix');
  if (!payload.subarray(0, 4).equals(RTPK_MAGIC)) throw deserializeError('payload does not start with RTPK');
  const manifestLen = payload.readUInt32LE(4);
  if (manifestLen > maxManifest) throw deserializeError(`manifest of ${manifestLen} bytes exceeds ${maxManifest}`);
  if (manifestLen > payload.length - RTPK_PREFIX_LEN) throw deserializeError('manifest overruns the payload');
  const manifestText = decodeUtf8(payload.subarray(RTPK_PREFIX_LEN, RTPK_PREFIX_LEN + manifestLen));
  if (manifestText === undefined) throw deserializeError('manifest is not valid UTF-8');
  let manifest: unknown;
  try {
    manifest = JSON.parse(manifestText);
  } catch (err) {
    throw deserializeError(`manifest is not valid JSON: ${(err as Error).message}`);
  }
  if (!isObject(manifest)) throw deserializeError('manifest is not a JSON object');
  const blobStart = alignUp(RTPK_PREFIX_LEN + manifestLen, BLOB_ALIGNMENT);
  if (blobStart > payload.length) throw deserializeError('payload ends inside the manifest padding');
  for (let i = RTPK_PREFIX_LEN + manifestLen; i < blobStart; i++) {
    if (payload[i] !== 0) throw deserializeError('manifest padding is not zero');
  }
  const blobLen = payload.length - blobStart;

  if (manifest.format !== 'rtpk' || manifest.format_version !== RTPK_FORMAT_VERSION) {
    throw deserializeError(
      `unsupported payload format ${JSON.stringify(manifest.format)}/${JSON.stringify(manifest.format_version)}`,
    );
  }
  const algorithm = manifest.algorithm;
  // Which classes exist is the caller's knowledge (checked against the header before decoding and
  // cross-checked after); here the name only has to be a plausible class identifier.
  if (typeof algorithm !== 'string' || !CLASS_NAME.test(algorithm) || FORBIDDEN_NAMES.has(algorithm))
    throw deserializeError(`unknown algorithm ${JSON.stringify(algorithm)}`.slice(0, 200));
  const modelFormatVersion = manifest.model_format_version;
  if (!nonNegativeInt(modelFormatVersion) || modelFormatVersion < 1) {
    throw deserializeError('model_format_version must be a positive integer');
  }
  const nUsers = manifest.n_users;
  const nItems = manifest.n_items;
  if (!nonNegativeInt(nUsers) || !nonNegativeInt(nItems)) throw deserializeError('n_users/n_items must be counts');
  const params = validateParams(manifest.params);

  if (!isObject(manifest.arrays)) throw deserializeError('arrays must be an object');
  const entries: [string, ManifestArray][] = Object.entries(manifest.arrays).map(([name, raw]) => [
    name,
    validateArrayEntry(name, raw, blobLen),
  ]);
  checkNoOverlap(entries);
  const arrays: Record<string, NdArray> = {};
  for (const [name, entry] of entries) {
    const data = typedView(payload, blobStart + entry.offset, entry);
    const arr: NdArray = { dtype: entry.dtype, shape: entry.shape, data };
    checkFinite(name, arr);
    arrays[name] = arr;
  }

  const consumed = new Set<string>();
  const readTable = (field: string, expected: number): string[] => {
    const name = tableName(field, manifest[field]);
    const offsets = arrayRef(arrays, field, 'offsets', `${name}.offsets`);
    const bytes = arrayRef(arrays, field, 'bytes', `${name}.bytes`);
    consumed.add(`${name}.offsets`).add(`${name}.bytes`);
    return decodeStringTable(field, offsets, bytes, expected);
  };
  const userIds = readTable('user_ids', nUsers);
  const itemIds = readTable('item_ids', nItems);

  const rawMatrices = manifest.matrices;
  if (!isObject(rawMatrices)) throw deserializeError('matrices must be an object');
  if (!Object.hasOwn(rawMatrices, SEEN_MATRIX)) throw deserializeError(`matrix '${SEEN_MATRIX}' is missing`);
  const matrices: Record<string, MatrixDescriptor> = {};
  let seen: DecodedPayload['seen'] | undefined;
  for (const [name, raw] of Object.entries(rawMatrices)) {
    checkName('matrix', name);
    if (!isObject(raw)) throw deserializeError(`matrix '${name}' is not an object`);
    const shape = shape2(name, raw.shape);
    if (raw.kind === 'csr') {
      const indptr = arrayRef(arrays, name, 'indptr', raw.indptr);
      const indices = arrayRef(arrays, name, 'indices', raw.indices);
      const data = arrayRef(arrays, name, 'data', raw.data);
      const csr = buildCsr(name, shape, indptr, indices, data);
      const desc = { kind: 'csr', shape, indptr: raw.indptr, indices: raw.indices, data: raw.data } as MatrixDescriptor;
      if (name === SEEN_MATRIX) {
        if (shape[0] !== nUsers || shape[1] !== nItems) {
          throw deserializeError(`matrix 'seen' is ${shape[0]} x ${shape[1]}, expected ${nUsers} x ${nItems}`);
        }
        seen = csr;
        for (const f of [raw.indptr, raw.indices, raw.data]) consumed.add(f as string);
      } else matrices[name] = desc;
    } else if (raw.kind === 'dense') {
      if (name === SEEN_MATRIX) throw deserializeError(`matrix 'seen' must be csr`);
      const data = arrayRef(arrays, name, 'data', raw.data);
      if (data.shape.length !== 2 || data.shape[0] !== shape[0] || data.shape[1] !== shape[1]) {
        throw deserializeError(`matrix '${name}' shape does not match array '${raw.data}'`);
      }
      if (data.dtype !== 'float32' && data.dtype !== 'float64') {
        throw deserializeError(`matrix '${name}' must hold float32 or float64 values`);
      }
      matrices[name] = { kind: 'dense', shape, data: raw.data as string };
    } else {
      throw deserializeError(`matrix '${name}' has unknown kind ${JSON.stringify(raw.kind)}`);
    }
  }
  const algorithmArrays: Record<string, NdArray> = {};
  for (const [name, arr] of Object.entries(arrays)) if (!consumed.has(name)) algorithmArrays[name] = arr;
  return {
    algorithm,
    modelFormatVersion,
    params,
    userIds,
    itemIds,
    seen: seen!,
    arrays: algorithmArrays,
    matrices,
  };
}
