// Hot numeric kernels, compiled to WebAssembly with 128-bit SIMD (AssemblyScript).
//
// Every pointer is a byte offset into the shared linear memory. Float32 vectors that take part in
// SIMD loops have a length (or row stride) that is a multiple of 4, padded with zeros by the
// caller; padding stays zero through every kernel here. Each export has a TypeScript twin in
// src/linalg (dense.ts, ials-kernel.ts) that the tests use as the oracle.

import { dot4, hsum, hsum4 } from './shared/f32x4';

// ---------------------------------------------------------------------------------------------
// level 1

/** Σ a[t]·b[t], t < n (any n). */
export function dot_f32(a: usize, b: usize, n: i32): f32 {
  const n4 = n & ~3;
  let s = n4 > 0 ? dot4(a, b, n4) : <f32>0;
  for (let t = n4; t < n; t++) s += load<f32>(a + (<usize>t << 2)) * load<f32>(b + (<usize>t << 2));
  return s;
}

/** y[t] += alpha·x[t], t < n (any n). */
export function axpy_f32(alpha: f32, x: usize, y: usize, n: i32): void {
  const va = f32x4.splat(alpha);
  let t: i32 = 0;
  for (; t + 4 <= n; t += 4) {
    const o = <usize>t << 2;
    v128.store(y + o, f32x4.add(v128.load(y + o), f32x4.mul(va, v128.load(x + o))));
  }
  for (; t < n; t++) {
    const o = <usize>t << 2;
    store<f32>(y + o, load<f32>(y + o) + alpha * load<f32>(x + o));
  }
}

// ---------------------------------------------------------------------------------------------
// scoring: C = A · Bᵀ

/**
 * C (m × n, row stride ldc floats) = A (m × k) · Bᵀ with B (n × k). A and B have row strides
 * lda, ldb (floats, multiples of 4) and k is a multiple of 4. Items are processed in blocks that
 * stay in cache while every user row passes over them.
 */
export function gemm_nt_f32(
  m: i32, n: i32, k: i32, A: usize, lda: i32, B: usize, ldb: i32, C: usize, ldc: i32,
): void {
  const block: i32 = 1024;
  const sa = <usize>lda << 2;
  const sb = <usize>ldb << 2;
  const sc = <usize>ldc << 2;
  for (let j0: i32 = 0; j0 < n; j0 += block) {
    const j1 = min(n, j0 + block);
    const j4 = j0 + ((j1 - j0) & ~3);
    let i: i32 = 0;
    for (; i + 2 <= m; i += 2) {
      const a0 = A + <usize>i * sa;
      const a1 = a0 + sa;
      const c0 = C + <usize>i * sc;
      const c1 = c0 + sc;
      for (let j = j0; j < j4; j += 4) {
        const b0 = B + <usize>j * sb;
        const b1 = b0 + sb;
        const b2 = b1 + sb;
        const b3 = b2 + sb;
        let x00 = f32x4.splat(0), x01 = f32x4.splat(0), x02 = f32x4.splat(0), x03 = f32x4.splat(0);
        let x10 = f32x4.splat(0), x11 = f32x4.splat(0), x12 = f32x4.splat(0), x13 = f32x4.splat(0);
        for (let t: i32 = 0; t < k; t += 4) {
          const o = <usize>t << 2;
          const va0 = v128.load(a0 + o);
          const va1 = v128.load(a1 + o);
          const vb0 = v128.load(b0 + o);
          const vb1 = v128.load(b1 + o);
          const vb2 = v128.load(b2 + o);
          const vb3 = v128.load(b3 + o);
          x00 = f32x4.add(x00, f32x4.mul(va0, vb0));
          x01 = f32x4.add(x01, f32x4.mul(va0, vb1));
          x02 = f32x4.add(x02, f32x4.mul(va0, vb2));
          x03 = f32x4.add(x03, f32x4.mul(va0, vb3));
          x10 = f32x4.add(x10, f32x4.mul(va1, vb0));
          x11 = f32x4.add(x11, f32x4.mul(va1, vb1));
          x12 = f32x4.add(x12, f32x4.mul(va1, vb2));
          x13 = f32x4.add(x13, f32x4.mul(va1, vb3));
        }
        const jo = <usize>j << 2;
        v128.store(c0 + jo, hsum4(x00, x01, x02, x03));
        v128.store(c1 + jo, hsum4(x10, x11, x12, x13));
      }
      for (let j = j4; j < j1; j++) {
        const b = B + <usize>j * sb;
        store<f32>(c0 + (<usize>j << 2), dot4(a0, b, k));
        store<f32>(c1 + (<usize>j << 2), dot4(a1, b, k));
      }
    }
    for (; i < m; i++) {
      const a0 = A + <usize>i * sa;
      const c0 = C + <usize>i * sc;
      for (let j = j0; j < j1; j++) store<f32>(c0 + (<usize>j << 2), dot4(a0, B + <usize>j * sb, k));
    }
  }
}

// ---------------------------------------------------------------------------------------------
// Gram matrix G = Σ_r A[r]ᵀ A[r] (float32 input, float64 output)

/**
 * G (k × k float64, full symmetric) = Σ_{r ∈ [r0, r1)} A[r]ᵀ A[r], where A is float32 with row
 * stride lda and k a multiple of 4. Rows are processed in chunks that stay in cache; within a chunk
 * the products accumulate in float32 registers and each chunk's sums are added to G in float64.
 */
