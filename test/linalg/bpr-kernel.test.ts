import { describe, expect, it } from 'vitest';
import { type BprState, bprEpoch, bprEpochTs } from '../../src/linalg/bpr-kernel.js';
import { csrFromCoo } from '../../src/linalg/csr.js';
import { Rng } from '../../src/linalg/random.js';
import { releaseShared, sharedI32, toShared } from '../../src/linalg/resident.js';

function makeState(warp: boolean): BprState {
  const rng = new Rng(9);
  const users = 20;
  const items = 15;
  const r: number[] = [];
  const c: number[] = [];
  for (let t = 0; t < 120; t++) {
    r.push(rng.nextInt(users));
    c.push(rng.nextInt(items));
  }
  const X = csrFromCoo(users, items, r, c);
  const kp = 8;
  const n = X.indptr[users];
  const entryUser = new Int32Array(n);
  for (let u = 0; u < users; u++) entryUser.fill(u, X.indptr[u], X.indptr[u + 1]);
  const order = Int32Array.from({ length: n }, (_, i) => i);
  rng.shuffle(order);
  const rand = (len: number) => Float32Array.from({ length: len }, () => (rng.nextFloat() - 0.5) / 6);
  return {
    order,
    entryUser,
    entryItem: X.indices,
    indptr: X.indptr,
    indices: X.indices,
    P: rand(users * kp),
    Q: rand(items * kp),
    B: new Float32Array(items),
    GP: new Float32Array(users * kp).fill(1),
    GQ: new Float32Array(items * kp).fill(1),
    GB: new Float32Array(items).fill(1),
    kp,
    nItems: items,
    lr: 0.05,
    userAlpha: 1e-3,
    itemAlpha: 1e-3,
    warp,
    maxSampled: 10,
  };
}

function toHeap(s: BprState): BprState {
  return {
    ...s,
    order: toShared(s.order),
    entryUser: toShared(s.entryUser),
    entryItem: toShared(s.entryItem),
    indptr: toShared(s.indptr),
    indices: toShared(s.indices),
    P: toShared(s.P),
    Q: toShared(s.Q),
    B: toShared(s.B),
    GP: toShared(s.GP),
    GQ: toShared(s.GQ),
    GB: toShared(s.GB),
  };
}

function maxDiff(a: Float32Array, b: Float32Array): number {
  let d = 0;
  for (let i = 0; i < a.length; i++) d = Math.max(d, Math.abs(a[i] - b[i]));
  return d;
}

describe('bpr_epoch kernel', () => {
  for (const warp of [false, true]) {
    it(`${warp ? 'WARP' : 'BPR'}: WebAssembly and TypeScript twin make the same updates`, () => {
      const plain = makeState(warp);
      const heap = toHeap(makeState(warp));
      const r1 = new Rng(77);
      const r2 = new Rng(77);
      const words = sharedI32(4);
      const stateWords = new Uint32Array(words.buffer, words.byteOffset, 4);
      const before = plain.Q.slice();
      const u1 = bprEpochTs(plain, r1);
      const u2 = bprEpoch(heap, r2, stateWords);
      expect(u1).toBeGreaterThan(10);
      expect(u2).toBe(u1);
      expect(Array.from(r2.getState())).toEqual(Array.from(r1.getState())); // same negatives drawn
      expect(maxDiff(plain.Q, before)).toBeGreaterThan(1e-3);
      expect(maxDiff(heap.P, plain.P)).toBeLessThan(1e-5);
      expect(maxDiff(heap.Q, plain.Q)).toBeLessThan(1e-5);
      expect(maxDiff(heap.B, plain.B)).toBeLessThan(1e-5);
      expect(maxDiff(heap.GQ, plain.GQ)).toBeLessThan(1e-5);
      for (const a of Object.values(heap)) if (ArrayBuffer.isView(a)) releaseShared(a as Float32Array);
      releaseShared(words);
    });
  }
});
