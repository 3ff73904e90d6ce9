import { describe, expect, it } from 'vitest';
import { pinned, Staging, unpin } from '../../src/linalg/resident.js';
import { WasmHeap } from '../../src/linalg/wasm/runtime.js';

function newHeap(): WasmHeap {
  return new WasmHeap(new WebAssembly.Memory({ initial: 2, maximum: 1000, shared: true }));
}

describe('WasmHeap', () => {
  it('allocates aligned, non-overlapping blocks and grows the memory', () => {
    const heap = newHeap();
    const a = heap.alloc(10);
    const b = heap.alloc(100000);
    const c = heap.alloc(1);
    for (const p of [a, b, c]) expect(p % 64).toBe(0);
    expect(b).toBeGreaterThanOrEqual(a + 64);
    expect(c).toBeGreaterThanOrEqual(b + 100000);
    expect(heap.memory.buffer.byteLength).toBeGreaterThanOrEqual(c + 64);
    expect(heap.allocatedBytes).toBe(64 + 100032 + 64);
  });

  it('reuses and coalesces freed blocks', () => {
    const heap = newHeap();
    const a = heap.alloc(128);
    const b = heap.alloc(128);
    const c = heap.alloc(128);
    heap.alloc(64); // keeps the top above c
    heap.free(a);
    heap.free(b);
    expect(heap.alloc(256)).toBe(a); // a and b merged
    heap.free(c);
    expect(heap.alloc(64)).toBe(c);
    expect(() => heap.free(12345)).toThrow(/not an allocated block/);
  });

  it('a read-only (worker) heap refuses to allocate', () => {
    const heap = newHeap();
    heap.readOnly = true;
    expect(() => heap.alloc(8)).toThrow(/main thread/);
  });

  it('views of older buffers stay valid after growth, and owns() recognises them', () => {
    const heap = newHeap();
    const p = heap.alloc(16);
    const v = heap.f32(p, 4);
    v.set([1, 2, 3, 4]);
    heap.alloc(10 * 65536); // forces growth
    expect(Array.from(heap.f32(p, 4))).toEqual([1, 2, 3, 4]);
    expect(heap.owns(v)).toBe(true);
    expect(heap.owns(new Float32Array(4))).toBe(false);
  });

  it('Staging copies inputs in and outputs back, then frees', () => {
    const heap = newHeap();
    const st = new Staging(heap);
    const src = Float32Array.from([1, 2, 3]);
    const dst = new Float32Array(3);
    const ip = st.input(src);
    const op = st.output(dst);
    expect(Array.from(heap.f32(ip, 3))).toEqual([1, 2, 3]);
    heap.f32(op, 3).set([7, 8, 9]);
    st.done();
    expect(Array.from(dst)).toEqual([7, 8, 9]);
    expect(heap.allocatedBytes).toBe(0);
  });

  it('pinned copies are cached by identity until unpinned', () => {
    const heap = newHeap();
    const a = Float32Array.from([5, 6]);
    const p1 = pinned(heap, a);
    expect(pinned(heap, a)).toBe(p1);
    expect(Array.from(heap.f32(p1, 2))).toEqual([5, 6]);
    const inHeap = heap.f32(heap.alloc(8), 2);
    expect(pinned(heap, inHeap)).toBe(inHeap.byteOffset);
    unpin(a);
  });
});
