/**
 * Decoded artifact contents in a form that crosses thread boundaries without copying: every
 * typed array lives in a SharedArrayBuffer, so the loader thread, the event loop and the scoring
 * threads all read the same bytes.
 */
import type { CanonicalClass, NdArray, Params, TypedArray } from '../../algorithms/types.js';
import type { CsrMatrix } from '../../linalg/csr.js';

export interface SharedPayload {
  algorithm: CanonicalClass;
  modelFormatVersion: number;
  params: Params;
  userIds: string[];
  itemIds: string[];
  seen: CsrMatrix;
  arrays: Record<string, NdArray>;
}

type Ctor<T extends TypedArray> = { new (buffer: ArrayBufferLike, byteOffset: number, length: number): T };

/** A copy of `a` backed by a SharedArrayBuffer (returned as is when it already is). */
export function toSharedArray<T extends TypedArray>(a: T): T {
  if (a.buffer instanceof SharedArrayBuffer) return a;
  const ctor = a.constructor as unknown as Ctor<T>;
  const sab = new SharedArrayBuffer(a.byteLength);
  const copy = new ctor(sab, 0, a.length);
  (copy as unknown as { set(src: T): void }).set(a);
  return copy;
}

export function shareCsr(m: CsrMatrix): CsrMatrix {
  return {
    rows: m.rows,
    cols: m.cols,
    indptr: toSharedArray(m.indptr),
    indices: toSharedArray(m.indices),
    data: toSharedArray(m.data),
  };
}

export function shareArrays(arrays: Record<string, NdArray>): Record<string, NdArray> {
  const out: Record<string, NdArray> = {};
  for (const [name, a] of Object.entries(arrays))
    out[name] = { dtype: a.dtype, shape: [...a.shape], data: toSharedArray(a.data) };
  return out;
}

/** Bytes held by the arrays of a payload (for logs and the memory budget). */
export function payloadBytes(p: SharedPayload): number {
  let n = p.seen.indptr.byteLength + p.seen.indices.byteLength + p.seen.data.byteLength;
  for (const a of Object.values(p.arrays)) n += a.data.byteLength;
  return n;
}
