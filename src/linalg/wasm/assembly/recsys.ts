// Kernels of the recommenders and the evaluator (loaded by src/linalg/recsys-kernels.ts):
//  - nt_f64: register-blocked "C = beta·C + alpha·A·Bᵀ" on float64 rows, the one kernel of the
//    blocked SPD inverse (src/algorithms/similarity/spd-sweep.ts);
//  - topk_f32: the k best entries of a float32 score row (evaluator ranking).
//
// nt_f64: Rows of A and B are contiguous with strides
// lda, ldb; k is even (panels are zero-padded). With lowerFrom ≥ 0 only the lower triangle of a
// block whose row 0 is global row `lowerFrom` is needed: row i stops after column lowerFrom + i
// (a few entries above the diagonal of each 4-row strip are written too; callers ignore them).
// This module has no data segment, so it can share the kernel heap with kernels.wasm.

const COL_TILE: i32 = 128;

// @ts-ignore: decorator
@inline
function hsum(v: v128): f64 {
  return f64x2.extract_lane(v, 0) + f64x2.extract_lane(v, 1);
}

// @ts-ignore: decorator
@inline
function put(c: usize, beta: f64, alpha: f64, s: f64): void {
  store<f64>(c, beta == 0 ? alpha * s : beta * load<f64>(c) + alpha * s);
}

export function nt_f64(
  m: i32, ncols: i32, k: i32, A: usize, lda: i32, B: usize, ldb: i32, C: usize, ldc: i32,
  beta: f64, alpha: f64, lowerFrom: i32,
): void {
  const sa = <usize>lda << 3;
  const sb = <usize>ldb << 3;
  const sc = <usize>ldc << 3;
  const kb = <usize>k << 3;
  for (let j0: i32 = 0; j0 < ncols; j0 += COL_TILE) {
    const jTileEnd = min(ncols, j0 + COL_TILE);
    let i: i32 = 0;
    for (; i + 3 < m; i += 4) {
      let jEnd = jTileEnd;
      if (lowerFrom >= 0) jEnd = min(jEnd, lowerFrom + i + 4);
      if (jEnd <= j0) continue;
      const a0 = A + <usize>i * sa;
      const a1 = a0 + sa;
      const a2 = a1 + sa;
      const a3 = a2 + sa;
      let j = j0;
      for (; j + 1 < jEnd; j += 2) {
        const b0 = B + <usize>j * sb;
        const b1 = b0 + sb;
        let c00 = f64x2.splat(0);
        let c01 = f64x2.splat(0);
        let c10 = f64x2.splat(0);
        let c11 = f64x2.splat(0);
        let c20 = f64x2.splat(0);
        let c21 = f64x2.splat(0);
        let c30 = f64x2.splat(0);
        let c31 = f64x2.splat(0);
        for (let t: usize = 0; t < kb; t += 16) {
          const x0 = v128.load(b0 + t);
          const x1 = v128.load(b1 + t);
          const y0 = v128.load(a0 + t);
          c00 = f64x2.add(c00, f64x2.mul(y0, x0));
          c01 = f64x2.add(c01, f64x2.mul(y0, x1));
          const y1 = v128.load(a1 + t);
          c10 = f64x2.add(c10, f64x2.mul(y1, x0));
          c11 = f64x2.add(c11, f64x2.mul(y1, x1));
          const y2 = v128.load(a2 + t);
          c20 = f64x2.add(c20, f64x2.mul(y2, x0));
          c21 = f64x2.add(c21, f64x2.mul(y2, x1));
          const y3 = v128.load(a3 + t);
          c30 = f64x2.add(c30, f64x2.mul(y3, x0));
          c31 = f64x2.add(c31, f64x2.mul(y3, x1));
        }
        const c = C + <usize>i * sc + (<usize>j << 3);
        put(c, beta, alpha, hsum(c00));
        put(c + 8, beta, alpha, hsum(c01));
        put(c + sc, beta, alpha, hsum(c10));
        put(c + sc + 8, beta, alpha, hsum(c11));
        put(c + 2 * sc, beta, alpha, hsum(c20));
        put(c + 2 * sc + 8, beta, alpha, hsum(c21));
        put(c + 3 * sc, beta, alpha, hsum(c30));
        put(c + 3 * sc + 8, beta, alpha, hsum(c31));
      }
      for (; j < jEnd; j++) {
        const b0 = B + <usize>j * sb;
        for (let r: i32 = 0; r < 4; r++) {
          const a = A + <usize>(i + r) * sa;
          let acc = f64x2.splat(0);
          for (let t: usize = 0; t < kb; t += 16) acc = f64x2.add(acc, f64x2.mul(v128.load(a + t), v128.load(b0 + t)));
          put(C + <usize>(i + r) * sc + (<usize>j << 3), beta, alpha, hsum(acc));
        }
      }
    }
    for (; i < m; i++) {
      let jEnd = jTileEnd;
      if (lowerFrom >= 0) jEnd = min(jEnd, lowerFrom + i + 1);
      const a = A + <usize>i * sa;
      for (let j = j0; j < jEnd; j++) {
        const b0 = B + <usize>j * sb;
        let acc = f64x2.splat(0);
        for (let t: usize = 0; t < kb; t += 16) acc = f64x2.add(acc, f64x2.mul(v128.load(a + t), v128.load(b0 + t)));
        put(C + <usize>i * sc + (<usize>j << 3), beta, alpha, hsum(acc));
      }
    }
  }
}