export function gram_f32(A: usize, lda: i32, k: i32, r0: i32, r1: i32, G: usize): void {
  memory.fill(G, 0, (<usize>k * <usize>k) << 3);
  const chunk: i32 = 256;
  const sa = <usize>lda << 2;
  for (let c0 = r0; c0 < r1; c0 += chunk) {
    const c1 = min(r1, c0 + chunk);
    // tiles: 4 rows (i) × 8 columns (j) of G, upper triangle (j-block starting at the i-block)
    for (let i: i32 = 0; i < k; i += 4) {
      for (let j: i32 = i & ~7; j < k; j += 8) {
        const wide = j + 8 <= k;
        let g00 = f32x4.splat(0), g01 = f32x4.splat(0);
        let g10 = f32x4.splat(0), g11 = f32x4.splat(0);
        let g20 = f32x4.splat(0), g21 = f32x4.splat(0);
        let g30 = f32x4.splat(0), g31 = f32x4.splat(0);
        if (wide) {
          for (let r = c0; r < c1; r++) {
            const row = A + <usize>r * sa;
            const vj0 = v128.load(row + (<usize>j << 2));
            const vj1 = v128.load(row + (<usize>j << 2), 16);
            const ai = v128.load(row + (<usize>i << 2));
            const s0 = v128.shuffle<f32>(ai, ai, 0, 0, 0, 0);
            const s1 = v128.shuffle<f32>(ai, ai, 1, 1, 1, 1);
            const s2 = v128.shuffle<f32>(ai, ai, 2, 2, 2, 2);
            const s3 = v128.shuffle<f32>(ai, ai, 3, 3, 3, 3);
            g00 = f32x4.add(g00, f32x4.mul(s0, vj0));
            g01 = f32x4.add(g01, f32x4.mul(s0, vj1));
            g10 = f32x4.add(g10, f32x4.mul(s1, vj0));
            g11 = f32x4.add(g11, f32x4.mul(s1, vj1));
            g20 = f32x4.add(g20, f32x4.mul(s2, vj0));
            g21 = f32x4.add(g21, f32x4.mul(s2, vj1));
            g30 = f32x4.add(g30, f32x4.mul(s3, vj0));
            g31 = f32x4.add(g31, f32x4.mul(s3, vj1));
          }
        } else {
          for (let r = c0; r < c1; r++) {
            const row = A + <usize>r * sa;
            const vj0 = v128.load(row + (<usize>j << 2));
            const ai = v128.load(row + (<usize>i << 2));
            g00 = f32x4.add(g00, f32x4.mul(v128.shuffle<f32>(ai, ai, 0, 0, 0, 0), vj0));
            g10 = f32x4.add(g10, f32x4.mul(v128.shuffle<f32>(ai, ai, 1, 1, 1, 1), vj0));
            g20 = f32x4.add(g20, f32x4.mul(v128.shuffle<f32>(ai, ai, 2, 2, 2, 2), vj0));
            g30 = f32x4.add(g30, f32x4.mul(v128.shuffle<f32>(ai, ai, 3, 3, 3, 3), vj0));
          }
        }
        addTile(G, k, i, j, g00, g01, g10, g11, g20, g21, g30, g31, wide);
      }
    }
  }
  // mirror the upper triangle
  for (let i: i32 = 0; i < k; i++) {
    for (let j: i32 = 0; j < i; j++) {
      store<f64>(G + ((<usize>i * <usize>k + <usize>j) << 3), load<f64>(G + ((<usize>j * <usize>k + <usize>i) << 3)));
    }
  }
}

@inline function addRow(G: usize, k: i32, i: i32, j: i32, lo: v128, hi: v128, wide: bool): void {
  const p = G + ((<usize>i * <usize>k + <usize>j) << 3);
  v128.store(p, f64x2.add(v128.load(p), f64x2.promote_low_f32x4(lo)));
  v128.store(p, f64x2.add(v128.load(p, 16), f64x2.promote_low_f32x4(v128.shuffle<f32>(lo, lo, 2, 3, 0, 1))), 16);
  if (wide) {
    v128.store(p, f64x2.add(v128.load(p, 32), f64x2.promote_low_f32x4(hi)), 32);
    v128.store(p, f64x2.add(v128.load(p, 48), f64x2.promote_low_f32x4(v128.shuffle<f32>(hi, hi, 2, 3, 0, 1))), 48);
  }
}

function addTile(
  G: usize, k: i32, i: i32, j: i32,
  g00: v128, g01: v128, g10: v128, g11: v128, g20: v128, g21: v128, g30: v128, g31: v128, wide: bool,
): void {
  addRow(G, k, i, j, g00, g01, wide);
  addRow(G, k, i + 1, j, g10, g11, wide);
  addRow(G, k, i + 2, j, g20, g21, wide);
  addRow(G, k, i + 3, j, g30, g31, wide);
}

// ---------------------------------------------------------------------------------------------
// IALS: conjugate-gradient solve of one side
//
// The dense term A = α₀·VᵀV of every CG matrix product is either a full K × K matrix, or — when the
// trainer has rotated both factor matrices into the eigenbasis of VᵀV — the diagonal `diag` (an
// orthogonal change of basis leaves CG's iterates, inner products and stopping rule unchanged).

/** out = sign·(diag + lam)∘x */
@inline function diagApply(diag: usize, kp: i32, lam: f32, x: usize, out: usize, sign: f32): void {
  const vl = f32x4.splat(lam);
  const vs = f32x4.splat(sign);
  for (let t: i32 = 0; t < kp; t += 4) {
    const o = <usize>t << 2;
    v128.store(out + o, f32x4.mul(vs, f32x4.mul(f32x4.add(v128.load(diag + o), vl), v128.load(x + o))));
  }
}

