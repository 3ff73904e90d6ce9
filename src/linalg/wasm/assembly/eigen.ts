// Symmetric eigendecomposition kernels (loaded by src/linalg/eigen-kernels.ts), float64 with
// 128-bit SIMD on the row operations. Same steps, in the same order, as the TypeScript twins in
// src/linalg/eigen.ts: Householder reduction to tridiagonal form accumulating the reflections into
// W, then implicit symmetric QR steps with Wilkinson shifts applying every rotation to W's rows.
// Every matrix is n × n row-major float64. The O(n³) work is all in contiguous row loops (two
// lanes at a time), which is what the plain JavaScript twin cannot vectorise.
// This module has no data segment, so it can share the kernel heap with kernels.wasm.

// @ts-ignore: decorator
@inline
function hsum(v: v128): f64 {
  return f64x2.extract_lane(v, 0) + f64x2.extract_lane(v, 1);
}

/** Σ a[j]·b[j] for j in [j0, n). */
// @ts-ignore: decorator
@inline
function dotFrom(a: usize, b: usize, j0: i32, n: i32): f64 {
  let j = j0;
  let s: f64 = 0;
  if (j < n && (j & 1) != 0) {
    s = load<f64>(a + (<usize>j << 3)) * load<f64>(b + (<usize>j << 3));
    j++;
  }
  let acc0 = f64x2.splat(0);
  let acc1 = f64x2.splat(0);
  for (; j + 4 <= n; j += 4) {
    const o = <usize>j << 3;
    acc0 = f64x2.add(acc0, f64x2.mul(v128.load(a + o), v128.load(b + o)));
    acc1 = f64x2.add(acc1, f64x2.mul(v128.load(a + o, 16), v128.load(b + o, 16)));
  }
  for (; j + 2 <= n; j += 2) {
    const o = <usize>j << 3;
    acc0 = f64x2.add(acc0, f64x2.mul(v128.load(a + o), v128.load(b + o)));
  }
  s += hsum(f64x2.add(acc0, acc1));
  for (; j < n; j++) s += load<f64>(a + (<usize>j << 3)) * load<f64>(b + (<usize>j << 3));
  return s;
}

/** y[j] += f·x[j] for j in [j0, n). */
// @ts-ignore: decorator
@inline
function axpyFrom(f: f64, x: usize, y: usize, j0: i32, n: i32): void {
  let j = j0;
  if (j < n && (j & 1) != 0) {
    store<f64>(y + (<usize>j << 3), load<f64>(y + (<usize>j << 3)) + f * load<f64>(x + (<usize>j << 3)));
    j++;
  }
  const vf = f64x2.splat(f);
  for (; j + 2 <= n; j += 2) {
    const o = <usize>j << 3;
    v128.store(y + o, f64x2.add(v128.load(y + o), f64x2.mul(vf, v128.load(x + o))));
  }
  for (; j < n; j++) store<f64>(y + (<usize>j << 3), load<f64>(y + (<usize>j << 3)) + f * load<f64>(x + (<usize>j << 3)));
}

/**
 * Reduce symmetric T (n × n, overwritten) to tridiagonal (d, e) by Householder reflections H_k,
 * W ← H_k W. Scratch v, p, t: n floats each.
 */
export function sym_tridiag_f64(T: usize, n: i32, W: usize, d: usize, e: usize, v: usize, p: usize, t: usize): void {
  const sn = <usize>n << 3;
  for (let k: i32 = 0; k + 2 < n; k++) {
    let norm2: f64 = 0;
    for (let i = k + 1; i < n; i++) {
      const x = load<f64>(T + <usize>i * sn + (<usize>k << 3));
      norm2 += x * x;
    }
    const norm = Math.sqrt(norm2);
    const x0 = load<f64>(T + <usize>(k + 1) * sn + (<usize>k << 3));
    if (norm == 0) continue;
    const alpha = x0 > 0 ? -norm : norm;
    memory.fill(v, 0, sn);
    for (let i = k + 1; i < n; i++) store<f64>(v + (<usize>i << 3), load<f64>(T + <usize>i * sn + (<usize>k << 3)));
    store<f64>(v + (<usize>(k + 1) << 3), load<f64>(v + (<usize>(k + 1) << 3)) - alpha);
    let vn2: f64 = 0;
    for (let i = k + 1; i < n; i++) {
      const x = load<f64>(v + (<usize>i << 3));
      vn2 += x * x;
    }
    if (vn2 == 0) continue;
    const inv = 1 / Math.sqrt(vn2);
    for (let i = k + 1; i < n; i++) store<f64>(v + (<usize>i << 3), load<f64>(v + (<usize>i << 3)) * inv);
    // p = T v over the trailing block, w = p − (vᵀp) v
    let vp: f64 = 0;
    for (let i = k + 1; i < n; i++) {
      const s = dotFrom(T + <usize>i * sn, v, k + 1, n);
      store<f64>(p + (<usize>i << 3), s);
      vp += load<f64>(v + (<usize>i << 3)) * s;
    }
    for (let i = k + 1; i < n; i++) {
      store<f64>(p + (<usize>i << 3), load<f64>(p + (<usize>i << 3)) - vp * load<f64>(v + (<usize>i << 3)));
    }
    // T' = T − 2 v wᵀ − 2 w vᵀ
    for (let i = k + 1; i < n; i++) {
      const row = T + <usize>i * sn;
      axpyFrom(-2 * load<f64>(v + (<usize>i << 3)), p, row, k + 1, n);
      axpyFrom(-2 * load<f64>(p + (<usize>i << 3)), v, row, k + 1, n);
    }
    store<f64>(T + <usize>(k + 1) * sn + (<usize>k << 3), alpha);
    store<f64>(T + <usize>k * sn + (<usize>(k + 1) << 3), alpha);
    for (let i = k + 2; i < n; i++) {
      store<f64>(T + <usize>i * sn + (<usize>k << 3), 0);
      store<f64>(T + <usize>k * sn + (<usize>i << 3), 0);
    }
    // W ← H W = W − 2 v (vᵀ W)
    memory.fill(t, 0, sn);
    for (let i = k + 1; i < n; i++) axpyFrom(load<f64>(v + (<usize>i << 3)), W + <usize>i * sn, t, 0, n);
    for (let i = k + 1; i < n; i++) axpyFrom(-2 * load<f64>(v + (<usize>i << 3)), t, W + <usize>i * sn, 0, n);
  }
  for (let i: i32 = 0; i < n; i++) store<f64>(d + (<usize>i << 3), load<f64>(T + <usize>i * sn + (<usize>i << 3)));
  for (let i: i32 = 0; i + 1 < n; i++) {
    store<f64>(e + (<usize>i << 3), load<f64>(T + <usize>(i + 1) * sn + (<usize>i << 3)));
  }
}

