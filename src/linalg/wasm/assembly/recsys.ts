// Kernels of the recommenders and the evaluator (loaded by src/linalg/recsys-kernels.ts):
//  - nt_f64: register-blocked "C = beta·C + alpha·A·Bᵀ" on float64 rows, the one kernel of the
//    blocked SPD inverse (src/algorithms/similarity/spd-sweep.ts);
//  - topk_f32: the k best entries of a float32 score row (evaluator ranking);
//  - pack_panels_f32 / gemm_packed_f32: user × item scores against item factors packed into
//    panels of 8 items (evaluator scoring, see the comment above pack_panels_f32);
//  - topk_dot_pruned_f32: one user's exact top k, scanning items by descending norm and stopping
//    when no later item can enter (serving, see the comment above it).
//
// nt_f64: Rows of A and B are contiguous with strides
// lda, ldb; k is even (panels are zero-padded). With lowerFrom ≥ 0 only the lower triangle of a
// block whose row 0 is global row `lowerFrom` is needed: row i stops after column lowerFrom + i
// (a few entries above the diagonal of each 4-row strip are written too; callers ignore them).
// This module has no data segment, so it can share the kernel heap with kernels.wasm.

import { dot4, hsum as hsumF32, hsum4 } from './shared/f32x4';

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

// ---------------------------------------------------------------------------------------------
// Scoring against packed item panels.
//
// The item factors B (n × kp float32, row stride ldb) are copied once into panels of 8 items, each
// panel kp × 8 floats ([t][j]: component t of the panel's 8 items), the last panel zero-padded. A
// 4-user × 8-item tile then takes, per component t, two contiguous loads of the panel and four
// broadcasts of the users' component t: 8 independent multiply-add vectors per 6 loads and no
// horizontal sums, about 1.7× the throughput of the dot-product form (gemm_nt_f32) here.

/** P (ceil(n/8) panels of kp × 8 floats) ← B (n × kp, row stride ldb floats). */
export function pack_panels_f32(B: usize, ldb: i32, n: i32, kp: i32, P: usize): void {
  const panels = (n + 7) >> 3;
  const sb = <usize>ldb << 2;
  for (let pnl: i32 = 0; pnl < panels; pnl++) {
    const base = P + <usize>pnl * (<usize>kp << 5);
    for (let j: i32 = 0; j < 8; j++) {
      const item = (pnl << 3) + j;
      const row = B + <usize>item * sb;
      for (let t: i32 = 0; t < kp; t++) {
        store<f32>(base + (<usize>t << 5) + (<usize>j << 2), item < n ? load<f32>(row + (<usize>t << 2)) : 0);
      }
    }
  }
}

// @ts-ignore: decorator
@inline
function storeTile(c: usize, lo: v128, hi: v128, width: i32): void {
  if (width >= 8) {
    v128.store(c, lo);
    v128.store(c, hi, 16);
    return;
  }
  // last, partial panel: only `width` columns exist in C
  if (width > 0) store<f32>(c, f32x4.extract_lane(lo, 0));
  if (width > 1) store<f32>(c, f32x4.extract_lane(lo, 1), 4);
  if (width > 2) store<f32>(c, f32x4.extract_lane(lo, 2), 8);
  if (width > 3) store<f32>(c, f32x4.extract_lane(lo, 3), 12);
  if (width > 4) store<f32>(c, f32x4.extract_lane(hi, 0), 16);
  if (width > 5) store<f32>(c, f32x4.extract_lane(hi, 1), 20);
  if (width > 6) store<f32>(c, f32x4.extract_lane(hi, 2), 24);
}

/**
 * C (m × n, row stride ldc floats) = A (m × kp, row stride lda) · Bᵀ with B packed by
 * pack_panels_f32. Panels are taken in blocks of about 256 KiB that stay in cache while every
 * 4-user strip of A passes over them. Sums run over t in order, one float32 accumulator per score.
 */