// topk_f32: indices (relative to `scores`) of the k best of scores[0, n) into idx[0, k) (i32),
// their values into vals (f64), best first: higher score first, equal scores → smaller index,
// NaN and −∞ last. Requires 1 ≤ k ≤ n. A SIMD compare against the current k-th value skips four
// entries at a time; the rare winners are inserted into the sorted list one by one.
export function topk_f32(scores: usize, n: i32, k: i32, idx: usize, vals: usize): void {
  for (let i: i32 = 0; i < k; i++) {
    let v = <f64>load<f32>(scores + (<usize>i << 2));
    if (isNaN(v)) v = -Infinity;
    let p = i;
    while (p > 0 && load<f64>(vals + (<usize>(p - 1) << 3)) < v) {
      store<f64>(vals + (<usize>p << 3), load<f64>(vals + (<usize>(p - 1) << 3)));
      store<i32>(idx + (<usize>p << 2), load<i32>(idx + (<usize>(p - 1) << 2)));
      p--;
    }
    store<f64>(vals + (<usize>p << 3), v);
    store<i32>(idx + (<usize>p << 2), i);
  }
  let threshold = load<f64>(vals + (<usize>(k - 1) << 3));
  let i: i32 = k;
  // Scalar lead-in up to a multiple of 4, then blocks of 4.
  while (i < n && (i & 3) != 0) {
    threshold = offer(scores, i, k, idx, vals, threshold);
    i++;
  }
  let splat = f32x4.splat(<f32>threshold);
  for (; i + 3 < n; i += 4) {
    const v = v128.load(scores + (<usize>i << 2));
    if (v128.any_true(f32x4.gt(v, splat))) {
      for (let t: i32 = 0; t < 4; t++) threshold = offer(scores, i + t, k, idx, vals, threshold);
      splat = f32x4.splat(<f32>threshold);
    }
  }
  for (; i < n; i++) threshold = offer(scores, i, k, idx, vals, threshold);
}

// @ts-ignore: decorator
@inline
function offer(scores: usize, i: i32, k: i32, idx: usize, vals: usize, threshold: f64): f64 {
  const v = <f64>load<f32>(scores + (<usize>i << 2));
  if (!(v > threshold)) return threshold;
  let p = k - 1;
  while (p > 0 && load<f64>(vals + (<usize>(p - 1) << 3)) < v) {
    store<f64>(vals + (<usize>p << 3), load<f64>(vals + (<usize>(p - 1) << 3)));
    store<i32>(idx + (<usize>p << 2), load<i32>(idx + (<usize>(p - 1) << 2)));
    p--;
  }
  store<f64>(vals + (<usize>p << 3), v);
  store<i32>(idx + (<usize>p << 2), i);
  return load<f64>(vals + (<usize>(k - 1) << 3));
}
