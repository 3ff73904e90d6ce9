/**
 * RTPK/1 writer: `RTPK` | manifest length (u32 LE) | manifest JSON | zero padding to 8 | blob area.
 * Only JSON and raw little-endian typed-array bytes go into the payload; nothing executable.
 */

import { ArtifactError } from '../errors/index.js';
import type { CsrMatrix } from '../linalg/csr.js';
import type { Dtype, NdArray, TypedArray } from '../linalg/ndarray.js';
import { BLOB_ALIGNMENT, RTPK_FORMAT_VERSION, RTPK_MAGIC, RTPK_PREFIX_LEN } from './constants.js';
import {
  alignUp,
  DTYPES,
  dtypeOf,
  ITEM_TABLE,
  type Manifest,
  type ManifestArray,
  type MatrixDescriptor,
  type PayloadInput,
  RESERVED_ARRAY_NAMES,
  SEEN_ARRAYS,
  SEEN_MATRIX,
  USER_TABLE,
} from './payload-types.js';

function writeError(message: string): ArtifactError {
  return new ArtifactError(`cannot encode payload: ${message}`, 'write');
}

function checkNdArray(name: string, arr: NdArray): void {
  const actual = dtypeOf(arr.data);
  if (actual !== arr.dtype)
    throw writeError(`array '${name}' declares dtype ${arr.dtype} but holds ${actual ?? 'unknown'}`);
  let count = 1;
  for (const d of arr.shape) {
    if (!Number.isSafeInteger(d) || d < 0) throw writeError(`array '${name}' has invalid dimension ${d}`);
    count *= d;
  }
  if (count !== arr.data.length) {
    throw writeError(`array '${name}' shape [${arr.shape.join(', ')}] needs ${count} values, has ${arr.data.length}`);
  }
}

/** UTF-8 length of a string, or -1 when it holds a lone surrogate (not encodable as UTF-8). */
function utf8Length(s: string): number {
  let n = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x80) n += 1;
    else if (c < 0x800) n += 2;
    else if (c >= 0xd800 && c <= 0xdbff && i + 1 < s.length) {
      const next = s.charCodeAt(i + 1);
      if (next < 0xdc00 || next > 0xdfff) return -1;
      n += 4;
      i++;
    } else if (c >= 0xd800 && c <= 0xdfff) return -1;
    else n += 3;
  }
  return n;
}

/**
 * UTF-8 string table: offsets (uint32, or int64 past 4 GiB of text) plus concatenated bytes,
 * encoded with one native call for the whole table.
 */
function stringTable(label: string, ids: readonly string[]): { offsets: NdArray; bytes: NdArray } {
  const seen = new Set<string>();
  const ends = new Float64Array(ids.length);
  let total = 0;
  for (let i = 0; i < ids.length; i++) {
    const id = ids[i];
    if (typeof id !== 'string') throw writeError(`${label}[${i}] is not a string`);
    if (seen.has(id)) throw writeError(`${label} contains the id ${JSON.stringify(id.slice(0, 64))} twice`);
    seen.add(id);
    const len = utf8Length(id);
    if (len < 0) throw writeError(`${label}[${i}] contains a lone UTF-16 surrogate and cannot be stored as UTF-8`);
    total += len;
    ends[i] = total;
  }
  const bytes = Buffer.from(ids.join(''), 'utf8');
  if (bytes.length !== total) throw writeError(`${label} did not encode to the expected UTF-8 length`);
  const wide = total > 0xffffffff;
  const offsets = wide ? new BigInt64Array(ids.length + 1) : new Uint32Array(ids.length + 1);
  for (let i = 0; i < ids.length; i++) {
    if (wide) (offsets as BigInt64Array)[i + 1] = BigInt(ends[i]);
    else (offsets as Uint32Array)[i + 1] = ends[i];
  }
  const u8 = new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.length);
  return {
    offsets: { dtype: wide ? 'int64' : 'uint32', shape: [ids.length + 1], data: offsets },
    bytes: { dtype: 'uint8', shape: [total], data: u8 },
  };
}