export function gemm_packed_f32(m: i32, n: i32, kp: i32, A: usize, lda: i32, P: usize, C: usize, ldc: i32): void {
  const panels = (n + 7) >> 3;
  const panelBytes = <usize>kp << 5;
  const block = max<i32>(1, <i32>((<usize>262144) / panelBytes));
  const sa = <usize>lda << 2;
  const sc = <usize>ldc << 2;
  for (let p0: i32 = 0; p0 < panels; p0 += block) {
    const p1 = min(panels, p0 + block);
    let i: i32 = 0;
    for (; i + 4 <= m; i += 4) {
      const a0 = A + <usize>i * sa;
      const a1 = a0 + sa;
      const a2 = a1 + sa;
      const a3 = a2 + sa;
      const c0 = C + <usize>i * sc;
      for (let pnl = p0; pnl < p1; pnl++) {
        const bp = P + <usize>pnl * panelBytes;
        let x00 = f32x4.splat(0), x01 = f32x4.splat(0), x10 = f32x4.splat(0), x11 = f32x4.splat(0);
        let x20 = f32x4.splat(0), x21 = f32x4.splat(0), x30 = f32x4.splat(0), x31 = f32x4.splat(0);
        for (let t: i32 = 0; t < kp; t++) {
          const b = bp + (<usize>t << 5);
          const b0 = v128.load(b);
          const b1 = v128.load(b, 16);
          const o = <usize>t << 2;
          const s0 = v128.load32_splat(a0 + o);
          const s1 = v128.load32_splat(a1 + o);
          const s2 = v128.load32_splat(a2 + o);
          const s3 = v128.load32_splat(a3 + o);
          x00 = f32x4.add(x00, f32x4.mul(s0, b0));
          x01 = f32x4.add(x01, f32x4.mul(s0, b1));
          x10 = f32x4.add(x10, f32x4.mul(s1, b0));
          x11 = f32x4.add(x11, f32x4.mul(s1, b1));
          x20 = f32x4.add(x20, f32x4.mul(s2, b0));
          x21 = f32x4.add(x21, f32x4.mul(s2, b1));
          x30 = f32x4.add(x30, f32x4.mul(s3, b0));
          x31 = f32x4.add(x31, f32x4.mul(s3, b1));
        }
        const j = pnl << 3;
        const width = n - j;
        const c = c0 + (<usize>j << 2);
        storeTile(c, x00, x01, width);
        storeTile(c + sc, x10, x11, width);
        storeTile(c + 2 * sc, x20, x21, width);
        storeTile(c + 3 * sc, x30, x31, width);
      }
    }
    for (; i < m; i++) {
      const a0 = A + <usize>i * sa;
      const c0 = C + <usize>i * sc;
      for (let pnl = p0; pnl < p1; pnl++) {
        const bp = P + <usize>pnl * panelBytes;
        let x00 = f32x4.splat(0), x01 = f32x4.splat(0);
        for (let t: i32 = 0; t < kp; t++) {
          const b = bp + (<usize>t << 5);
          const s0 = v128.load32_splat(a0 + (<usize>t << 2));
          x00 = f32x4.add(x00, f32x4.mul(s0, v128.load(b)));
          x01 = f32x4.add(x01, f32x4.mul(s0, v128.load(b, 16)));
        }
        const j = pnl << 3;
        storeTile(c0 + (<usize>j << 2), x00, x01, n - j);
      }
    }
  }
}

// ---------------------------------------------------------------------------------------------
// Exact top-k of one user row against item rows taken in descending order of their norms.
//
// By Cauchy–Schwarz no item scores above |u|·|v|. With the items sorted by |v| (largest first),
// once |u|·bound[p] falls below the current k-th score no later item can enter the top k, and the
// scan stops. The caller's bound[p] is |v_p| raised by a margin that covers float32 rounding of the
// dot product, so pruning never drops an item the full scan would return.
//
// Each score is computed with the arithmetic of gemm_nt_f32's paired path (one float32x4
// accumulator per item over t in order, lanes summed as (0+2)+(1+3)), and the last n mod 4 items
// of the catalogue (which that kernel scores outside its tiles) with its dot4 form, both from
// ./shared/f32x4, so a score is bit for bit the one a full scoring call would produce.

