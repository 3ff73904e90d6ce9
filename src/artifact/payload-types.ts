/** Shared shapes of the RTPK/1 payload. */

import type { CsrMatrix } from '../linalg/csr.js';
import type { Dtype, NdArray, Params, TypedArray } from '../linalg/ndarray.js';

type TypedArrayCtor = {
  new (length: number): TypedArray;
  new (buffer: ArrayBufferLike, byteOffset: number, length: number): TypedArray;
  readonly BYTES_PER_ELEMENT: number;
};

export const DTYPES: Readonly<Record<Dtype, TypedArrayCtor>> = {
  uint8: Uint8Array,
  int32: Int32Array,
  uint32: Uint32Array,
  int64: BigInt64Array,
  float32: Float32Array,
  float64: Float64Array,
};

export function isDtype(name: unknown): name is Dtype {
  return typeof name === 'string' && Object.hasOwn(DTYPES, name);
}

export function dtypeOf(data: TypedArray): Dtype | undefined {
  if (data instanceof Uint8Array) return 'uint8';
  if (data instanceof Int32Array) return 'int32';
  if (data instanceof Uint32Array) return 'uint32';
  if (data instanceof BigInt64Array) return 'int64';
  if (data instanceof Float32Array) return 'float32';
  if (data instanceof Float64Array) return 'float64';
  return undefined;
}

/** How a group of arrays forms a matrix. Array fields name entries of `arrays`. */
export type MatrixDescriptor =
  | { kind: 'csr'; shape: [number, number]; indptr: string; indices: string; data: string }
  | { kind: 'dense'; shape: [number, number]; data: string };

export interface ManifestArray {
  dtype: Dtype;
  shape: number[];
  /** Relative to the blob area start; a multiple of 8. */
  offset: number;
  byte_length: number;
}

export interface Manifest {
  format: 'rtpk';
  format_version: 1;
  /** Algorithm class name; which names exist is the algorithm registry's business. */
  algorithm: string;
  model_format_version: number;
  n_users: number;
  n_items: number;
  user_ids: { $string_table: string };
  item_ids: { $string_table: string };
  arrays: Record<string, ManifestArray>;
  matrices: Record<string, MatrixDescriptor>;
  params: Params;
}

export interface PayloadInput {
  /** Algorithm class name; which names exist is the algorithm registry's business. */
  algorithm: string;
  modelFormatVersion: number;
  params: Params;
  userIds: readonly string[];
  itemIds: readonly string[];
  /** Training interactions, users × items; stored once as the CSR matrix `seen`. */
  seen: CsrMatrix;
  /** Algorithm arrays (SavedModel.arrays). Two-dimensional arrays are also described as dense matrices. */
  arrays: Record<string, NdArray>;
  /** Extra matrix groupings over `arrays`, e.g. a CSR `W` made of `W.indptr`, `W.indices`, `W.data`. */
  matrices?: Record<string, MatrixDescriptor>;
}

export interface DecodedPayload {
  /** Algorithm class name; which names exist is the algorithm registry's business. */
  algorithm: string;
  modelFormatVersion: number;
  params: Params;
  userIds: string[];
  itemIds: string[];
  seen: CsrMatrix;
  /** Algorithm arrays, without the id tables and the `seen` matrix; views on the payload where aligned. */
  arrays: Record<string, NdArray>;
  /** Matrix descriptors other than `seen`, already validated against `arrays`. */
  matrices: Record<string, MatrixDescriptor>;
}

export const SEEN_MATRIX = 'seen';
export const USER_TABLE = 'user_ids';
export const ITEM_TABLE = 'item_ids';
export const SEEN_ARRAYS = { indptr: 'seen.indptr', indices: 'seen.indices', data: 'seen.data' } as const;
export const RESERVED_ARRAY_NAMES: ReadonlySet<string> = new Set([
  `${USER_TABLE}.offsets`,
  `${USER_TABLE}.bytes`,
  `${ITEM_TABLE}.offsets`,
  `${ITEM_TABLE}.bytes`,
  SEEN_ARRAYS.indptr,
  SEEN_ARRAYS.indices,
  SEEN_ARRAYS.data,
]);

export function alignUp(n: number, alignment: number): number {
  const rem = n % alignment;
  return rem === 0 ? n : n + alignment - rem;
}
