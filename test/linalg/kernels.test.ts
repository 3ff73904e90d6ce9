import { describe, expect, it } from 'vitest';
import { csrFromCoo } from '../../src/linalg/csr.js';
import * as twin from '../../src/linalg/dense.js';
import { type IalsSideArgs, ialsCgRowsTs, ialsSweepTs, rotateRowsTs } from '../../src/linalg/ials-kernel.js';
import { gemmNN64, gemmNT32, gram32, gram64, spmm64 } from '../../src/linalg/kernels.js';
import { Rng } from '../../src/linalg/random.js';
import { isResident, releaseShared, sharedF32, toShared } from '../../src/linalg/resident.js';
import { wasmRuntime } from '../../src/linalg/wasm/runtime.js';

const rt = wasmRuntime();

function randF32(rng: Rng, n: number): Float32Array {
  const a = new Float32Array(n);
  for (let i = 0; i < n; i++) a[i] = rng.nextFloat() * 2 - 1;
  return a;
}
function randF64(rng: Rng, n: number): Float64Array {
  const a = new Float64Array(n);
  for (let i = 0; i < n; i++) a[i] = rng.nextFloat() * 2 - 1;
  return a;
}

function expectClose(actual: ArrayLike<number>, expected: ArrayLike<number>, tol: number): void {
  expect(actual.length).toBe(expected.length);
  let worst = 0;
  for (let i = 0; i < expected.length; i++) {
    const err = Math.abs(actual[i] - expected[i]) / (1 + Math.abs(expected[i]));
    if (!(err <= worst)) worst = err;
  }
  expect(worst).toBeLessThan(tol);
}