/** dot4, kept out of line: the scan reaches it for at most three rows, and inlined copies crowd its loop. */
// @ts-ignore: decorator
@noinline
function tailDot(a: usize, b: usize, n: i32): f32 {
  return dot4(a, b, n);
}

/**
 * Insert (v, item) into the sorted list idx/vals of length k (higher score first, equal scores →
 * smaller item first) when it beats the last entry.
 */
// @ts-ignore: decorator
@inline
function offerItem(v: f64, item: i32, k: i32, idx: usize, vals: usize): void {
  const last = <usize>(k - 1);
  const lv = load<f64>(vals + (last << 3));
  if (!(v > lv || (v == lv && item < load<i32>(idx + (last << 2))))) return;
  let p = k - 1;
  while (p > 0) {
    const pv = load<f64>(vals + (<usize>(p - 1) << 3));
    if (!(pv < v || (pv == v && load<i32>(idx + (<usize>(p - 1) << 2)) > item))) break;
    store<f64>(vals + (<usize>p << 3), pv);
    store<i32>(idx + (<usize>p << 2), load<i32>(idx + (<usize>(p - 1) << 2)));
    p--;
  }
  store<f64>(vals + (<usize>p << 3), v);
  store<i32>(idx + (<usize>p << 2), item);
}

// @ts-ignore: decorator
@inline
function offerScore(s: f32, pos: i32, order: usize, mask: usize, k: i32, idx: usize, vals: usize): void {
  // masked items, NaN and −∞ are never returned
  if (load<u8>(mask + <usize>pos) != 0 || !(s > -Infinity)) return;
  offerItem(<f64>s, load<i32>(order + (<usize>pos << 2)), k, idx, vals);
}

/** Single-accumulator score of one row (the paired path's arithmetic, or dotTail at a tail position). */
// @ts-ignore: decorator
@inline
function rowScore(u: usize, b: usize, kp: i32, tail: bool): f32 {
  if (tail) return tailDot(u, b, kp);
  let x = f32x4.splat(0);
  for (let t: i32 = 0; t < kp; t += 4) {
    const o = <usize>t << 2;
    x = f32x4.add(x, f32x4.mul(v128.load(u + o), v128.load(b + o)));
  }
  return hsumF32(x);
}

// @ts-ignore: decorator
@inline
function isTail(pos: i32, t0: i32, t1: i32, t2: i32): bool {
  return pos == t0 || pos == t1 || pos == t2;
}

// @ts-ignore: decorator
@inline
function offerLane(lane: f32, pos: i32, u: usize, F: usize, row: usize, kp: i32, t0: i32, t1: i32, t2: i32,
  order: usize, mask: usize, k: i32, idx: usize, vals: usize): void {
  const v = isTail(pos, t0, t1, t2) ? tailDot(u, F + <usize>pos * row, kp) : lane;
  offerScore(v, pos, order, mask, k, idx, vals);
}

// @ts-ignore: decorator
@inline
function clearList(k: i32, idx: usize, vals: usize): void {
  for (let j: i32 = 0; j < k; j++) {
    store<f64>(vals + (<usize>j << 3), -Infinity);
    store<i32>(idx + (<usize>j << 2), i32.MAX_VALUE);
  }
}

/** Offer the four scores of `s` (rows p … p + 3) unless none reaches the list's last score. */
// @ts-ignore: decorator
@inline
function offerTile4(s: v128, p: i32, u: usize, F: usize, row: usize, kp: i32, t0: i32, t1: i32, t2: i32,
  order: usize, mask: usize, k: i32, idx: usize, vals: usize): void {
  const th = f32x4.splat(<f32>load<f64>(vals + (<usize>(k - 1) << 3)));
  const tailHere = <u32>(t0 - p) < 4 || <u32>(t1 - p) < 4 || <u32>(t2 - p) < 4;
  if (!tailHere && !v128.any_true(f32x4.ge(s, th))) return;
  offerLane(f32x4.extract_lane(s, 0), p, u, F, row, kp, t0, t1, t2, order, mask, k, idx, vals);
  offerLane(f32x4.extract_lane(s, 1), p + 1, u, F, row, kp, t0, t1, t2, order, mask, k, idx, vals);
  offerLane(f32x4.extract_lane(s, 2), p + 2, u, F, row, kp, t0, t1, t2, order, mask, k, idx, vals);
  offerLane(f32x4.extract_lane(s, 3), p + 3, u, F, row, kp, t0, t1, t2, order, mask, k, idx, vals);
}

