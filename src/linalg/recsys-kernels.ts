/**
 * The kernels of ./wasm/assembly/recsys.ts and their TypeScript twins: `nt_f64` (C = beta·C +
 * alpha·A·Bᵀ over float64 rows, lower triangle optional) and `topk_f32` (the k best of a score
 * row). The WebAssembly module has no data segment, so it is instantiated over the same shared heap
 * as the main kernel module, on the main thread and in each pool worker (`ctx.memory`); arguments
 * are heap addresses (a heap view's `byteOffset`).
 */
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

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
      compiled = existsSync(path) ? new WebAssembly.Module(readFileSync(path)) : null;
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
