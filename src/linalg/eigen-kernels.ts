/**
 * Loader of the eigendecomposition kernels (./wasm/assembly/eigen.ts, float64 SIMD): instantiated
 * over the main thread's kernel heap on first use, or null when the module is not built or the
 * kernels are disabled (then the TypeScript twins in ./eigen.ts run).
 */
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { compileOptimized, wasmRuntime } from './wasm/runtime.js';

export interface EigenKernels {
  sym_tridiag_f64(T: number, n: number, W: number, d: number, e: number, v: number, p: number, t: number): void;
  tridiag_qr_f64(d: number, e: number, n: number, W: number): number;
}

const EIGEN_WASM_URL = new URL('../../build/wasm/eigen.wasm', import.meta.url);
let kernels: EigenKernels | null | undefined;

export function eigenKernels(): EigenKernels | null {
  if (kernels !== undefined) return kernels;
  kernels = null;
  const rt = wasmRuntime();
  if (!rt) return kernels;
  try {
    const path = fileURLToPath(EIGEN_WASM_URL);
    if (existsSync(path)) {
      const inst = new WebAssembly.Instance(compileOptimized(readFileSync(path)), { env: { memory: rt.memory } });
      kernels = inst.exports as unknown as EigenKernels;
    }
  } catch {
    kernels = null;
  }
  return kernels;
}
