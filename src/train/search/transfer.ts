/**
 * What crosses the boundary between the search and its trial workers: CSR matrices on
 * SharedArrayBuffers (every worker reads the same memory, nothing is copied per trial) and errors
 * as plain objects that are rebuilt into the same error classes on the other side (so exit codes
 * survive the trip).
 */
import {
  MinDataViolation,
  SearchError,
  SplitError,
  TrainingError,
  UnknownAlgorithmError,
  ZeroScoreError,
} from '../../errors/index.js';
import type { CsrMatrix } from '../../linalg/csr.js';

function shared<T extends Int32Array | Float32Array>(a: T, make: (buf: SharedArrayBuffer) => T): T {
  if (a.buffer instanceof SharedArrayBuffer) return a;
  const out = make(new SharedArrayBuffer(a.byteLength));
  out.set(a);
  return out;
}

/** The same matrix on shared memory (returned as is when it already is). */
export function toSharedCsr(m: CsrMatrix): CsrMatrix {
  return {
    rows: m.rows,
    cols: m.cols,
    indptr: shared(m.indptr, (b) => new Int32Array(b)),
    indices: shared(m.indices, (b) => new Int32Array(b)),
    data: shared(m.data, (b) => new Float32Array(b)),
  };
}

export interface SerializedError {
  name: string;
  message: string;
  code?: string;
  stack?: string;
}

export function serializeError(err: unknown): SerializedError {
  if (err instanceof Error) {
    const code = (err as { code?: unknown }).code;
    return {
      name: err.name,
      message: err.message,
      code: typeof code === 'string' ? code : undefined,
      stack: err.stack,
    };
  }
  return { name: 'Error', message: String(err) };
}

/** Rebuild an error thrown in a worker as the class it had there (unknown names stay plain Errors). */
export function reviveError(e: SerializedError): Error {
  let err: Error;
  switch (e.name) {
    case 'ZeroScoreError':
      err = new ZeroScoreError(e.message);
      break;
    case 'SearchError':
      err = new SearchError(e.message, e.code);
      break;
    case 'UnknownAlgorithmError':
      err = new UnknownAlgorithmError(e.message);
      break;
    case 'SplitError':
      err = new SplitError(e.message);
      break;
    case 'MinDataViolation':
      err = new MinDataViolation(e.message);
      break;
    case 'TrainingError':
      err = new TrainingError(e.message, e.code);
      break;
    case 'RangeError':
      err = new RangeError(e.message);
      break;
    case 'TypeError':
      err = new TypeError(e.message);
      break;
    default:
      err = new Error(e.message);
      err.name = e.name;
  }
  if (e.stack) err.stack = e.stack;
  return err;
}
