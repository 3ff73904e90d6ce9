import { describe, expect, it } from 'vitest';
import { gemmNT } from '../../src/linalg/dense.js';
import { Rng } from '../../src/linalg/random.js';
import { gemmPacked, packedPanelsLength, packPanels, recsysKernels } from '../../src/linalg/recsys-kernels.js';
import { releaseShared, sharedF32 } from '../../src/linalg/resident.js';
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