describe('WebAssembly kernels against their TypeScript twins', () => {
  it('loads the compiled module (npm run build:wasm ran)', () => {
    expect(rt).not.toBeNull();
  });

  it('dot_f32 and axpy_f32 on odd lengths', () => {
    const rng = new Rng(1);
    for (const n of [1, 3, 4, 7, 8, 9, 33, 64, 301]) {
      const a = toShared(randF32(rng, n));
      const b = toShared(randF32(rng, n));
      const got = rt!.exports.dot_f32(a.byteOffset, b.byteOffset, n);
      expect(got).toBeCloseTo(twin.dot(a, b, n), 4);
      const y = toShared(randF32(rng, n));
      const expected = Float64Array.from(y);
      twin.axpy(0.75, a, expected, n);
      rt!.exports.axpy_f32(0.75, a.byteOffset, y.byteOffset, n);
      expectClose(y, expected, 1e-6);
      for (const v of [a, b, y]) releaseShared(v);
    }
  });

  it('gemmNT32 (scoring product) for ragged shapes and strides', () => {
    const rng = new Rng(2);
    for (const [m, n, k, lda, ldb, ldc] of [
      [5, 1031, 16, 16, 20, 1031],
      [64, 200, 64, 64, 64, 210],
      [3, 7, 4, 8, 4, 7],
    ]) {
      const A = randF32(rng, m * lda);
      const B = randF32(rng, n * ldb);
      const C = randF32(rng, m * ldc); // gaps between rows must survive
      const expected = Float32Array.from(C);
      twin.gemmNT(m, n, k, A, lda, B, ldb, expected, ldc);
      gemmNT32(m, n, k, A, lda, B, ldb, C, ldc);
      expectClose(C, expected, 1e-5);
    }
  });

  it('gram32 of a tall float32 matrix equals the float64 twin', () => {
    const rng = new Rng(3);
    for (const [rows, k, lda] of [
      [1000, 12, 12],
      [700, 64, 68],
      [50, 4, 4],
    ]) {
      const A = randF32(rng, rows * lda);
      const expected = new Float64Array(k * k);
      twin.gram(A, lda, k, 10, rows, expected);
      const G = new Float64Array(k * k);
      gram32(A, lda, k, 10, rows, G);
      expectClose(G, expected, 1e-4);
      // symmetric, exactly
      for (let i = 0; i < k; i++) for (let j = 0; j < k; j++) expect(G[i * k + j]).toBe(G[j * k + i]);
    }
  });

  it('gram64, gemmNN64 and spmm64 match the twins', () => {
    const rng = new Rng(4);
    const A = randF64(rng, 300 * 10);
    const G1 = new Float64Array(100);
    const G2 = new Float64Array(100);
    twin.gram(A, 10, 10, 0, 300, G1);
    gram64(A, 10, 10, 0, 300, G2);
    expectClose(G2, G1, 1e-12);

    const B = randF64(rng, 10 * 12);
    const C1 = new Float64Array(300 * 12);
    const C2 = new Float64Array(300 * 12);
    twin.gemmNN(300, 12, 10, A, 10, B, 12, C1, 12);
    gemmNN64(300, 12, 10, A, 10, B, 12, C2, 12);
    expectClose(C2, C1, 1e-12);
    // odd row count, width with a 2-column tail, output stride wider than the width
    const D1 = new Float64Array(299 * 14).fill(5);
    const D2 = new Float64Array(299 * 14).fill(5);
    twin.gemmNN(299, 10, 10, A, 10, B, 12, D1, 14);
    gemmNN64(299, 10, 10, A, 10, B, 12, D2, 14);
    expectClose(D2, D1, 1e-12);

    const rows: number[] = [];
    const cols: number[] = [];
    const vals: number[] = [];
    for (let t = 0; t < 2000; t++) {
      rows.push(rng.nextInt(120));
      cols.push(rng.nextInt(300));
      vals.push(1 + rng.nextInt(3));
    }
    const X = csrFromCoo(120, 300, rows, cols, vals);
    const O1 = new Float64Array(50 * 10);
    const O2 = new Float64Array(50 * 10);
    twin.spmm(X, A, 10, 10, O1, 10, 30, 80, true);
    spmm64(X, A, 10, 10, O2, 10, 30, 80, true);
    expectClose(O2, O1, 1e-12);
  });

  it('ials_cg_rows matches the TypeScript row solver (diagonal and full A, skip mask)', () => {
    const rng = new Rng(5);
    const nRows = 40;
    const nOther = 60;
    for (const [kp, full] of [
      [4, false],
      [16, false],
      [20, false],
      [4, true],
      [20, true],
      [36, true],
    ] as const) {
      const r: number[] = [];
      const c: number[] = [];
      for (let t = 0; t < 400; t++) {
        r.push(rng.nextInt(nRows));
        c.push(rng.nextInt(nOther));
      }
      r.push(nRows - 1);
      c.push(0);
      const X = csrFromCoo(nRows, nOther, r, c);
      const other = randF32(rng, nOther * kp).map((v) => v * 0.3);
      let dense: Float32Array;
      if (full) {
        // A = 0.1·OᵀO, symmetric positive semi-definite
        const G = new Float64Array(kp * kp);
        twin.gram(other, kp, kp, 0, nOther, G);
        dense = Float32Array.from(G, (v) => 0.1 * v);
      } else {
        dense = Float32Array.from({ length: kp }, (_, i) => 0.5 + i * 0.01);
      }
      const target = randF32(rng, nRows * kp).map((v) => v * 0.1);
      const skip = new Uint8Array(nRows);
      skip[3] = 1;
      skip[17] = 1;
      const base = { kp, reg: 0.05, regBase: 0.1 * nOther, nu: 1, maxSteps: 3 };
      const tsArgs: IalsSideArgs = {
        ...base,
        indptr: X.indptr,
        indices: X.indices,
        conf: X.data,
        target: Float32Array.from(target),
        other,
        dense,
        full,
        scratch: null,
        skip,
        resident: false,
      };
      expect(ialsCgRowsTs(tsArgs, 0, nRows)).toBe(0);
      // skipped rows untouched, others moved
      expect(Array.from(tsArgs.target.subarray(3 * kp, 4 * kp))).toEqual(Array.from(target.subarray(3 * kp, 4 * kp)));
      expect(Array.from(tsArgs.target.subarray(4 * kp, 5 * kp))).not.toEqual(
        Array.from(target.subarray(4 * kp, 5 * kp)),
      );
      const scratch = sharedF32(3 * kp);
      const w = {
        indptr: toShared(X.indptr),
        indices: toShared(X.indices),
        conf: toShared(X.data),
        target: toShared(target),
        other: toShared(other),
        dense: toShared(dense),
        skip: toShared(skip),
      };
      expect(isResident(w.target)).toBe(true);
      const status = rt!.exports.ials_cg_rows(
        w.indptr.byteOffset,
        w.indices.byteOffset,
        w.conf.byteOffset,
        w.target.byteOffset,
        w.other.byteOffset,
        kp,
        w.dense.byteOffset,
        full ? 1 : 0,
        0,
        nRows,
        base.reg,
        base.regBase,
        base.nu,
        base.maxSteps,
        scratch.byteOffset,
        w.skip.byteOffset,
      );
      expect(status).toBe(0);
      expectClose(w.target, tsArgs.target, 2e-4);
      for (const v of Object.values(w)) releaseShared(v);
      releaseShared(scratch);
    }
  });

  it('ials_cg_rows reports a singular system as row + 1', () => {
    const kp = 4;
    const X = csrFromCoo(2, 1, [1], [0]);
    const w = {
      indptr: toShared(X.indptr),
      indices: toShared(X.indices),
      conf: toShared(Float32Array.from([-1])), // negative confidence makes M indefinite
      target: toShared(Float32Array.from([0, 0, 0, 0, 0.1, 0.1, 0.1, 0.1])),
      other: toShared(Float32Array.from([1, 1, 1, 1])),
      dense: toShared(new Float32Array(4)),
    };
    const scratch = sharedF32(3 * kp);
    const status = rt!.exports.ials_cg_rows(
      w.indptr.byteOffset,
      w.indices.byteOffset,
      w.conf.byteOffset,
      w.target.byteOffset,
      w.other.byteOffset,
      kp,
      w.dense.byteOffset,
      0,
      0,
      2,
      0,
      0,
      1,
      3,
      scratch.byteOffset,
      0,
    );
    expect(status).toBe(2);
    const tsArgs: IalsSideArgs = {
      indptr: X.indptr,
      indices: X.indices,
      conf: Float32Array.from([-1]),
      target: new Float32Array(8).fill(0.1),
      other: Float32Array.from([1, 1, 1, 1]),
      kp,
      dense: new Float32Array(4),
      full: false,
      reg: 0,
      regBase: 0,
      nu: 1,
      maxSteps: 3,
      scratch: null,
      skip: null,
      resident: false,
    };
    expect(ialsCgRowsTs(tsArgs, 0, 2)).toBe(2);
    for (const v of Object.values(w)) releaseShared(v);
    releaseShared(scratch);
  });

  it('ials_sweep and rotate_rows_f32 match their twins', () => {
    const rng = new Rng(6);
    const kp = 12;
    const nRows = 30;
    const H = 5;
    const r: number[] = [];
    const c: number[] = [];
    const v: number[] = [];
    for (let t = 0; t < 90; t++) {
      r.push(rng.nextInt(nRows));
      c.push(rng.nextInt(H));
      v.push(1 + rng.nextInt(3));
    }
    const M = csrFromCoo(nRows, H, r, c, v);
    const F = randF32(rng, nRows * kp);
    const P = randF32(rng, H * kp);
    const active = Uint8Array.from([1, 0, 1, 1, 1]);
    const expected = new Float32Array(H * kp);
    const args = {
      indptr: M.indptr,
      hidx: M.indices,
      conf: M.data,
      F,
      kp,
      P,
      active,
      nTargets: H,
      out: expected,
      beta: 1,
      gamma: -1,
      resident: false,
    };
    ialsSweepTs(args, 5, 25, expected);
    expect(Array.from(expected.subarray(kp, 2 * kp)).every((x) => x === 0)).toBe(true);
    const w = {
      indptr: toShared(M.indptr),
      hidx: toShared(M.indices),
      conf: toShared(M.data),
      F: toShared(F),
      P: toShared(P),
      active: toShared(active),
      out: toShared(new Float32Array(H * kp).fill(7)),
    };
    rt!.exports.ials_sweep(
      w.indptr.byteOffset,
      w.hidx.byteOffset,
      w.conf.byteOffset,
      5,
      25,
      w.F.byteOffset,
      kp,
      w.P.byteOffset,
      w.active.byteOffset,
      H,
      w.out.byteOffset,
      1,
      -1,
    );
    expectClose(w.out, expected, 1e-5);

    const k = 10;
    const Q = new Float32Array(k * kp);
    for (let t = 0; t < k; t++) for (let cc = 0; cc < k; cc++) Q[t * kp + cc] = rng.nextFloat() - 0.5;
    const G = randF32(rng, 11 * kp);
    for (let row = 0; row < 11; row++) for (let cc = k; cc < kp; cc++) G[row * kp + cc] = 0;
    const Gts = Float32Array.from(G);
    rotateRowsTs(Gts, kp, k, Q, 2, 11);
    const Gw = toShared(G);
    const Qw = toShared(Q);
    const tmp = sharedF32(4 * kp);
    rt!.exports.rotate_rows_f32(Gw.byteOffset, kp, k, Qw.byteOffset, 2, 11, tmp.byteOffset);
    expectClose(Gw, Gts, 1e-5);
    expect(Array.from(Gw.subarray(0, 2 * kp))).toEqual(Array.from(G.subarray(0, 2 * kp)));
    for (const x of [...Object.values(w), Gw, Qw, tmp]) releaseShared(x);
  });
});
