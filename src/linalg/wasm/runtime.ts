/**
 * Loads the WebAssembly kernels (build/wasm/kernels.wasm, compiled from ./assembly by
 * `npm run build:wasm`) over one shared `WebAssembly.Memory`, and manages that memory as a heap of
 * typed arrays that the main thread and every pool worker can address.
 *
 * Only the main thread allocates. Workers instantiate the same module over the same memory and
 * receive pointers (byte offsets) or typed-array views of it. When the module cannot be loaded the
 * runtime is `null` and every caller falls back to the TypeScript twins, with one logged warning.
 */
import { readFileSync } from 'node:fs';
import { setFlagsFromString } from 'node:v8';

export interface KernelExports {
  dot_f32(a: number, b: number, n: number): number;
  axpy_f32(alpha: number, x: number, y: number, n: number): void;
  gemm_nt_f32(
    m: number,
    n: number,
    k: number,
    A: number,
    lda: number,
    B: number,
    ldb: number,
    C: number,
    ldc: number,
  ): void;
  gram_f32(A: number, lda: number, k: number, r0: number, r1: number, G: number): void;
  ials_cg_rows(
    indptr: number,
    indices: number,
    conf: number,
    target: number,
    other: number,
    kp: number,
    dense: number,
    full: number,
    rowStart: number,
    rowEnd: number,
    reg: number,
    regBase: number,
    nu: number,
    maxSteps: number,
    scratch: number,
    skip: number,
  ): number;
  ials_sweep(
    indptr: number,
    hidx: number,
    conf: number,
    r0: number,
    r1: number,
    F: number,
    kp: number,
    P: number,
    active: number,
    nTargets: number,
    out: number,
    beta: number,
    gamma: number,
  ): void;
  rotate_rows_f32(F: number, kp: number, k: number, Q: number, r0: number, r1: number, tmp: number): void;
  spmm_f64(
    indptr: number,
    indices: number,
    data: number,
    D: number,
    ldd: number,
    width: number,
    out: number,
    ldo: number,
    r0: number,
    r1: number,
    relative: number,
  ): void;
  bpr_epoch(
    order: number,
    n: number,
    entryUser: number,
    entryItem: number,
    indptr: number,
    indices: number,
    P: number,
    Q: number,
    B: number,
    GP: number,
    GQ: number,
    GB: number,
    kp: number,
    nItems: number,
    lr: number,
    userAlpha: number,
    itemAlpha: number,
    warp: number,
    maxSampled: number,
    rng: number,
  ): number;
  gram_f64(A: number, lda: number, k: number, r0: number, r1: number, G: number): void;
  gemm_nn_f64(
    m: number,
    n: number,
    k: number,
    A: number,
    lda: number,
    B: number,
    ldb: number,
    C: number,
    ldc: number,
  ): void;
}

/** The first bytes of linear memory hold the module's constant tables; the heap starts above. */
const HEAP_BASE = 64 * 1024;
const PAGE = 65536;
const MAX_PAGES = 65536;
const ALIGN = 64;

export const WASM_URL = new URL('../../../build/wasm/kernels.wasm', import.meta.url);

/** First-fit allocator over the shared memory, with coalescing of freed blocks. */
export class WasmHeap {
  private top = HEAP_BASE;
  /** Workers address the heap but never allocate from it (the allocator state is main-thread only). */
  readOnly = false;
  /** free blocks sorted by address: [ptr, size] pairs */
  private freeList: number[] = [];
  private readonly sizes = new Map<number, number>();
  private readonly buffers = new WeakSet<ArrayBufferLike>();

  constructor(readonly memory: WebAssembly.Memory) {
    this.buffers.add(memory.buffer);
  }

  /** Bytes currently allocated (for tests and leak checks). */
  get allocatedBytes(): number {
    let s = 0;
    for (const v of this.sizes.values()) s += v;
    return s;
  }

  alloc(bytes: number): number {
    if (this.readOnly) throw new Error('WasmHeap.alloc: kernel heap allocation is only possible on the main thread');
    const size = Math.max(ALIGN, Math.ceil(bytes / ALIGN) * ALIGN);
    const fl = this.freeList;
    for (let i = 0; i < fl.length; i += 2) {
      if (fl[i + 1] >= size) {
        const ptr = fl[i];
        if (fl[i + 1] === size) fl.splice(i, 2);
        else {
          fl[i] += size;
          fl[i + 1] -= size;
        }
        this.sizes.set(ptr, size);
        return ptr;
      }
    }
    const ptr = this.top;
    const end = ptr + size;
    const have = this.memory.buffer.byteLength;
    if (end > have) {
      const pages = Math.ceil((end - have) / PAGE);
      if (have / PAGE + pages > MAX_PAGES) {
        throw new RangeError(`Array buffer allocation failed: kernel heap would exceed 4 GiB (${end} bytes)`);
      }
      this.memory.grow(pages);
      this.buffers.add(this.memory.buffer);
    }
    this.top = end;
    this.sizes.set(ptr, size);
    return ptr;
  }

