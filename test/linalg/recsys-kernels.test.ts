import { describe, expect, it } from 'vitest';
import { gemmNT } from '../../src/linalg/dense.js';
import { tailPositions } from '../../src/linalg/norm-order.js';
import { Rng } from '../../src/linalg/random.js';
import {
  gemmPacked,
  packedPanelsLength,
  packPanels,
  type RecsysKernels,
  recsysKernels,
  topkDotPruned,
} from '../../src/linalg/recsys-kernels.js';
import { releaseShared, sharedF32, sharedF64, sharedI32, sharedU8 } from '../../src/linalg/resident.js';
import { wasmRuntime } from '../../src/linalg/wasm/runtime.js';

const rt = wasmRuntime();

function heapRandom(rng: Rng, n: number): Float32Array {
  const a = sharedF32(n);
  for (let i = 0; i < n; i++) a[i] = rng.nextFloat() * 2 - 1;
  return a;
}

describe('packed-panel scoring kernels', () => {
  it('the TypeScript twin equals a plain A·Bᵀ product', () => {
    const rng = new Rng(3);
    const m = 5;
    const n = 13;
    const kp = 8;
    const A = Float32Array.from({ length: m * kp }, () => rng.nextFloat() - 0.5);
    const B = Float32Array.from({ length: n * kp }, () => rng.nextFloat() - 0.5);
    const P = new Float32Array(packedPanelsLength(n, kp));
    packPanels(B, kp, n, kp, P);
    const C = new Float32Array(m * n);
    gemmPacked(m, n, kp, A, 0, kp, P, C, 0, n);
    const ref = new Float32Array(m * n);
    gemmNT(m, n, kp, A, kp, B, kp, ref, n);
    for (let i = 0; i < C.length; i++) expect(C[i]).toBeCloseTo(ref[i], 5);
  });

  it('pack_panels_f32 and gemm_packed_f32 match their twins bit for bit (partial panels, odd user counts)', () => {
    expect(rt).not.toBeNull();
    const kern = recsysKernels(rt?.memory ?? null);
    expect(kern).not.toBeNull();
    if (!kern) return;
    const rng = new Rng(11);
    for (const [m, n, kp, ldb, ldc] of [
      [1, 1, 4, 4, 1],
      [3, 7, 4, 8, 9],
      [4, 8, 12, 12, 8],
      [9, 21, 64, 64, 24],
      [6, 1030, 300, 300, 1030],
      [17, 9000, 8, 8, 9001],
    ]) {
      const A = heapRandom(rng, m * kp);
      const B = heapRandom(rng, n * ldb);
      const P = sharedF32(packedPanelsLength(n, kp));
      const C = sharedF32(m * ldc);
      C.fill(7); // columns ≥ n of each row must stay untouched
      kern.pack_panels_f32(B.byteOffset, ldb, n, kp, P.byteOffset);
      const Pts = new Float32Array(P.length);
      packPanels(B, ldb, n, kp, Pts);
      expect(Array.from(P)).toEqual(Array.from(Pts));
      kern.gemm_packed_f32(m, n, kp, A.byteOffset, kp, P.byteOffset, C.byteOffset, ldc);
      const Cts = new Float32Array(m * ldc).fill(7);
      gemmPacked(m, n, kp, A, 0, kp, Pts, Cts, 0, ldc);
      expect(Array.from(C)).toEqual(Array.from(Cts));
      for (const a of [A, B, P, C]) releaseShared(a);
    }
  });
});

/** topk_dot_pruned_f32 over heap arrays: the user row `u` against every row of `items`. */
function scan(
  kern: RecsysKernels,
  items: { rows: Float32Array; bound: Float64Array; order: Int32Array; tail: [number, number, number] },
  u: Float32Array,
  unorm: number,
  kp: number,
  mask: Uint8Array,
  k: number,
  idx: Int32Array,
  vals: Float64Array,
): number {
  const { rows, bound, order, tail } = items;
  return kern.topk_dot_pruned_f32(
    u.byteOffset,
    unorm,
    kp,
    rows.byteOffset,
    bound.byteOffset,
    order.byteOffset,
    mask.byteOffset,
    order.length,
    ...tail,
    k,
    idx.byteOffset,
    vals.byteOffset,
  );
}