/** out = sign·(A + lam·I)·x for the symmetric float32 K × K matrix A (K = kp, multiple of 4). */
function denseApply(A: usize, kp: i32, lam: f32, x: usize, out: usize, sign: f32): void {
  const sk = <usize>kp << 2;
  let c: i32 = 0;
  for (; c + 16 <= kp; c += 16) {
    const co = <usize>c << 2;
    let y0 = f32x4.splat(0), y1 = f32x4.splat(0), y2 = f32x4.splat(0), y3 = f32x4.splat(0);
    for (let j: i32 = 0; j < kp; j++) {
      const xj = f32x4.splat(load<f32>(x + (<usize>j << 2)));
      const row = A + <usize>j * sk + co; // A[j, c..c+15] = A[c..c+15, j]
      y0 = f32x4.add(y0, f32x4.mul(v128.load(row), xj));
      y1 = f32x4.add(y1, f32x4.mul(v128.load(row, 16), xj));
      y2 = f32x4.add(y2, f32x4.mul(v128.load(row, 32), xj));
      y3 = f32x4.add(y3, f32x4.mul(v128.load(row, 48), xj));
    }
    const vl = f32x4.splat(lam);
    const vs = f32x4.splat(sign);
    y0 = f32x4.mul(vs, f32x4.add(y0, f32x4.mul(vl, v128.load(x + co))));
    y1 = f32x4.mul(vs, f32x4.add(y1, f32x4.mul(vl, v128.load(x + co, 16))));
    y2 = f32x4.mul(vs, f32x4.add(y2, f32x4.mul(vl, v128.load(x + co, 32))));
    y3 = f32x4.mul(vs, f32x4.add(y3, f32x4.mul(vl, v128.load(x + co, 48))));
    v128.store(out + co, y0);
    v128.store(out + co, y1, 16);
    v128.store(out + co, y2, 32);
    v128.store(out + co, y3, 48);
  }
  for (; c < kp; c += 4) {
    const co = <usize>c << 2;
    let y0 = f32x4.splat(0);
    for (let j: i32 = 0; j < kp; j++) {
      const xj = f32x4.splat(load<f32>(x + (<usize>j << 2)));
      y0 = f32x4.add(y0, f32x4.mul(v128.load(A + <usize>j * sk + co), xj));
    }
    y0 = f32x4.mul(f32x4.splat(sign), f32x4.add(y0, f32x4.mul(f32x4.splat(lam), v128.load(x + co))));
    v128.store(out + co, y0);
  }
}

/**
 * out += Σ_{p ∈ [p0, p1)} w_p·V[idx_p], with w_p = conf_p·(beta + gamma·(V[idx_p]·x)).
 * Items are taken four at a time so each pass over x and out serves four factor rows.
 */
function sparseApply(
  indices: usize, conf: usize, p0: i32, p1: i32, V: usize, kp: i32, x: usize, out: usize, beta: f32, gamma: f32,
): void {
  const sv = <usize>kp << 2;
  const vbeta = f32x4.splat(beta);
  const vgamma = f32x4.splat(gamma);
  // 16-float blocks address four vectors from one pointer (immediate offsets), then 4-float tail
  const k16 = kp & ~15;
  let p = p0;
  for (; p + 4 <= p1; p += 4) {
    const pa = <usize>p << 2;
    const va = V + <usize>load<i32>(indices + pa) * sv;
    const vb = V + <usize>load<i32>(indices + pa, 4) * sv;
    const vc = V + <usize>load<i32>(indices + pa, 8) * sv;
    const vd = V + <usize>load<i32>(indices + pa, 12) * sv;
    let da = f32x4.splat(0), db = f32x4.splat(0), dc = f32x4.splat(0), dd = f32x4.splat(0);
    let t: i32 = 0;
    for (; t < k16; t += 16) {
      const o = <usize>t << 2;
      const xo = x + o;
      const ao = va + o;
      const bo = vb + o;
      const co = vc + o;
      const eo = vd + o;
      const x0 = v128.load(xo);
      const x1 = v128.load(xo, 16);
      const x2 = v128.load(xo, 32);
      const x3 = v128.load(xo, 48);
      da = f32x4.add(da, f32x4.add(f32x4.add(f32x4.mul(v128.load(ao), x0), f32x4.mul(v128.load(ao, 16), x1)),
        f32x4.add(f32x4.mul(v128.load(ao, 32), x2), f32x4.mul(v128.load(ao, 48), x3))));
      db = f32x4.add(db, f32x4.add(f32x4.add(f32x4.mul(v128.load(bo), x0), f32x4.mul(v128.load(bo, 16), x1)),
        f32x4.add(f32x4.mul(v128.load(bo, 32), x2), f32x4.mul(v128.load(bo, 48), x3))));
      dc = f32x4.add(dc, f32x4.add(f32x4.add(f32x4.mul(v128.load(co), x0), f32x4.mul(v128.load(co, 16), x1)),
        f32x4.add(f32x4.mul(v128.load(co, 32), x2), f32x4.mul(v128.load(co, 48), x3))));
      dd = f32x4.add(dd, f32x4.add(f32x4.add(f32x4.mul(v128.load(eo), x0), f32x4.mul(v128.load(eo, 16), x1)),
        f32x4.add(f32x4.mul(v128.load(eo, 32), x2), f32x4.mul(v128.load(eo, 48), x3))));
    }
    for (; t < kp; t += 4) {
      const o = <usize>t << 2;
      const xv = v128.load(x + o);
      da = f32x4.add(da, f32x4.mul(v128.load(va + o), xv));
      db = f32x4.add(db, f32x4.mul(v128.load(vb + o), xv));
      dc = f32x4.add(dc, f32x4.mul(v128.load(vc + o), xv));
      dd = f32x4.add(dd, f32x4.mul(v128.load(vd + o), xv));
    }
    const w = f32x4.mul(v128.load(conf + pa), f32x4.add(vbeta, f32x4.mul(vgamma, hsum4(da, db, dc, dd))));
    const wa = v128.shuffle<f32>(w, w, 0, 0, 0, 0);
    const wb = v128.shuffle<f32>(w, w, 1, 1, 1, 1);
    const wc = v128.shuffle<f32>(w, w, 2, 2, 2, 2);
    const wd = v128.shuffle<f32>(w, w, 3, 3, 3, 3);
    t = 0;
    for (; t < k16; t += 16) {
      const o = <usize>t << 2;
      const oo = out + o;
      const ao = va + o;
      const bo = vb + o;
      const co = vc + o;
      const eo = vd + o;
      v128.store(oo, f32x4.add(v128.load(oo), f32x4.add(
        f32x4.add(f32x4.mul(wa, v128.load(ao)), f32x4.mul(wb, v128.load(bo))),
        f32x4.add(f32x4.mul(wc, v128.load(co)), f32x4.mul(wd, v128.load(eo))))));
      v128.store(oo, f32x4.add(v128.load(oo, 16), f32x4.add(
        f32x4.add(f32x4.mul(wa, v128.load(ao, 16)), f32x4.mul(wb, v128.load(bo, 16))),
        f32x4.add(f32x4.mul(wc, v128.load(co, 16)), f32x4.mul(wd, v128.load(eo, 16))))), 16);
      v128.store(oo, f32x4.add(v128.load(oo, 32), f32x4.add(
        f32x4.add(f32x4.mul(wa, v128.load(ao, 32)), f32x4.mul(wb, v128.load(bo, 32))),
        f32x4.add(f32x4.mul(wc, v128.load(co, 32)), f32x4.mul(wd, v128.load(eo, 32))))), 32);
      v128.store(oo, f32x4.add(v128.load(oo, 48), f32x4.add(
        f32x4.add(f32x4.mul(wa, v128.load(ao, 48)), f32x4.mul(wb, v128.load(bo, 48))),
        f32x4.add(f32x4.mul(wc, v128.load(co, 48)), f32x4.mul(wd, v128.load(eo, 48))))), 48);
    }
    for (; t < kp; t += 4) {
      const o = <usize>t << 2;
      const ab = f32x4.add(f32x4.mul(wa, v128.load(va + o)), f32x4.mul(wb, v128.load(vb + o)));
      const cd = f32x4.add(f32x4.mul(wc, v128.load(vc + o)), f32x4.mul(wd, v128.load(vd + o)));
      v128.store(out + o, f32x4.add(v128.load(out + o), f32x4.add(ab, cd)));
    }
  }
  for (; p < p1; p++) {
    const pa = <usize>p << 2;
    const va = V + <usize>load<i32>(indices + pa) * sv;
    const wa = f32x4.splat(load<f32>(conf + pa) * (beta + gamma * dot4(va, x, kp)));
    for (let t: i32 = 0; t < kp; t += 4) {
      const o = <usize>t << 2;
      v128.store(out + o, f32x4.add(v128.load(out + o), f32x4.mul(wa, v128.load(va + o))));
    }
  }
}