  free(ptr: number): void {
    const size = this.sizes.get(ptr);
    if (size === undefined) throw new Error(`WasmHeap.free: ${ptr} is not an allocated block`);
    this.sizes.delete(ptr);
    const fl = this.freeList;
    let i = 0;
    while (i < fl.length && fl[i] < ptr) i += 2;
    fl.splice(i, 0, ptr, size);
    // merge with the next block, then with the previous one
    if (i + 2 < fl.length && fl[i] + fl[i + 1] === fl[i + 2]) {
      fl[i + 1] += fl[i + 3];
      fl.splice(i + 2, 2);
    }
    if (i >= 2 && fl[i - 2] + fl[i - 1] === fl[i]) {
      fl[i - 1] += fl[i + 1];
      fl.splice(i, 2);
      i -= 2;
    }
    // give a trailing free block back to the bump pointer
    if (fl[i] + fl[i + 1] === this.top) {
      this.top = fl[i];
      fl.splice(i, 2);
    }
  }

  /** True when `a` is a view of this heap's memory. */
  owns(a: ArrayBufferView): boolean {
    return this.buffers.has(a.buffer);
  }

  f32(ptr: number, n: number): Float32Array {
    return new Float32Array(this.memory.buffer, ptr, n);
  }
  f64(ptr: number, n: number): Float64Array {
    return new Float64Array(this.memory.buffer, ptr, n);
  }
  i32(ptr: number, n: number): Int32Array {
    return new Int32Array(this.memory.buffer, ptr, n);
  }
}

export interface WasmRuntime {
  module: WebAssembly.Module;
  memory: WebAssembly.Memory;
  exports: KernelExports;
  heap: WasmHeap;
}

let runtime: WasmRuntime | null | undefined;

/**
 * Compile with V8's optimizing tier straight away. With dynamic tiering the first calls of a kernel
 * run baseline code several times slower, and a long kernel call is never switched over mid-run; the
 * module is small, so eager optimization costs a few milliseconds once.
 */
export function compileOptimized(bytes: Uint8Array): WebAssembly.Module {
  setFlagsFromString('--no-wasm-dynamic-tiering');
  try {
    return new WebAssembly.Module(bytes);
  } finally {
    setFlagsFromString('--wasm-dynamic-tiering');
  }
}
let loadWarning: string | null = null;

/** Instantiate the kernels over `memory` (used by the main thread and by each worker). */
export function instantiateKernels(module: WebAssembly.Module, memory: WebAssembly.Memory): KernelExports {
  const instance = new WebAssembly.Instance(module, { env: { memory } });
  return instance.exports as unknown as KernelExports;
}

/**
 * The process-wide runtime, loaded on first use; `null` when WebAssembly SIMD or the compiled module
 * is unavailable (then `wasmLoadWarning()` says why). `RECOTEM_DISABLE_WASM=1` forces the fallback.
 */
export function wasmRuntime(): WasmRuntime | null {
  if (runtime !== undefined) return runtime;
  if (process.env.RECOTEM_DISABLE_WASM === '1') {
    loadWarning = 'disabled by RECOTEM_DISABLE_WASM=1';
    runtime = null;
    return runtime;
  }
  try {
    const bytes = readFileSync(WASM_URL);
    const module = compileOptimized(bytes);
    const memory = new WebAssembly.Memory({ initial: HEAP_BASE / PAGE + 16, maximum: MAX_PAGES, shared: true });
    const exports = instantiateKernels(module, memory);
    runtime = { module, memory, exports, heap: new WasmHeap(memory) };
  } catch (err) {
    loadWarning = `${WASM_URL.pathname}: ${err instanceof Error ? err.message : String(err)}`;
    runtime = null;
  }
  return runtime;
}

/** In a pool worker: use the main thread's module and memory instead of loading a private copy. */
export function attachRuntime(module: WebAssembly.Module, memory: WebAssembly.Memory): WasmRuntime {
  const heap = new WasmHeap(memory);
  heap.readOnly = true;
  runtime = { module, memory, exports: instantiateKernels(module, memory), heap };
  return runtime;
}

export function wasmLoadWarning(): string | null {
  wasmRuntime();
  return loadWarning;
}
