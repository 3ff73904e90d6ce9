/**
 * The kernels of ./wasm/assembly/recsys.ts and their TypeScript twins: `nt_f64` (C = beta·C +
 * alpha·A·Bᵀ over float64 rows, lower triangle optional) and `topk_f32` (the k best of a score
 * row), `pack_panels_f32` / `gemm_packed_f32` (scores against item factors packed in panels of 8 items),
 * `topk_dot_pruned_f32` (one user's top k over items in descending norm order, stopping early).
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
  topk_dot_pruned_f32(
    u: number,
    unorm: number,
    kp: number,
    F: number,
    bound: number,
    order: number,
    mask: number,
    n: number,
    t0: number,
    t1: number,
    t2: number,
    k: number,
    idx: number,
    vals: number,
  ): number;
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

/**
 * Score of user row u against item row v (kp floats each, kp a multiple of 4) with float32
 * rounding in the order of gemm_nt_f32's paired path: four lane sums over t ≡ lane (mod 4), added
 * as (0 + 2) + (1 + 3).
 */
function laneDot(u: Float32Array, uOff: number, v: Float32Array, vOff: number, kp: number): number {
  const f = Math.fround;
  const x = [0, 0, 0, 0];
  for (let t = 0; t < kp; t++) x[t & 3] = f(x[t & 3] + f(u[uOff + t] * v[vOff + t]));
  return f(f(x[0] + x[2]) + f(x[1] + x[3]));
}

/** The same score in gemm_nt_f32's two-accumulator form (used for the last n mod 4 items). */
function tailDot(u: Float32Array, uOff: number, v: Float32Array, vOff: number, kp: number): number {
  const f = Math.fround;
  const s0 = [0, 0, 0, 0];
  const s1 = [0, 0, 0, 0];
  for (let t = 0; t < kp; t++) {
    const acc = (t & 4) === 0 ? s0 : s1;
    acc[t & 3] = f(acc[t & 3] + f(u[uOff + t] * v[vOff + t]));
  }
  const x = s0.map((a, l) => f(a + s1[l]));
  return f(f(x[0] + x[2]) + f(x[1] + x[3]));
}

/**
 * TypeScript twin of `topk_dot_pruned_f32` over plain arrays (u and F with element offsets 0):
 * the same scores, order, stopping points (checked every 8 rows, then every row) and return value.
 */
export function topkDotPruned(
  u: Float32Array,
  unorm: number,
  kp: number,
  F: Float32Array,
  bound: Float64Array,
  order: Int32Array,
  mask: Uint8Array,
  n: number,
  tail: readonly number[],
  k: number,
  idx: Int32Array,
  vals: Float64Array,
): number {
  vals.fill(Number.NEGATIVE_INFINITY, 0, k);
  idx.fill(0x7fffffff, 0, k);
  const n8 = n & ~7;
  for (let p = 0; p < n; p++) {
    if ((p >= n8 || (p & 7) === 0) && unorm * bound[p] < vals[k - 1]) return p;
    const item = order[p];
    const v = tail.includes(p) ? tailDot(u, 0, F, p * kp, kp) : laneDot(u, 0, F, p * kp, kp);
    if (mask[p] !== 0 || !(v > Number.NEGATIVE_INFINITY)) continue;
    if (!(v > vals[k - 1] || (v === vals[k - 1] && item < idx[k - 1]))) continue;
    let q = k - 1;
    while (q > 0 && (vals[q - 1] < v || (vals[q - 1] === v && idx[q - 1] > item))) {
      vals[q] = vals[q - 1];
      idx[q] = idx[q - 1];
      q--;
    }
    vals[q] = v;
    idx[q] = item;
  }
  return n;
}
