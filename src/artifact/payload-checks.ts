/**
 * Structural validators for decoded RTPK arrays: string tables, CSR invariants, finite values.
 * Each is one linear pass; every failure is an ArtifactError with reason `deserialize`.
 */
import { isUtf8 } from 'node:buffer';
import { ArtifactError } from '../errors/index.js';
import type { CsrMatrix } from '../linalg/csr.js';
import type { NdArray, TypedArray } from '../linalg/ndarray.js';

export function deserializeError(message: string): ArtifactError {
  return new ArtifactError(`payload invalid: ${message}`, 'deserialize');
}

function isOneDim(arr: NdArray): boolean {
  return arr.shape.length === 1;
}

/** Read element i of an integer array as a Number (int64 via BigInt, exact up to 2^53). */
function intAt(data: TypedArray, i: number): number {
  const v = data[i];
  return typeof v === 'bigint' ? Number(v) : v;
}

/**
 * Decode a string table (offsets + UTF-8 bytes) into `expected` unique strings. The bytes are
 * checked as UTF-8 once; a string boundary that falls inside a multi-byte sequence (on a
 * continuation byte) is rejected, which makes every slice valid UTF-8 on its own.
 */
export function decodeStringTable(label: string, offsets: NdArray, bytesArr: NdArray, expected: number): string[] {
  if (offsets.dtype !== 'uint32' && offsets.dtype !== 'int64') {
    throw deserializeError(`${label}.offsets must be uint32 or int64, got ${offsets.dtype}`);
  }
  if (bytesArr.dtype !== 'uint8') throw deserializeError(`${label}.bytes must be uint8, got ${bytesArr.dtype}`);
  if (!isOneDim(offsets) || !isOneDim(bytesArr)) throw deserializeError(`${label} arrays must be one-dimensional`);
  if (offsets.data.length !== expected + 1) {
    throw deserializeError(`${label}.offsets has ${offsets.data.length} entries, expected ${expected + 1}`);
  }
  const bytes = bytesArr.data as Uint8Array;
  if (!isUtf8(bytes)) throw deserializeError(`${label}.bytes is not valid UTF-8`);
  if (intAt(offsets.data, 0) !== 0) throw deserializeError(`${label}.offsets must start at 0`);
  if (intAt(offsets.data, expected) !== bytes.length) {
    throw deserializeError(`${label}.offsets must end at ${bytes.length} (the byte count)`);
  }
  // Decode the whole table once and cut it with string slices: one native call instead of one
  // per id. Byte offsets map to UTF-16 offsets by counting lead bytes (4-byte sequences are
  // surrogate pairs, two units).
  const text = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length).toString('utf8');
  const ascii = text.length === bytes.length;
  const out = new Array<string>(expected);
  const unique = new Set<string>();
  let prev = 0;
  let prevUnit = 0;
  for (let i = 0; i < expected; i++) {
    const end = intAt(offsets.data, i + 1);
    if (end < prev || end > bytes.length)
      throw deserializeError(`${label}.offsets decreases or overruns at entry ${i + 1}`);
    if (prev < bytes.length && (bytes[prev] & 0xc0) === 0x80) {
      throw deserializeError(`${label} entry ${i} starts inside a UTF-8 sequence`);
    }
    let endUnit = end;
    if (!ascii) {
      endUnit = prevUnit;
      for (let b = prev; b < end; b++) {
        const byte = bytes[b];
        if ((byte & 0xc0) !== 0x80) endUnit += byte >= 0xf0 ? 2 : 1;
      }
    }
    const s = text.slice(prevUnit, endUnit);
    if (unique.has(s)) throw deserializeError(`${label} contains a duplicate id at index ${i}`);
    unique.add(s);
    out[i] = s;
    prev = end;
    prevUnit = endUnit;
  }
  return out;
}

const INDEX_DTYPES = new Set(['int32', 'uint32', 'int64']);
const VALUE_DTYPES = new Set(['float32', 'float64']);

