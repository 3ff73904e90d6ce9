/**
 * The kernels of ./wasm/assembly/recsys.ts and their TypeScript twins: `nt_f64` (C = beta·C +
 * alpha·A·Bᵀ over float64 rows, lower triangle optional) and `topk_f32` (the k best of a score
 * row), `pack_panels_f32` / `gemm_packed_f32` (scores against item factors packed in panels of 8 items).
 * The WebAssembly module has no data segment, so it is instantiated over the same shared heap
 * as the main kernel module, on the main thread and in each pool worker (`ctx.memory`); arguments
 * are heap addresses (a heap view's `byteOffset`).
 */
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { compileOptimized } from './wasm/runtime.js';

export interface RecsysKernels {
  nt_f64(
    m: number,
    ncols: number,
    k: number,
    A: number,
    lda: number,
    B: number,
    ldb: number,
    C: number,
    ldc: number,
    beta: number,
    alpha: number,
    lowerFrom: number,
  ): void;
  topk_f32(scores: number, n: number, k: number, idx: number, vals: number): void;
  pack_panels_f32(B: number, ldb: number, n: number, kp: number, P: number): void;
  gemm_packed_f32(m: number, n: number, kp: number, A: number, lda: number, P: number, C: number, ldc: number): void;
}

const RECSYS_WASM_URL = new URL('../../build/wasm/recsys.wasm', import.meta.url);
let compiled: WebAssembly.Module | null | undefined;
const instances = new WeakMap<WebAssembly.Memory, RecsysKernels>();

/** The kernel over `memory`, or null when the module is not built or cannot be instantiated. */
export function recsysKernels(memory: WebAssembly.Memory | null): RecsysKernels | null {
  if (memory === null) return null;
  const have = instances.get(memory);
  if (have) return have;
  if (compiled === undefined) {
    try {
      const path = fileURLToPath(RECSYS_WASM_URL);
      compiled = existsSync(path) ? compileOptimized(readFileSync(path)) : null;
    } catch {
      compiled = null;
    }
  }
  if (compiled === null) return null;
  try {
    const inst = new WebAssembly.Instance(compiled, { env: { memory } });
    const k = inst.exports as unknown as RecsysKernels;
    instances.set(memory, k);
    return k;
  } catch {
    return null;
  }
}

/**
 * TypeScript twin of `nt_f64` on arrays with element offsets: C[cOff + i·ldc + j] = beta·C +
 * alpha·(A row i · B row j) over k entries, for i < m, j < ncols and, when lowerFrom ≥ 0,
 * j ≤ lowerFrom + i (the twin writes exactly the lower triangle).
 */
export function ntF64(
  m: number,
  ncols: number,
  k: number,
  A: Float64Array,
  aOff: number,
  lda: number,
  B: Float64Array,
  bOff: number,
  ldb: number,
  C: Float64Array,
  cOff: number,
  ldc: number,
  beta: number,
  alpha: number,
  lowerFrom: number,
): void {
  for (let i = 0; i < m; i++) {
    const jEnd = lowerFrom >= 0 ? Math.min(ncols, lowerFrom + i + 1) : ncols;
    const a = aOff + i * lda;
    const c = cOff + i * ldc;
    for (let j = 0; j < jEnd; j++) {
      const b = bOff + j * ldb;
      let s0 = 0;
      let s1 = 0;
      let t = 0;
      for (; t + 1 < k; t += 2) {
        s0 += A[a + t] * B[b + t];
        s1 += A[a + t + 1] * B[b + t + 1];
      }
      if (t < k) s0 += A[a + t] * B[b + t];
      const s = s0 + s1;
      C[c + j] = beta === 0 ? alpha * s : beta * C[c + j] + alpha * s;
    }
  }
}

/** Floats of the packed form of n item rows of kp factors (whole panels of 8 items). */
export function packedPanelsLength(n: number, kp: number): number {
  return ((n + 7) >> 3) * 8 * kp;
}

/** TypeScript twin of `pack_panels_f32`: P[panel][t][j] = B[8·panel + j, t], zero past row n. */
export function packPanels(B: Float32Array, ldb: number, n: number, kp: number, P: Float32Array): void {
  const panels = (n + 7) >> 3;
  for (let pnl = 0; pnl < panels; pnl++) {
    const base = pnl * kp * 8;
    for (let j = 0; j < 8; j++) {
      const item = pnl * 8 + j;
      for (let t = 0; t < kp; t++) P[base + t * 8 + j] = item < n ? B[item * ldb + t] : 0;
    }
  }
}

/**
 * TypeScript twin of `gemm_packed_f32` with element offsets: C[cOff + i·ldc + j] = A row i · item j
 * for i < m, j < n, summed over t in order with float32 rounding after every product and sum, so
 * it matches the kernel bit for bit.
 */
export function gemmPacked(
  m: number,
  n: number,
  kp: number,
  A: Float32Array,
  aOff: number,
  lda: number,
  P: Float32Array,
  C: Float32Array,
  cOff: number,
  ldc: number,
): void {
  const f = Math.fround;
  for (let i = 0; i < m; i++) {
    const a = aOff + i * lda;
    for (let j = 0; j < n; j++) {
      const b = (j >> 3) * kp * 8 + (j & 7);
      let s = 0;
      for (let t = 0; t < kp; t++) s = f(s + f(A[a + t] * P[b + t * 8]));
      C[cOff + i * ldc + j] = s;
    }
  }
}
