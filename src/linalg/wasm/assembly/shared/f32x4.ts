// Float32 SIMD sums shared by the kernel modules (imported by them; the build compiles only the
// files directly in assembly/). gemm_nt_f32 (kernels.ts) and the norm-ordered scan (recsys.ts)
// must round a score identically, so both take their sums from here.

/** Σ of the four lanes, as (0 + 2) + (1 + 3). */
@inline export function hsum(v: v128): f32 {
  const s = f32x4.add(v, v128.shuffle<f32>(v, v, 2, 3, 0, 1));
  return f32x4.extract_lane(s, 0) + f32x4.extract_lane(s, 1);
}

/** [Σa, Σb, Σc, Σd] of four vectors, each summed as `hsum` sums one. */
@inline export function hsum4(a: v128, b: v128, c: v128, d: v128): v128 {
  const ab = f32x4.add(v128.shuffle<f32>(a, b, 0, 1, 4, 5), v128.shuffle<f32>(a, b, 2, 3, 6, 7));
  const cd = f32x4.add(v128.shuffle<f32>(c, d, 0, 1, 4, 5), v128.shuffle<f32>(c, d, 2, 3, 6, 7));
  return f32x4.add(v128.shuffle<f32>(ab, cd, 0, 2, 4, 6), v128.shuffle<f32>(ab, cd, 1, 3, 5, 7));
}

/** Dot product of two float32 vectors of length n (multiple of 4), in two accumulators. */
@inline export function dot4(a: usize, b: usize, n: i32): f32 {
  let s0 = f32x4.splat(0);
  let s1 = f32x4.splat(0);
  let t: i32 = 0;
  for (; t + 8 <= n; t += 8) {
    const o = <usize>t << 2;
    s0 = f32x4.add(s0, f32x4.mul(v128.load(a + o), v128.load(b + o)));
    s1 = f32x4.add(s1, f32x4.mul(v128.load(a + o, 16), v128.load(b + o, 16)));
  }
  if (t < n) {
    const o = <usize>t << 2;
    s0 = f32x4.add(s0, f32x4.mul(v128.load(a + o), v128.load(b + o)));
  }
  return hsum(f32x4.add(s0, s1));
}