/**
 * Update rows [rowStart, rowEnd) of `target` (row stride kp) by at most `maxSteps` CG iterations
 * on (A + λ_r I + Σ_i c_ri v_i v_iᵀ) x = Σ_i c_ri v_i, warm-started from the current row, where A is
 * diag(dense[0..kp)) when `full` is 0, else the kp × kp matrix at `dense`; with
 * λ_r = reg·(regBase + nnz_r)^nu. `scratch` holds 3·kp floats; rows flagged in the byte mask
 * `skip` (0 = no mask) are left alone. Returns 0, or row + 1 of the first row whose system was found
 * singular (the row is left partially updated).
 */
export function ials_cg_rows(
  indptr: usize, indices: usize, conf: usize,
  target: usize, other: usize, kp: i32, dense: usize, full: bool,
  rowStart: i32, rowEnd: i32,
  reg: f64, regBase: f64, nu: f64, maxSteps: i32, scratch: usize, skip: usize,
): i32 {
  const sv = <usize>kp << 2;
  const r = scratch;
  const p = scratch + sv;
  const ap = p + sv;
  const tol: f32 = 1e-20;
  for (let row = rowStart; row < rowEnd; row++) {
    if (skip != 0 && load<u8>(skip + <usize>row) != 0) continue;
    const x = target + <usize>row * sv;
    const p0 = load<i32>(indptr + (<usize>row << 2));
    const p1 = load<i32>(indptr + (<usize>row << 2), 4);
    if (p1 == p0) {
      memory.fill(x, 0, sv);
      continue;
    }
    const lam = <f32>(reg * Math.pow(regBase + <f64>(p1 - p0), nu));
    // r = b − M x = Σ c (1 − v·x) v − (A + λ) x
    if (full) denseApply(dense, kp, lam, x, r, -1);
    else diagApply(dense, kp, lam, x, r, -1);
    sparseApply(indices, conf, p0, p1, other, kp, x, r, 1, -1);
    memory.copy(p, r, sv);
    let rr = dot4(r, r, kp);
    for (let step: i32 = 0; step < maxSteps; step++) {
      if (rr <= tol) break;
      if (full) denseApply(dense, kp, lam, p, ap, 1);
      else diagApply(dense, kp, lam, p, ap, 1);
      sparseApply(indices, conf, p0, p1, other, kp, p, ap, 0, 1);
      const d = dot4(p, ap, kp);
      if (!(d > 0) || !isFinite(d)) return row + 1;
      const alpha = rr / d;
      const va = f32x4.splat(alpha);
      let s = f32x4.splat(0);
      for (let t: i32 = 0; t < kp; t += 4) {
        const o = <usize>t << 2;
        v128.store(x + o, f32x4.add(v128.load(x + o), f32x4.mul(va, v128.load(p + o))));
        const rn = f32x4.sub(v128.load(r + o), f32x4.mul(va, v128.load(ap + o)));
        v128.store(r + o, rn);
        s = f32x4.add(s, f32x4.mul(rn, rn));
      }
      const rrNew = hsum(s);
      if (rrNew <= tol) break;
      const vb = f32x4.splat(rrNew / rr);
      for (let t: i32 = 0; t < kp; t += 4) {
        const o = <usize>t << 2;
        v128.store(p + o, f32x4.add(v128.load(r + o), f32x4.mul(vb, v128.load(p + o))));
      }
      rr = rrNew;
    }
  }
  return 0;
}

/**
 * Sparse part of M·p for many target rows at once, sweeping the other side's rows in order (used
 * for heavy target rows, whose own entries would scatter over a large part of the other side):
 * out[h] = Σ_{u ∈ [r0, r1)} Σ_{(u,h,c)} c·(beta + gamma·(F[u]·P[h]))·F[u] for active h. `out`
 * (H × kp) is zeroed first. indptr/hidx/conf: CSR over the other side's rows, hidx = local target.
 */
