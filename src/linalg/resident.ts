/**
 * Getting typed arrays into the kernel heap. A WebAssembly kernel can only address its own linear
 * memory, so an argument that is not already a heap view is either copied in for one call
 * (`Staging`) or kept in a bounded least-recently-used cache of read-only copies (`pinned`), which
 * suits arrays scored against again and again, such as a model's item factors.
 */
import { type WasmHeap, wasmRuntime } from './wasm/runtime.js';

type Typed = Float32Array | Float64Array | Int32Array | Uint8Array;

interface CacheEntry {
  heap: WasmHeap;
  ptr: number;
  bytes: number;
}

const cache = new Map<Typed, CacheEntry>();
let cacheBytes = 0;
let cacheBudget = 512 * 1024 * 1024;

/** Bytes of read-only copies the cache may hold before evicting the least recently used. */
export function setPinnedCacheBudget(bytes: number): void {
  cacheBudget = bytes;
  evict(0);
}

function evict(incoming: number): void {
  for (const [key, entry] of cache) {
    if (cacheBytes + incoming <= cacheBudget) break;
    entry.heap.free(entry.ptr);
    cacheBytes -= entry.bytes;
    cache.delete(key);
  }
}

/**
 * Heap address of `a` for read-only kernel input: its own address when it is a heap view, else the
 * address of a cached copy. The copy is keyed by the array object: call `unpin(a)` after mutating it.
 */
export function pinned(heap: WasmHeap, a: Typed): number {
  if (heap.owns(a)) return a.byteOffset;
  const hit = cache.get(a);
  if (hit) {
    cache.delete(a);
    cache.set(a, hit);
    return hit.ptr;
  }
  const bytes = a.byteLength;
  evict(bytes);
  const ptr = heap.alloc(bytes);
  new Uint8Array(heap.memory.buffer, ptr, bytes).set(new Uint8Array(a.buffer, a.byteOffset, bytes));
  cache.set(a, { heap, ptr, bytes });
  cacheBytes += bytes;
  return ptr;
}

/** Drop the cached copy of `a` (after it was modified, or when it is no longer needed). */
export function unpin(a: Typed): void {
  const hit = cache.get(a);
  if (!hit) return;
  hit.heap.free(hit.ptr);
  cacheBytes -= hit.bytes;
  cache.delete(a);
}

/** Per-call copies in and out of the heap; `done()` copies outputs back and frees everything. */
export class Staging {
  private readonly temps: number[] = [];
  private readonly outputs: { ptr: number; target: Typed }[] = [];

  constructor(readonly heap: WasmHeap) {}

  /** Address of `a` as kernel input (copied in unless it is a heap view). */
  input(a: Typed): number {
    if (this.heap.owns(a)) return a.byteOffset;
    const ptr = this.heap.alloc(a.byteLength);
    this.temps.push(ptr);
    new Uint8Array(this.heap.memory.buffer, ptr, a.byteLength).set(
      new Uint8Array(a.buffer, a.byteOffset, a.byteLength),
    );
    return ptr;
  }

  /** Address the kernel writes `a` to (copied back by `done()` unless it is a heap view). */
  output(a: Typed, copyIn = false): number {
    if (this.heap.owns(a)) return a.byteOffset;
    const ptr = copyIn ? this.input(a) : this.scratch(a.byteLength);
    this.outputs.push({ ptr, target: a });
    return ptr;
  }

  /** Temporary heap bytes, freed by `done()`. */
  scratch(bytes: number): number {
    const ptr = this.heap.alloc(bytes);
    this.temps.push(ptr);
    return ptr;
  }

  done(): void {
    for (const { ptr, target } of this.outputs) {
      new Uint8Array(target.buffer, target.byteOffset, target.byteLength).set(
        new Uint8Array(this.heap.memory.buffer, ptr, target.byteLength),
      );
    }
    for (const ptr of this.temps) this.heap.free(ptr);
    this.temps.length = 0;
    this.outputs.length = 0;
  }
}

/**
 * A zero-filled Float32Array (or Float64Array/Int32Array) that workers can share: a heap view when the kernels
 * are loaded, else a view of a fresh SharedArrayBuffer. Heap views must be released with
 * `releaseShared` (plain shared buffers are garbage collected).
 */
export function sharedF32(n: number): Float32Array {
  const rt = wasmRuntime();
  if (rt) return rt.heap.f32(rt.heap.alloc(n * 4), n).fill(0);
  return new Float32Array(new SharedArrayBuffer(n * 4));
}

export function sharedF64(n: number): Float64Array {
  const rt = wasmRuntime();
  if (rt) return rt.heap.f64(rt.heap.alloc(n * 8), n).fill(0);
  return new Float64Array(new SharedArrayBuffer(n * 8));
}

export function sharedU8(n: number): Uint8Array {
  const rt = wasmRuntime();
  if (rt) {
    const ptr = rt.heap.alloc(n); // may grow the memory: take the buffer afterwards
    return new Uint8Array(rt.memory.buffer, ptr, n).fill(0);
  }
  return new Uint8Array(new SharedArrayBuffer(n));
}

export function sharedI32(n: number): Int32Array {
  const rt = wasmRuntime();
  if (rt) return rt.heap.i32(rt.heap.alloc(n * 4), n).fill(0);
  return new Int32Array(new SharedArrayBuffer(n * 4));
}

/** Copy of `a` in shared memory (see `sharedF32`). */
export function toShared<T extends Typed>(a: T): T {
  const out = (
    a instanceof Float32Array
      ? sharedF32(a.length)
      : a instanceof Float64Array
        ? sharedF64(a.length)
        : a instanceof Uint8Array
          ? sharedU8(a.length)
          : sharedI32(a.length)
  ) as T;
  out.set(a as never);
  return out;
}

/** Free a view created by `sharedF32`/`sharedF64`/`sharedI32`/`toShared` (no-op for plain buffers). */
export function releaseShared(a: Typed): void {
  const rt = wasmRuntime();
  if (rt?.heap.owns(a)) rt.heap.free(a.byteOffset);
}

/** True when `a` lives in the kernel heap (so kernels and workers can use its address). */
export function isResident(a: ArrayBufferView): boolean {
  return wasmRuntime()?.heap.owns(a) === true;
}
