/**
 * Kernel dispatch: the same signatures as the TypeScript twins in ./dense.ts, run by the
 * WebAssembly SIMD kernels when they are loaded and the shapes suit them (strides and inner sizes
 * padded to a multiple of 4 floats / 2 doubles), else by the twins. Arguments need not live in the
 * kernel heap: they are copied in and out as needed (`pin` keeps a cached copy of a read-only
 * operand that is used repeatedly, such as item factors).
 */
import type { CsrMatrix } from './csr.js';
import * as ts from './dense.js';
import { pinned, Staging } from './resident.js';
import { wasmRuntime } from './wasm/runtime.js';

/** Below this many multiply-adds the copy into the heap costs more than it saves. */
export const MIN_WORK = 4096;

/** Round up to a multiple of 4 (the float32 SIMD width). */
export function pad4(k: number): number {
  return (k + 3) & ~3;
}

/** Round up to a multiple of 2 (the float64 SIMD width). */
export function pad2(k: number): number {
  return (k + 1) & ~1;
}

export function dot32(a: Float32Array, b: Float32Array, n: number, aOff = 0, bOff = 0): number {
  return ts.dot(a, b, n, aOff, bOff);
}

/**
 * C (m × n, stride ldc) = A (m × k, stride lda) · Bᵀ, B (n × k, stride ldb), float32.
 * `pinB`: B is read-only and reused across calls, keep a cached heap copy.
 */
export function gemmNT32(
  m: number,
  n: number,
  k: number,
  A: Float32Array,
  lda: number,
  B: Float32Array,
  ldb: number,
  C: Float32Array,
  ldc: number,
  opts: { pinB?: boolean } = {},
): void {
  const rt = wasmRuntime();
  if (!rt || k % 4 !== 0 || lda % 4 !== 0 || ldb % 4 !== 0 || m * n * k < MIN_WORK) {
    ts.gemmNT(m, n, k, A, lda, B, ldb, C, ldc);
    return;
  }
  const st = new Staging(rt.heap);
  try {
    const a = st.input(A.subarray(0, (m - 1) * lda + k));
    const b = opts.pinB ? pinned(rt.heap, B) : st.input(B.subarray(0, (n - 1) * ldb + k));
    const c = st.output(C.subarray(0, (m - 1) * ldc + n), ldc !== n);
    rt.exports.gemm_nt_f32(m, n, k, a, lda, b, ldb, c, ldc);
    st.done();
  } catch (err) {
    st.done();
    throw err;
  }
}

/** G (k × k float64) = Σ_{r ∈ [r0, r1)} A[r]ᵀA[r] over the first k columns of float32 A (stride lda). */
export function gram32(A: Float32Array, lda: number, k: number, r0: number, r1: number, G: Float64Array): void {
  const rt = wasmRuntime();
  if (!rt || k % 4 !== 0 || lda % 4 !== 0 || (r1 - r0) * k * k < MIN_WORK) {
    ts.gram(A, lda, k, r0, r1, G);
    return;
  }
  const st = new Staging(rt.heap);
  try {
    // Only rows [r0, r1) are needed: stage that slice and address it from row 0.
    const base = st.input(A.subarray(r0 * lda, (r1 - 1) * lda + k));
    const g = st.output(G.subarray(0, k * k));
    rt.exports.gram_f32(base, lda, k, 0, r1 - r0, g);
    st.done();
  } catch (err) {
    st.done();
    throw err;
  }
}

/** G (k × k) = Σ_{r ∈ [r0, r1)} A[r]ᵀA[r], float64 A with stride lda. */
export function gram64(A: Float64Array, lda: number, k: number, r0: number, r1: number, G: Float64Array): void {
  const rt = wasmRuntime();
  if (!rt || k % 2 !== 0 || lda % 2 !== 0 || (r1 - r0) * k * k < MIN_WORK) {
    ts.gram(A, lda, k, r0, r1, G);
    return;
  }
  const st = new Staging(rt.heap);
  try {
    const base = st.input(A.subarray(r0 * lda, (r1 - 1) * lda + k));
    const g = st.output(G.subarray(0, k * k));
    rt.exports.gram_f64(base, lda, k, 0, r1 - r0, g);
    st.done();
  } catch (err) {
    st.done();
    throw err;
  }
}

/** C (m × n) = A (m × k) · B (k × n), float64, row strides lda, ldb, ldc. */
export function gemmNN64(
  m: number,
  n: number,
  k: number,
  A: Float64Array,
  lda: number,
  B: Float64Array,
  ldb: number,
  C: Float64Array,
  ldc: number,
): void {
  const rt = wasmRuntime();
  if (!rt || n % 2 !== 0 || ldb % 2 !== 0 || ldc % 2 !== 0 || m * n * k < MIN_WORK) {
    ts.gemmNN(m, n, k, A, lda, B, ldb, C, ldc);
    return;
  }
  const st = new Staging(rt.heap);
  try {
    const a = st.input(A.subarray(0, (m - 1) * lda + k));
    const b = st.input(B.subarray(0, (k - 1) * ldb + n));
    const c = st.output(C.subarray(0, (m - 1) * ldc + n), ldc !== n);
    rt.exports.gemm_nn_f64(m, n, k, a, lda, b, ldb, c, ldc);
    st.done();
  } catch (err) {
    st.done();
    throw err;
  }
}

/**
 * out (rows r0…r1 of X·D, float64) with D float64 (stride ldd, `width` columns). Output row
 * r − r0 when `relative`, else row r; stride ldo. The CSR arrays are pinned (read-only, reused).
 */
export function spmm64(
  X: CsrMatrix,
  D: Float64Array,
  ldd: number,
  width: number,
  out: Float64Array,
  ldo: number,
  r0 = 0,
  r1 = X.rows,
  relative = false,
): void {
  const rt = wasmRuntime();
  const nz = X.indptr[r1] - X.indptr[r0];
  if (!rt || width % 2 !== 0 || ldd % 2 !== 0 || ldo % 2 !== 0 || nz * width < MIN_WORK) {
    ts.spmm(X, D, ldd, width, out, ldo, r0, r1, relative);
    return;
  }
  const st = new Staging(rt.heap);
  try {
    const ip = pinned(rt.heap, X.indptr);
    const ix = pinned(rt.heap, X.indices);
    const dv = pinned(rt.heap, X.data);
    const d = st.input(D);
    const firstRow = relative ? 0 : r0;
    const rowsOut = r1 - r0;
    const o = st.output(out.subarray(firstRow * ldo, (firstRow + rowsOut - 1) * ldo + width), ldo !== width);
    rt.exports.spmm_f64(ip, ix, dv, d, ldd, width, o, ldo, r0, r1, 1);
    st.done();
  } catch (err) {
    st.done();
    throw err;
  }
}