function csrArrays(m: CsrMatrix): Record<string, NdArray> {
  return {
    [SEEN_ARRAYS.indptr]: { dtype: 'int32', shape: [m.indptr.length], data: m.indptr },
    [SEEN_ARRAYS.indices]: { dtype: 'int32', shape: [m.indices.length], data: m.indices },
    [SEEN_ARRAYS.data]: { dtype: 'float32', shape: [m.data.length], data: m.data },
  };
}

/** Params as JSON values; non-finite numbers become null like in the header. */
function jsonParams(params: PayloadInput['params']): PayloadInput['params'] {
  const out: PayloadInput['params'] = {};
  for (const [k, v] of Object.entries(params)) out[k] = typeof v === 'number' && !Number.isFinite(v) ? null : v;
  return out;
}

function byteView(data: TypedArray): Uint8Array {
  return new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
}

export function encodePayload(input: PayloadInput): Buffer {
  const nUsers = input.userIds.length;
  const nItems = input.itemIds.length;
  const { seen } = input;
  if (seen.rows !== nUsers || seen.cols !== nItems) {
    throw writeError(`seen matrix is ${seen.rows} x ${seen.cols} but there are ${nUsers} users and ${nItems} items`);
  }
  if (!Number.isInteger(input.modelFormatVersion) || input.modelFormatVersion < 1) {
    throw writeError(`model format version ${input.modelFormatVersion} is not a positive integer`);
  }
  const users = stringTable('user ids', input.userIds);
  const items = stringTable('item ids', input.itemIds);
  const all: [string, NdArray][] = [
    [`${USER_TABLE}.offsets`, users.offsets],
    [`${USER_TABLE}.bytes`, users.bytes],
    [`${ITEM_TABLE}.offsets`, items.offsets],
    [`${ITEM_TABLE}.bytes`, items.bytes],
    ...Object.entries(csrArrays(seen)),
  ];
  const matrices: Record<string, MatrixDescriptor> = {
    [SEEN_MATRIX]: { kind: 'csr', shape: [nUsers, nItems], ...SEEN_ARRAYS },
  };
  for (const [name, arr] of Object.entries(input.arrays)) {
    if (RESERVED_ARRAY_NAMES.has(name)) throw writeError(`array name '${name}' is reserved`);
    all.push([name, arr]);
    if (arr.shape.length === 2 && !Object.hasOwn(input.matrices ?? {}, name)) {
      matrices[name] = { kind: 'dense', shape: [arr.shape[0], arr.shape[1]], data: name };
    }
  }
  for (const [name, m] of Object.entries(input.matrices ?? {})) {
    if (name === SEEN_MATRIX) throw writeError(`matrix name '${SEEN_MATRIX}' is reserved`);
    matrices[name] = m;
  }
  const arrays: Record<string, ManifestArray> = {};
  let blobLen = 0;
  for (const [name, arr] of all) {
    checkNdArray(name, arr);
    blobLen = alignUp(blobLen, BLOB_ALIGNMENT);
    const byteLength = arr.data.length * DTYPES[arr.dtype as Dtype].BYTES_PER_ELEMENT;
    arrays[name] = { dtype: arr.dtype, shape: [...arr.shape], offset: blobLen, byte_length: byteLength };
    blobLen += byteLength;
  }
  const manifest: Manifest = {
    format: 'rtpk',
    format_version: RTPK_FORMAT_VERSION,
    algorithm: input.algorithm,
    model_format_version: input.modelFormatVersion,
    n_users: nUsers,
    n_items: nItems,
    user_ids: { $string_table: USER_TABLE },
    item_ids: { $string_table: ITEM_TABLE },
    arrays,
    matrices,
    params: jsonParams(input.params),
  };
  const manifestBytes = Buffer.from(JSON.stringify(manifest), 'utf8');
  const blobStart = alignUp(RTPK_PREFIX_LEN + manifestBytes.length, BLOB_ALIGNMENT);
  // alloc (zero-filled) so padding between arrays is deterministic.
  const out = Buffer.alloc(blobStart + blobLen);
  RTPK_MAGIC.copy(out, 0);
  out.writeUInt32LE(manifestBytes.length, 4);
  manifestBytes.copy(out, RTPK_PREFIX_LEN);
  for (const [name, arr] of all) out.set(byteView(arr.data), blobStart + arrays[name].offset);
  return out;
}