export function ials_sweep(
  indptr: usize, hidx: usize, conf: usize, r0: i32, r1: i32,
  F: usize, kp: i32, P: usize, active: usize, nTargets: i32, out: usize, beta: f32, gamma: f32,
): void {
  const sv = <usize>kp << 2;
  memory.fill(out, 0, <usize>nTargets * sv);
  const vbeta = f32x4.splat(beta);
  const vgamma = f32x4.splat(gamma);
  for (let u = r0; u < r1; u++) {
    const frow = F + <usize>u * sv;
    const q1 = load<i32>(indptr + (<usize>u << 2), 4);
    let q = load<i32>(indptr + (<usize>u << 2));
    // four entries at a time: one pass over the row serves four targets (inactive ones weigh 0)
    for (; q + 4 <= q1; q += 4) {
      const qa = <usize>q << 2;
      const h0 = load<i32>(hidx + qa);
      const h1 = load<i32>(hidx + qa, 4);
      const h2 = load<i32>(hidx + qa, 8);
      const h3 = load<i32>(hidx + qa, 12);
      const p0 = P + <usize>h0 * sv;
      const p1 = P + <usize>h1 * sv;
      const p2 = P + <usize>h2 * sv;
      const p3 = P + <usize>h3 * sv;
      let d0 = f32x4.splat(0), d1 = f32x4.splat(0), d2 = f32x4.splat(0), d3 = f32x4.splat(0);
      for (let t: i32 = 0; t < kp; t += 4) {
        const o = <usize>t << 2;
        const fv = v128.load(frow + o);
        d0 = f32x4.add(d0, f32x4.mul(v128.load(p0 + o), fv));
        d1 = f32x4.add(d1, f32x4.mul(v128.load(p1 + o), fv));
        d2 = f32x4.add(d2, f32x4.mul(v128.load(p2 + o), fv));
        d3 = f32x4.add(d3, f32x4.mul(v128.load(p3 + o), fv));
      }
      let act = i32x4.splat(0);
      act = i32x4.replace_lane(act, 0, <i32>load<u8>(active + <usize>h0));
      act = i32x4.replace_lane(act, 1, <i32>load<u8>(active + <usize>h1));
      act = i32x4.replace_lane(act, 2, <i32>load<u8>(active + <usize>h2));
      act = i32x4.replace_lane(act, 3, <i32>load<u8>(active + <usize>h3));
      const w0 = f32x4.mul(v128.load(conf + qa), f32x4.add(vbeta, f32x4.mul(vgamma, hsum4(d0, d1, d2, d3))));
      const w = v128.and(w0, i32x4.ne(act, i32x4.splat(0)));
      const a0 = v128.shuffle<f32>(w, w, 0, 0, 0, 0);
      const a1 = v128.shuffle<f32>(w, w, 1, 1, 1, 1);
      const a2 = v128.shuffle<f32>(w, w, 2, 2, 2, 2);
      const a3 = v128.shuffle<f32>(w, w, 3, 3, 3, 3);
      const o0 = out + <usize>h0 * sv;
      const o1 = out + <usize>h1 * sv;
      const o2 = out + <usize>h2 * sv;
      const o3 = out + <usize>h3 * sv;
      for (let t: i32 = 0; t < kp; t += 4) {
        const o = <usize>t << 2;
        const fv = v128.load(frow + o);
        v128.store(o0 + o, f32x4.add(v128.load(o0 + o), f32x4.mul(a0, fv)));
        v128.store(o1 + o, f32x4.add(v128.load(o1 + o), f32x4.mul(a1, fv)));
        v128.store(o2 + o, f32x4.add(v128.load(o2 + o), f32x4.mul(a2, fv)));
        v128.store(o3 + o, f32x4.add(v128.load(o3 + o), f32x4.mul(a3, fv)));
      }
    }
    for (; q < q1; q++) {
      const h = load<i32>(hidx + (<usize>q << 2));
      if (load<u8>(active + <usize>h) == 0) continue;
      const ph = P + <usize>h * sv;
      const w = f32x4.splat(load<f32>(conf + (<usize>q << 2)) * (beta + gamma * dot4(frow, ph, kp)));
      const oh = out + <usize>h * sv;
      for (let t: i32 = 0; t < kp; t += 4) {
        const o = <usize>t << 2;
        v128.store(oh + o, f32x4.add(v128.load(oh + o), f32x4.mul(w, v128.load(frow + o))));
      }
    }
  }
}

/**
 * Rows [r0, r1) of F (float32, stride kp) ← F[r, 0:k]·Q, with Q float32 k × kp (columns ≥ k zero).
 * Four rows at a time through `tmp` (4·kp floats), eight output columns per register tile.
 */