/** One user's scan from row `from` on (see topk_dot_pruned_f32); returns where it stopped. */
function scanOne(
  from: i32, u: usize, unorm: f64, kp: i32, F: usize, bound: usize, order: usize, mask: usize,
  n: i32, t0: i32, t1: i32, t2: i32, k: i32, idx: usize, vals: usize,
): i32 {
  const last = vals + (<usize>(k - 1) << 3);
  const row = <usize>kp << 2;
  let p: i32 = from;
  for (; p + 8 <= n; p += 8) {
    if (unorm * load<f64>(bound + (<usize>p << 3)) < load<f64>(last)) return p;
    const b0 = F + <usize>p * row;
    let x0 = f32x4.splat(0), x1 = f32x4.splat(0), x2 = f32x4.splat(0), x3 = f32x4.splat(0);
    let x4 = f32x4.splat(0), x5 = f32x4.splat(0), x6 = f32x4.splat(0), x7 = f32x4.splat(0);
    for (let t: i32 = 0; t < kp; t += 4) {
      const o = <usize>t << 2;
      const va = v128.load(u + o);
      const b = b0 + o;
      x0 = f32x4.add(x0, f32x4.mul(va, v128.load(b)));
      x1 = f32x4.add(x1, f32x4.mul(va, v128.load(b + row)));
      x2 = f32x4.add(x2, f32x4.mul(va, v128.load(b + 2 * row)));
      x3 = f32x4.add(x3, f32x4.mul(va, v128.load(b + 3 * row)));
      x4 = f32x4.add(x4, f32x4.mul(va, v128.load(b + 4 * row)));
      x5 = f32x4.add(x5, f32x4.mul(va, v128.load(b + 5 * row)));
      x6 = f32x4.add(x6, f32x4.mul(va, v128.load(b + 6 * row)));
      x7 = f32x4.add(x7, f32x4.mul(va, v128.load(b + 7 * row)));
    }
    offerTile4(hsum4(x0, x1, x2, x3), p, u, F, row, kp, t0, t1, t2, order, mask, k, idx, vals);
    offerTile4(hsum4(x4, x5, x6, x7), p + 4, u, F, row, kp, t0, t1, t2, order, mask, k, idx, vals);
  }
  for (; p < n; p++) {
    if (unorm * load<f64>(bound + (<usize>p << 3)) < load<f64>(last)) return p;
    offerScore(rowScore(u, F + <usize>p * row, kp, isTail(p, t0, t1, t2)), p, order, mask, k, idx, vals);
  }
  return n;
}

/**
 * The k best items for the user row u (kp floats; kp a multiple of 4) among n item rows F (stride
 * kp) stored in scan order: order[p] is the item index of row p, bound[p] (f64, non-increasing)
 * bounds its norm, mask[p] ≠ 0 excludes it; t0, t1, t2 are the scan positions of the catalogue's
 * last n mod 4 items (−1 when unused). Writes item indices to idx (i32) and scores to vals (f64),
 * best first; slots that no item filled hold −∞ and index 2³¹−1. Returns the rows scored.
 *
 * Rows go in tiles of 8: eight independent accumulators keep the adds from waiting on each other
 * (each item's own sum must stay in one accumulator to round as full scoring does). A tile whose
 * scores all fall below the current k-th is skipped after one vector compare.
 */
export function topk_dot_pruned_f32(
  u: usize, unorm: f64, kp: i32, F: usize, bound: usize, order: usize, mask: usize,
  n: i32, t0: i32, t1: i32, t2: i32, k: i32, idx: usize, vals: usize,
): i32 {
  clearList(k, idx, vals);
  return scanOne(0, u, unorm, kp, F, bound, order, mask, n, t0, t1, t2, k, idx, vals);
}