/** Every value of a float array is finite; integer arrays pass trivially. */
export function checkFinite(name: string, arr: NdArray): void {
  if (arr.dtype !== 'float32' && arr.dtype !== 'float64') return;
  const d = arr.data as Float32Array | Float64Array;
  for (let i = 0; i < d.length; i++) {
    // x - x is 0 for finite x and NaN for NaN or ±Infinity.
    if (d[i] - d[i] !== 0) throw deserializeError(`array '${name}' has a non-finite value at index ${i}`);
  }
}

function toInt32(name: string, arr: NdArray, bound: number): Int32Array {
  if (arr.data instanceof Int32Array) return arr.data;
  const out = new Int32Array(arr.data.length);
  for (let i = 0; i < out.length; i++) {
    const v = intAt(arr.data, i);
    if (v < 0 || v > bound) throw deserializeError(`array '${name}' value ${v} at index ${i} is out of range`);
    out[i] = v;
  }
  return out;
}

/**
 * Validate a CSR triple and return it with the in-memory types of CsrMatrix (int32 indices,
 * float32 values), converting only when the stored dtype differs. Rows must hold strictly
 * increasing column indices within [0, cols).
 */
export function buildCsr(
  label: string,
  shape: [number, number],
  indptrArr: NdArray,
  indicesArr: NdArray,
  dataArr: NdArray,
): CsrMatrix {
  const [rows, cols] = shape;
  if (!INDEX_DTYPES.has(indptrArr.dtype) || !INDEX_DTYPES.has(indicesArr.dtype)) {
    throw deserializeError(`matrix '${label}' indptr/indices must be int32, uint32 or int64`);
  }
  if (!VALUE_DTYPES.has(dataArr.dtype)) throw deserializeError(`matrix '${label}' data must be float32 or float64`);
  if (!isOneDim(indptrArr) || !isOneDim(indicesArr) || !isOneDim(dataArr)) {
    throw deserializeError(`matrix '${label}' arrays must be one-dimensional`);
  }
  if (cols > 0x7fffffff) throw deserializeError(`matrix '${label}' has too many columns (${cols})`);
  if (indptrArr.data.length !== rows + 1) {
    throw deserializeError(`matrix '${label}' indptr has ${indptrArr.data.length} entries, expected ${rows + 1}`);
  }
  const nnz = indicesArr.data.length;
  if (dataArr.data.length !== nnz) {
    throw deserializeError(`matrix '${label}' has ${nnz} indices but ${dataArr.data.length} values`);
  }
  if (nnz > 0x7fffffff) throw deserializeError(`matrix '${label}' has too many stored values (${nnz})`);
  const indptr = toInt32(`${label}.indptr`, indptrArr, 0x7fffffff);
  if (indptr[0] !== 0) throw deserializeError(`matrix '${label}' indptr must start at 0`);
  if (indptr[rows] !== nnz) throw deserializeError(`matrix '${label}' indptr must end at nnz ${nnz}`);
  const indices = toInt32(`${label}.indices`, indicesArr, 0x7fffffff);
  for (let r = 0; r < rows; r++) {
    const start = indptr[r];
    const end = indptr[r + 1];
    if (end < start || end > nnz) throw deserializeError(`matrix '${label}' indptr decreases at row ${r}`);
    let last = -1;
    for (let k = start; k < end; k++) {
      const c = indices[k];
      if (c < 0 || c >= cols) throw deserializeError(`matrix '${label}' column index ${c} out of range at row ${r}`);
      if (c <= last) throw deserializeError(`matrix '${label}' row ${r} has unsorted or repeated column indices`);
      last = c;
    }
  }
  checkFinite(`${label}.data`, dataArr);
  let data: Float32Array;
  if (dataArr.data instanceof Float32Array) data = dataArr.data;
  else {
    data = Float32Array.from(dataArr.data as Float64Array);
    for (let i = 0; i < data.length; i++) {
      if (data[i] - data[i] !== 0) throw deserializeError(`matrix '${label}' value at ${i} overflows float32`);
    }
  }
  return { rows, cols, indptr, indices, data };
}