export function rotate_rows_f32(F: usize, kp: i32, k: i32, Q: usize, r0: i32, r1: i32, tmp: usize): void {
  const sf = <usize>kp << 2;
  let r = r0;
  for (; r + 4 <= r1; r += 4) {
    const f0 = F + <usize>r * sf;
    const f1 = f0 + sf;
    const f2 = f1 + sf;
    const f3 = f2 + sf;
    let c: i32 = 0;
    for (; c + 8 <= kp; c += 8) {
      const co = <usize>c << 2;
      let y00 = f32x4.splat(0), y01 = f32x4.splat(0), y10 = f32x4.splat(0), y11 = f32x4.splat(0);
      let y20 = f32x4.splat(0), y21 = f32x4.splat(0), y30 = f32x4.splat(0), y31 = f32x4.splat(0);
      for (let t: i32 = 0; t < k; t++) {
        const q = Q + <usize>t * sf + co;
        const q0 = v128.load(q);
        const q1 = v128.load(q, 16);
        const to = <usize>t << 2;
        const a0 = f32x4.splat(load<f32>(f0 + to));
        const a1 = f32x4.splat(load<f32>(f1 + to));
        const a2 = f32x4.splat(load<f32>(f2 + to));
        const a3 = f32x4.splat(load<f32>(f3 + to));
        y00 = f32x4.add(y00, f32x4.mul(a0, q0));
        y01 = f32x4.add(y01, f32x4.mul(a0, q1));
        y10 = f32x4.add(y10, f32x4.mul(a1, q0));
        y11 = f32x4.add(y11, f32x4.mul(a1, q1));
        y20 = f32x4.add(y20, f32x4.mul(a2, q0));
        y21 = f32x4.add(y21, f32x4.mul(a2, q1));
        y30 = f32x4.add(y30, f32x4.mul(a3, q0));
        y31 = f32x4.add(y31, f32x4.mul(a3, q1));
      }
      v128.store(tmp + co, y00);
      v128.store(tmp + co, y01, 16);
      v128.store(tmp + sf + co, y10);
      v128.store(tmp + sf + co, y11, 16);
      v128.store(tmp + 2 * sf + co, y20);
      v128.store(tmp + 2 * sf + co, y21, 16);
      v128.store(tmp + 3 * sf + co, y30);
      v128.store(tmp + 3 * sf + co, y31, 16);
    }
    for (; c < kp; c += 4) {
      const co = <usize>c << 2;
      let y0 = f32x4.splat(0), y1 = f32x4.splat(0), y2 = f32x4.splat(0), y3 = f32x4.splat(0);
      for (let t: i32 = 0; t < k; t++) {
        const q0 = v128.load(Q + <usize>t * sf + co);
        const to = <usize>t << 2;
        y0 = f32x4.add(y0, f32x4.mul(f32x4.splat(load<f32>(f0 + to)), q0));
        y1 = f32x4.add(y1, f32x4.mul(f32x4.splat(load<f32>(f1 + to)), q0));
        y2 = f32x4.add(y2, f32x4.mul(f32x4.splat(load<f32>(f2 + to)), q0));
        y3 = f32x4.add(y3, f32x4.mul(f32x4.splat(load<f32>(f3 + to)), q0));
      }
      v128.store(tmp + co, y0);
      v128.store(tmp + sf + co, y1);
      v128.store(tmp + 2 * sf + co, y2);
      v128.store(tmp + 3 * sf + co, y3);
    }
    memory.copy(f0, tmp, 4 * sf);
  }
  for (; r < r1; r++) {
    const f0 = F + <usize>r * sf;
    for (let c: i32 = 0; c < kp; c += 4) {
      const co = <usize>c << 2;
      let y0 = f32x4.splat(0);
      for (let t: i32 = 0; t < k; t++) {
        y0 = f32x4.add(y0, f32x4.mul(f32x4.splat(load<f32>(f0 + (<usize>t << 2))), v128.load(Q + <usize>t * sf + co)));
      }
      v128.store(tmp + co, y0);
    }
    memory.copy(f0, tmp, sf);
  }
}

// ---------------------------------------------------------------------------------------------
// float64 kernels for the randomized SVD

/**
 * out[r − (relative ? r0 : 0)] = Σ_p data[p]·D[indices[p]] for CSR rows r ∈ [r0, r1); data is
 * float32, D and out float64 with row strides ldd, ldo; width is even. Entries are applied two at a
 * time so each pass over the output row serves two rows of D.
 */
export function spmm_f64(
  indptr: usize, indices: usize, data: usize, D: usize, ldd: i32, width: i32,
  out: usize, ldo: i32, r0: i32, r1: i32, relative: bool,
): void {
  const sd = <usize>ldd << 3;
  const so = <usize>ldo << 3;
  const wb = <usize>width << 3;
  for (let r = r0; r < r1; r++) {
    const o = out + <usize>(relative ? r - r0 : r) * so;
    memory.fill(o, 0, wb);
    const q1 = load<i32>(indptr + (<usize>r << 2), 4);
    let q = load<i32>(indptr + (<usize>r << 2));
    for (; q + 2 <= q1; q += 2) {
      const qa = <usize>q << 2;
      const va = f64x2.splat(<f64>load<f32>(data + qa));
      const vb = f64x2.splat(<f64>load<f32>(data + qa, 4));
      const da = D + <usize>load<i32>(indices + qa) * sd;
      const db = D + <usize>load<i32>(indices + qa, 4) * sd;
      for (let t: i32 = 0; t < width; t += 2) {
        const b = <usize>t << 3;
        const acc = f64x2.add(f64x2.mul(va, v128.load(da + b)), f64x2.mul(vb, v128.load(db + b)));
        v128.store(o + b, f64x2.add(v128.load(o + b), acc));
      }
    }
    if (q < q1) {
      const v = f64x2.splat(<f64>load<f32>(data + (<usize>q << 2)));
      const d = D + <usize>load<i32>(indices + (<usize>q << 2)) * sd;
      for (let t: i32 = 0; t < width; t += 2) {
        const b = <usize>t << 3;
        v128.store(o + b, f64x2.add(v128.load(o + b), f64x2.mul(v, v128.load(d + b))));
      }
    }
  }
}