describe('topk_dot_pruned_f32', () => {
  /** Items with norms spread like a trained model's (a few large, many small), in descending norm order. */
  function orderedItems(rng: Rng, n: number, kp: number, ties: boolean, bigTail = false) {
    const F = sharedF32(n * kp);
    const norms: number[] = [];
    for (let i = 0; i < n; i++) {
      // bigTail: the last n mod 4 items (scored outside gemm_nt_f32's tiles) lead the scan
      const scale = bigTail && i >= n - (n % 4) ? 3 : 2 / (1 + i / 8);
      let sq = 0;
      for (let t = 0; t < kp; t++) {
        // with ties: coarse values, so equal scores occur
        const v = ties ? Math.round((rng.nextFloat() - 0.3) * 4) / 4 : (rng.nextFloat() - 0.3) * scale;
        F[i * kp + t] = v;
        sq += Math.fround(v) ** 2;
      }
      norms.push(Math.sqrt(sq));
    }
    const byNorm = Array.from({ length: n }, (_, i) => i).sort((a, b) => norms[b] - norms[a] || a - b);
    const rows = sharedF32(n * kp);
    const bound = sharedF64(n);
    const order = sharedI32(n);
    const position = new Int32Array(n);
    byNorm.forEach((item, p) => {
      rows.set(F.subarray(item * kp, (item + 1) * kp), p * kp);
      order[p] = item;
      position[item] = p;
      bound[p] = norms[item] * (1 + 1e-5);
    });
    return { F, rows, bound, order, tail: tailPositions(position, n) };
  }

  it('returns what the full paired GEMM and a sort return, scores bit for bit, and matches its twin', () => {
    const kern = recsysKernels(rt?.memory ?? null);
    expect(kern).not.toBeNull();
    if (!kern || !rt) return;
    const rng = new Rng(5);
    for (const [n, kp, k, ties, bigTail] of [
      [7, 4, 3, false, false],
      [103, 8, 10, false, false],
      [1001, 64, 10, false, false],
      [1002, 64, 1000, false, false],
      [1003, 64, 10, false, true],
      [603, 12, 20, true, false],
    ] as const) {
      const { F, rows, bound, order, tail } = orderedItems(rng, n, kp, ties, bigTail);
      const mask = sharedU8(n);
      const pair = sharedF32(2 * kp);
      const full = sharedF32(2 * n);
      const idx = sharedI32(k);
      const vals = sharedF64(k);
      for (let trial = 0; trial < 4; trial++) {
        for (let t = 0; t < kp; t++)
          pair[t] = pair[kp + t] = ties ? Math.round(rng.nextFloat() * 4) / 4 : rng.nextFloat() - 0.2;
        mask.fill(0);
        const excluded = new Set<number>();
        for (let j = 0; j < n / 10; j++) excluded.add(rng.nextInt(n));
        for (let p = 0; p < n; p++) if (excluded.has(order[p])) mask[p] = 1;
        let sq = 0;
        for (let t = 0; t < kp; t++) sq += pair[t] * pair[t];
        const unorm = Math.sqrt(sq);
        const scored = scan(kern, { rows, bound, order, tail }, pair, unorm, kp, mask, k, idx, vals);
        // reference: both rows of a pair through gemm_nt_f32, then a full sort
        rt.exports.gemm_nt_f32(2, n, kp, pair.byteOffset, kp, F.byteOffset, kp, full.byteOffset, n);
        const ranked = Array.from({ length: n }, (_, i) => i)
          .filter((i) => !excluded.has(i))
          .sort((a, b) => full[b] - full[a] || a - b)
          .slice(0, k);
        const got = Array.from(idx.subarray(0, ranked.length));
        expect(got).toEqual(ranked);
        expect(Array.from(vals.subarray(0, ranked.length))).toEqual(ranked.map((i) => full[i]));
        // norms fall fast here, so a top 10 needs only the first rows
        if (n > 1000 && k === 10) expect(scored).toBeLessThan(n / 2);
        if (bigTail) for (const p of tail) if (mask[p] === 0) expect(got).toContain(order[p]);
        // the twin: same items, scores and stopping point
        const tIdx = new Int32Array(k);
        const tVals = new Float64Array(k);
        const tScored = topkDotPruned(
          pair.slice(0, kp),
          unorm,
          kp,
          rows.slice(),
          bound.slice(),
          order.slice(),
          mask.slice(),
          n,
          tail,
          k,
          tIdx,
          tVals,
        );
        expect(tScored).toBe(scored);
        expect(Array.from(tIdx)).toEqual(Array.from(idx));
        expect(Array.from(tVals)).toEqual(Array.from(vals));
      }
      for (const a of [F, rows, bound, order, mask, pair, full, idx, vals]) releaseShared(a);
    }
  });

  it('fills missing slots with −∞ when fewer than k items remain', () => {
    const kern = recsysKernels(rt?.memory ?? null);
    if (!kern) throw new Error('kernels not loaded');
    const rng = new Rng(9);
    const { F, rows, bound, order, tail } = orderedItems(rng, 6, 4, false);
    const mask = sharedU8(6);
    mask.set([1, 0, 1, 1, 0, 1]);
    const u = heapRandom(rng, 4);
    const idx = sharedI32(5);
    const vals = sharedF64(5);
    scan(kern, { rows, bound, order, tail }, u, 1, 4, mask, 5, idx, vals);
    expect(Array.from(vals.subarray(2))).toEqual([-Infinity, -Infinity, -Infinity]);
    expect(new Set(idx.subarray(0, 2))).toEqual(new Set([order[1], order[4]]));
    for (const a of [F, rows, bound, order, mask, u, idx, vals]) releaseShared(a);
  });
});