/**
 * Diagonalise the symmetric tridiagonal (d, e) in place by implicit QR steps with Wilkinson shifts,
 * applying every rotation to the rows of W. Returns 0, or 1 when the iteration did not converge.
 */
export function tridiag_qr_f64(d: usize, e: usize, n: i32, W: usize): i32 {
  const eps: f64 = 2.220446049250313e-16;
  const sn = <usize>n << 3;
  let hi = n - 1;
  let iterations: i32 = 0;
  const maxIterations = 60 * max(1, n);
  while (hi > 0) {
    const ehi = load<f64>(e + (<usize>(hi - 1) << 3));
    const dh0 = load<f64>(d + (<usize>(hi - 1) << 3));
    const dh1 = load<f64>(d + (<usize>hi << 3));
    if (Math.abs(ehi) <= eps * (Math.abs(dh0) + Math.abs(dh1)) || ehi == 0) {
      store<f64>(e + (<usize>(hi - 1) << 3), 0);
      hi--;
      continue;
    }
    if (++iterations > maxIterations) return 1;
    let lo = hi - 1;
    while (
      lo > 0 &&
      Math.abs(load<f64>(e + (<usize>(lo - 1) << 3))) >
        eps * (Math.abs(load<f64>(d + (<usize>(lo - 1) << 3))) + Math.abs(load<f64>(d + (<usize>lo << 3))))
    ) lo--;
    const dd = (dh0 - dh1) / 2;
    const b = ehi;
    const denom = dd + (dd >= 0 ? 1 : -1) * Math.sqrt(dd * dd + b * b);
    const mu = denom == 0 ? dh1 : dh1 - (b * b) / denom;
    let x = load<f64>(d + (<usize>lo << 3)) - mu;
    let z = load<f64>(e + (<usize>lo << 3));
    for (let k = lo; k < hi; k++) {
      const r = Math.sqrt(x * x + z * z);
      const c = r == 0 ? 1 : x / r;
      const s = r == 0 ? 0 : z / r;
      if (k > lo) store<f64>(e + (<usize>(k - 1) << 3), r);
      const a = load<f64>(d + (<usize>k << 3));
      const bb = load<f64>(e + (<usize>k << 3));
      const cc = load<f64>(d + (<usize>(k + 1) << 3));
      store<f64>(d + (<usize>k << 3), c * c * a + 2 * c * s * bb + s * s * cc);
      store<f64>(d + (<usize>(k + 1) << 3), s * s * a - 2 * c * s * bb + c * c * cc);
      const ek = c * s * (cc - a) + (c * c - s * s) * bb;
      store<f64>(e + (<usize>k << 3), ek);
      if (k + 1 < hi) {
        const e1 = load<f64>(e + (<usize>(k + 1) << 3));
        z = s * e1;
        store<f64>(e + (<usize>(k + 1) << 3), c * e1);
      }
      x = ek;
      // W rows k, k+1 ← [c s; −s c] applied on the left
      const rk = W + <usize>k * sn;
      const rk1 = rk + sn;
      const vc = f64x2.splat(c);
      const vs = f64x2.splat(s);
      let j: i32 = 0;
      for (; j + 2 <= n; j += 2) {
        const o = <usize>j << 3;
        const wk = v128.load(rk + o);
        const wk1 = v128.load(rk1 + o);
        v128.store(rk + o, f64x2.add(f64x2.mul(vc, wk), f64x2.mul(vs, wk1)));
        v128.store(rk1 + o, f64x2.sub(f64x2.mul(vc, wk1), f64x2.mul(vs, wk)));
      }
      for (; j < n; j++) {
        const o = <usize>j << 3;
        const wk = load<f64>(rk + o);
        const wk1 = load<f64>(rk1 + o);
        store<f64>(rk + o, c * wk + s * wk1);
        store<f64>(rk1 + o, -s * wk + c * wk1);
      }
    }
  }
  return 0;
}