/** G (k × k, full) = Σ_{r ∈ [r0, r1)} A[r]ᵀ A[r] for float64 A with row stride lda; k even. */
export function gram_f64(A: usize, lda: i32, k: i32, r0: i32, r1: i32, G: usize): void {
  memory.fill(G, 0, (<usize>k * <usize>k) << 3);
  const sa = <usize>lda << 3;
  const chunk: i32 = 128;
  for (let c0 = r0; c0 < r1; c0 += chunk) {
    const c1 = min(r1, c0 + chunk);
    for (let i: i32 = 0; i < k; i += 2) {
      for (let j: i32 = i; j < k; j += 4) {
        const wide = j + 4 <= k;
        let g00 = f64x2.splat(0), g01 = f64x2.splat(0), g10 = f64x2.splat(0), g11 = f64x2.splat(0);
        for (let r = c0; r < c1; r++) {
          const row = A + <usize>r * sa;
          const ai = v128.load(row + (<usize>i << 3));
          const s0 = v128.shuffle<f64>(ai, ai, 0, 0);
          const s1 = v128.shuffle<f64>(ai, ai, 1, 1);
          const vj0 = v128.load(row + (<usize>j << 3));
          g00 = f64x2.add(g00, f64x2.mul(s0, vj0));
          g10 = f64x2.add(g10, f64x2.mul(s1, vj0));
          if (wide) {
            const vj1 = v128.load(row + (<usize>j << 3), 16);
            g01 = f64x2.add(g01, f64x2.mul(s0, vj1));
            g11 = f64x2.add(g11, f64x2.mul(s1, vj1));
          }
        }
        const p0 = G + ((<usize>i * <usize>k + <usize>j) << 3);
        const p1 = p0 + (<usize>k << 3);
        v128.store(p0, f64x2.add(v128.load(p0), g00));
        v128.store(p1, f64x2.add(v128.load(p1), g10));
        if (wide) {
          v128.store(p0, f64x2.add(v128.load(p0, 16), g01), 16);
          v128.store(p1, f64x2.add(v128.load(p1, 16), g11), 16);
        }
      }
    }
  }
  for (let i: i32 = 0; i < k; i++) {
    for (let j: i32 = 0; j < i; j++) {
      store<f64>(G + ((<usize>i * <usize>k + <usize>j) << 3), load<f64>(G + ((<usize>j * <usize>k + <usize>i) << 3)));
    }
  }
}

/**
 * C (m × n) = A (m × k) · B (k × n), float64, row strides lda, ldb, ldc; n even. Register tiles of
 * 2 rows × 8 columns; row and column tails are handled with narrower tiles.
 */
export function gemm_nn_f64(
  m: i32, n: i32, k: i32, A: usize, lda: i32, B: usize, ldb: i32, C: usize, ldc: i32,
): void {
  const sa = <usize>lda << 3;
  const sb = <usize>ldb << 3;
  const sc = <usize>ldc << 3;
  let r: i32 = 0;
  for (; r < m; r += 2) {
    const two = r + 1 < m;
    const a0 = A + <usize>r * sa;
    const a1 = two ? a0 + sa : a0;
    const c0 = C + <usize>r * sc;
    const c1 = c0 + sc;
    let j: i32 = 0;
    for (; j + 8 <= n; j += 8) {
      const jo = <usize>j << 3;
      let x0 = f64x2.splat(0), x1 = f64x2.splat(0), x2 = f64x2.splat(0), x3 = f64x2.splat(0);
      let y0 = f64x2.splat(0), y1 = f64x2.splat(0), y2 = f64x2.splat(0), y3 = f64x2.splat(0);
      for (let t: i32 = 0; t < k; t++) {
        const b = B + <usize>t * sb + jo;
        const b0 = v128.load(b);
        const b1 = v128.load(b, 16);
        const b2 = v128.load(b, 32);
        const b3 = v128.load(b, 48);
        const to = <usize>t << 3;
        const s0 = f64x2.splat(load<f64>(a0 + to));
        const s1 = f64x2.splat(load<f64>(a1 + to));
        x0 = f64x2.add(x0, f64x2.mul(s0, b0));
        x1 = f64x2.add(x1, f64x2.mul(s0, b1));
        x2 = f64x2.add(x2, f64x2.mul(s0, b2));
        x3 = f64x2.add(x3, f64x2.mul(s0, b3));
        y0 = f64x2.add(y0, f64x2.mul(s1, b0));
        y1 = f64x2.add(y1, f64x2.mul(s1, b1));
        y2 = f64x2.add(y2, f64x2.mul(s1, b2));
        y3 = f64x2.add(y3, f64x2.mul(s1, b3));
      }
      v128.store(c0 + jo, x0);
      v128.store(c0 + jo, x1, 16);
      v128.store(c0 + jo, x2, 32);
      v128.store(c0 + jo, x3, 48);
      if (two) {
        v128.store(c1 + jo, y0);
        v128.store(c1 + jo, y1, 16);
        v128.store(c1 + jo, y2, 32);
        v128.store(c1 + jo, y3, 48);
      }
    }
    for (; j < n; j += 2) {
      const jo = <usize>j << 3;
      let x0 = f64x2.splat(0);
      let y0 = f64x2.splat(0);
      for (let t: i32 = 0; t < k; t++) {
        const b0 = v128.load(B + <usize>t * sb + jo);
        const to = <usize>t << 3;
        x0 = f64x2.add(x0, f64x2.mul(f64x2.splat(load<f64>(a0 + to)), b0));
        y0 = f64x2.add(y0, f64x2.mul(f64x2.splat(load<f64>(a1 + to)), b0));
      }
      v128.store(c0 + jo, x0);
      if (two) v128.store(c1 + jo, y0);
    }
  }
}

// ---------------------------------------------------------------------------------------------
// BPR / WARP matrix factorisation epoch, AdaGrad

/** xoshiro128** over the four u32 words at `st` (same stream as the TypeScript Rng). */
@inline function rngNextU32(st: usize): u32 {
  const s0 = load<u32>(st);
  const s1 = load<u32>(st, 4);
  const s2 = load<u32>(st, 8);
  const s3 = load<u32>(st, 12);
  const r = rotl<u32>(s1 * 5, 7) * 9;
  const t = s1 << 9;
  const n2 = s2 ^ s0;
  const n3 = s3 ^ s1;
  store<u32>(st, s0 ^ n3);
  store<u32>(st, s1 ^ n2, 4);
  store<u32>(st, n2 ^ t, 8);
  store<u32>(st, rotl<u32>(n3, 11), 12);
  return r;
}

/** Uniform integer in [0, n) by rejection of the incomplete top block (as Rng.nextInt). */
@inline function rngNextInt(st: usize, n: u32): u32 {
  const limit = <u64>0x100000000 - (<u64>0x100000000 % <u64>n);
  let v = rngNextU32(st);
  while (<u64>v >= limit) v = rngNextU32(st);
  return v % n;
}

/** True when item j is in CSR row u (sorted indices). */
@inline function hasEntry(indptr: usize, indices: usize, u: i32, j: i32): bool {
  let lo = load<i32>(indptr + (<usize>u << 2));
  let hi = load<i32>(indptr + (<usize>u << 2), 4);
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    const v = load<i32>(indices + (<usize>mid << 2));
    if (v == j) return true;
    if (v < j) lo = mid + 1;
    else hi = mid;
  }
  return false;
}

/** AdaGrad step on item biases: b −= lr/√acc·(g + α·b); acc += g² */
@inline function biasStep(B: usize, GB: usize, i: i32, g: f32, lr: f32, alpha: f32): void {
  const pb = B + (<usize>i << 2);
  const pg = GB + (<usize>i << 2);
  const acc = load<f32>(pg);
  const b = load<f32>(pb);
  store<f32>(pb, b - (lr / Mathf.sqrt(acc)) * (g + alpha * b));
  store<f32>(pg, acc + g * g);
}

/**
 * The pairwise update with weight L for user u, positive i, negative j: gradient descent on
 * −L·(ŷ_ui − ŷ_uj) with AdaGrad (per-coordinate rate lr/√acc, acc updated after the step).
 */
function pairUpdate(
  P: usize, Q: usize, B: usize, GP: usize, GQ: usize, GB: usize, kp: i32,
  u: i32, i: i32, j: i32, L: f32, lr: f32, userAlpha: f32, itemAlpha: f32,
): void {
  const sv = <usize>kp << 2;
  const pu = P + <usize>u * sv;
  const qi = Q + <usize>i * sv;
  const qj = Q + <usize>j * sv;
  const gu = GP + <usize>u * sv;
  const gi = GQ + <usize>i * sv;
  const gj = GQ + <usize>j * sv;
  const vL = f32x4.splat(L);
  const vlr = f32x4.splat(lr);
  const vua = f32x4.splat(userAlpha);
  const via = f32x4.splat(itemAlpha);
  for (let t: i32 = 0; t < kp; t += 4) {
    const o = <usize>t << 2;
    const p4 = v128.load(pu + o);
    const i4 = v128.load(qi + o);
    const j4 = v128.load(qj + o);
    const gI = f32x4.neg(f32x4.mul(vL, p4));
    const gJ = f32x4.mul(vL, p4);
    const gU = f32x4.mul(vL, f32x4.sub(j4, i4));
    const aI = v128.load(gi + o);
    const aJ = v128.load(gj + o);
    const aU = v128.load(gu + o);
    v128.store(qi + o, f32x4.sub(i4, f32x4.mul(f32x4.div(vlr, f32x4.sqrt(aI)), f32x4.add(gI, f32x4.mul(via, i4)))));
    v128.store(qj + o, f32x4.sub(j4, f32x4.mul(f32x4.div(vlr, f32x4.sqrt(aJ)), f32x4.add(gJ, f32x4.mul(via, j4)))));
    v128.store(pu + o, f32x4.sub(p4, f32x4.mul(f32x4.div(vlr, f32x4.sqrt(aU)), f32x4.add(gU, f32x4.mul(vua, p4)))));
    v128.store(gi + o, f32x4.add(aI, f32x4.mul(gI, gI)));
    v128.store(gj + o, f32x4.add(aJ, f32x4.mul(gJ, gJ)));
    v128.store(gu + o, f32x4.add(aU, f32x4.mul(gU, gU)));
  }
  biasStep(B, GB, i, -L, lr, itemAlpha);
  biasStep(B, GB, j, L, lr, itemAlpha);
}

/**
 * One epoch over the stored entries in the order `order[0..n)`: entry e is (entryUser[e],
 * entryItem[e]). BPR (warp = false): one uniform negative j; skipped when j is a positive of u;
 * weight 1 − σ(ŷ_ui − ŷ_uj). WARP: up to maxSampled negatives until ŷ_uj > ŷ_ui − 1 (positives
 * sampled are skipped), weight min(10, ln max(1, ⌊(I − 1)/sampled⌋)). Returns the number of updates.
 */
export function bpr_epoch(
  order: usize, n: i32, entryUser: usize, entryItem: usize, indptr: usize, indices: usize,
  P: usize, Q: usize, B: usize, GP: usize, GQ: usize, GB: usize, kp: i32, nItems: i32,
  lr: f32, userAlpha: f32, itemAlpha: f32, warp: bool, maxSampled: i32, rng: usize,
): i32 {
  const sv = <usize>kp << 2;
  let updates: i32 = 0;
  for (let t: i32 = 0; t < n; t++) {
    const e = <usize>load<i32>(order + (<usize>t << 2)) << 2;
    const u = load<i32>(entryUser + e);
    const i = load<i32>(entryItem + e);
    const pu = P + <usize>u * sv;
    const yi = dot4(pu, Q + <usize>i * sv, kp) + load<f32>(B + (<usize>i << 2));
    if (!warp) {
      const j = <i32>rngNextInt(rng, <u32>nItems);
      if (hasEntry(indptr, indices, u, j)) continue;
      const yj = dot4(pu, Q + <usize>j * sv, kp) + load<f32>(B + (<usize>j << 2));
      const L = <f32>(1.0 / (1.0 + Math.exp(<f64>(yi - yj))));
      pairUpdate(P, Q, B, GP, GQ, GB, kp, u, i, j, L, lr, userAlpha, itemAlpha);
      updates++;
    } else {
      let sampled: i32 = 0;
      while (sampled < maxSampled) {
        sampled++;
        const j = <i32>rngNextInt(rng, <u32>nItems);
        const yj = dot4(pu, Q + <usize>j * sv, kp) + load<f32>(B + (<usize>j << 2));
        if (yj > yi - 1) {
          if (hasEntry(indptr, indices, u, j)) continue;
          let L = <f32>Math.log(Math.max(1.0, Math.floor(<f64>(nItems - 1) / <f64>sampled)));
          if (L > 10) L = 10;
          pairUpdate(P, Q, B, GP, GQ, GB, kp, u, i, j, L, lr, userAlpha, itemAlpha);
          updates++;
          break;
        }
      }
    }
  }
  return updates;
}
