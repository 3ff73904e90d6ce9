/**
 * The IALS row solver: for each row r of one side, at most `maxSteps`
 * conjugate-gradient iterations on
 *   (D + λ_r I + Σ_i c_ri v_i v_iᵀ) x = Σ_i c_ri v_i,   λ_r = reg·(regBase + nnz_r)^nu,
 * warm-started from the current row, with D = α₀·VᵀV either as a full K × K matrix or, when the
 * trainer has rotated both factor matrices into the eigenbasis of VᵀV (`rotateRows`), as its
 * diagonal; the rotation leaves the CG iterates unchanged up to the rotation and turns each K × K
 * product into K multiplications.
 * Factor rows have stride kp (a multiple of 4, zero padded). This file holds the TypeScript twins
 * of the WebAssembly kernels and the pool tasks that run either over a row range.
 */
import { gram } from './dense.js';
import { defineTask, type TaskContext } from './pool.js';

export interface IalsSideArgs {
  indptr: Int32Array;
  indices: Int32Array;
  /** confidence c_ri per stored entry */
  conf: Float32Array;
  target: Float32Array;
  other: Float32Array;
  kp: number;
  /** α₀·VᵀV: its diagonal (kp floats) when `full` is false, else the kp × kp matrix; padding zero */
  dense: Float32Array;
  full: boolean;
  reg: number;
  regBase: number;
  nu: number;
  maxSteps: number;
  /** one 3·kp float32 scratch block per range index, used by the WebAssembly kernel */
  scratch: Float32Array | null;
  /** rows flagged here are left alone (solved elsewhere), or null */
  skip: Uint8Array | null;
  /** all arrays are views of the kernel heap (so their byteOffset is a kernel pointer) */
  resident: boolean;
}

/** Returns 0 or (row + 1) of the first row whose system was singular. */
export function ialsCgRowsTs(a: IalsSideArgs, rowStart: number, rowEnd: number): number {
  const { indptr, indices, conf, target, other, kp, dense, full, reg, regBase, nu, maxSteps, skip } = a;
  const r = new Float64Array(kp);
  const p = new Float64Array(kp);
  const ap = new Float64Array(kp);
  const x = new Float64Array(kp);
  // out = sign·(D + λI)v + Σ c (beta + gamma·(v_i·v)) v_i
  const applyM = (
    v: Float64Array,
    out: Float64Array,
    lam: number,
    p0: number,
    p1: number,
    beta: number,
    gamma: number,
    sign: number,
  ): void => {
    if (full) {
      for (let c = 0; c < kp; c++) {
        let s = lam * v[c];
        for (let j = 0; j < kp; j++) s += dense[c * kp + j] * v[j];
        out[c] = sign * s;
      }
    } else {
      for (let c = 0; c < kp; c++) out[c] = sign * (dense[c] + lam) * v[c];
    }
    for (let q = p0; q < p1; q++) {
      const off = indices[q] * kp;
      let d = 0;
      for (let t = 0; t < kp; t++) d += other[off + t] * v[t];
      const w = conf[q] * (beta + gamma * d);
      for (let t = 0; t < kp; t++) out[t] += w * other[off + t];
    }
  };
  for (let row = rowStart; row < rowEnd; row++) {
    if (skip?.[row]) continue;
    const xo = row * kp;
    const p0 = indptr[row];
    const p1 = indptr[row + 1];
    if (p1 === p0) {
      target.fill(0, xo, xo + kp);
      continue;
    }
    const lam = reg * (regBase + (p1 - p0)) ** nu;
    for (let t = 0; t < kp; t++) x[t] = target[xo + t];
    applyM(x, r, lam, p0, p1, 1, -1, -1); // r = b − M x
    p.set(r);
    let rr = 0;
    for (let t = 0; t < kp; t++) rr += r[t] * r[t];
    for (let step = 0; step < maxSteps; step++) {
      if (rr <= 1e-20) break;
      applyM(p, ap, lam, p0, p1, 0, 1, 1);
      let d = 0;
      for (let t = 0; t < kp; t++) d += p[t] * ap[t];
      if (!(d > 0) || !Number.isFinite(d)) {
        for (let t = 0; t < kp; t++) target[xo + t] = x[t];
        return row + 1;
      }
      const alpha = rr / d;
      let rrNew = 0;
      for (let t = 0; t < kp; t++) {
        x[t] += alpha * p[t];
        r[t] -= alpha * ap[t];
        rrNew += r[t] * r[t];
      }
      if (rrNew <= 1e-20) break;
      const beta = rrNew / rr;
      for (let t = 0; t < kp; t++) p[t] = r[t] + beta * p[t];
      rr = rrNew;
    }
    for (let t = 0; t < kp; t++) target[xo + t] = x[t];
  }
  return 0;
}

/** Rows [r0, r1) of F (stride kp) ← F[r, 0:k]·Q with Q k × kp (TypeScript twin of rotate_rows_f32). */
export function rotateRowsTs(F: Float32Array, kp: number, k: number, Q: Float32Array, r0: number, r1: number): void {
  const tmp = new Float64Array(kp);
  for (let r = r0; r < r1; r++) {
    const off = r * kp;
    tmp.fill(0);
    for (let t = 0; t < k; t++) {
      const f = F[off + t];
      if (f === 0) continue;
      const qo = t * kp;
      for (let c = 0; c < kp; c++) tmp[c] += f * Q[qo + c];
    }
    for (let c = 0; c < kp; c++) F[off + c] = tmp[c];
  }
}

/** Pool task: solve rows [start, end) with the WebAssembly kernel when available, else the twin. */
export const ialsSolveRows = defineTask(
  import.meta.url,
  'ialsSolveRows',
  (a: IalsSideArgs, start: number, end: number, ctx: TaskContext): number => {
    const k = ctx.kernels;
    if (k && a.resident && a.scratch) {
      return k.ials_cg_rows(
        a.indptr.byteOffset,
        a.indices.byteOffset,
        a.conf.byteOffset,
        a.target.byteOffset,
        a.other.byteOffset,
        a.kp,
        a.dense.byteOffset,
        a.full ? 1 : 0,
        start,
        end,
        a.reg,
        a.regBase,
        a.nu,
        a.maxSteps,
        a.scratch.byteOffset + ctx.rangeIndex * 3 * a.kp * 4,
        a.skip ? a.skip.byteOffset : 0,
      );
    }
    return ialsCgRowsTs(a, start, end);
  },
);

export interface SweepArgs {
  /** CSR over the other side's rows; `hidx` = local index of the (heavy) target row */
  indptr: Int32Array;
  hidx: Int32Array;
  conf: Float32Array;
  /** the other side's factors (stride kp) */
  F: Float32Array;
  kp: number;
  /** H × kp search directions of the heavy rows */
  P: Float32Array;
  /** 1 = row still iterating */
  active: Uint8Array;
  nTargets: number;
  /** one H × kp slot per range index */
  out: Float32Array;
  beta: number;
  gamma: number;
  resident: boolean;
}

/** TypeScript twin of ials_sweep: slot ← Σ c·(beta + gamma·(F[u]·P[h]))·F[u] over rows [r0, r1). */
export function ialsSweepTs(a: SweepArgs, r0: number, r1: number, slot: Float32Array): void {
  const { indptr, hidx, conf, F, kp, P, active, beta, gamma } = a;
  slot.fill(0);
  for (let u = r0; u < r1; u++) {
    const fo = u * kp;
    for (let q = indptr[u]; q < indptr[u + 1]; q++) {
      const h = hidx[q];
      if (!active[h]) continue;
      const po = h * kp;
      let d = 0;
      for (let t = 0; t < kp; t++) d += F[fo + t] * P[po + t];
      const w = conf[q] * (beta + gamma * d);
      for (let t = 0; t < kp; t++) slot[po + t] += w * F[fo + t];
    }
  }
}

/** Pool task: one slot of the heavy-row sweep (see ials_sweep). */
export const ialsSweep = defineTask(
  import.meta.url,
  'ialsSweep',
  (a: SweepArgs, start: number, end: number, ctx: TaskContext): void => {
    const size = a.nTargets * a.kp;
    const k = ctx.kernels;
    if (k && a.resident) {
      k.ials_sweep(
        a.indptr.byteOffset,
        a.hidx.byteOffset,
        a.conf.byteOffset,
        start,
        end,
        a.F.byteOffset,
        a.kp,
        a.P.byteOffset,
        a.active.byteOffset,
        a.nTargets,
        a.out.byteOffset + ctx.rangeIndex * size * 4,
        a.beta,
        a.gamma,
      );
      return;
    }
    ialsSweepTs(a, start, end, a.out.subarray(ctx.rangeIndex * size, (ctx.rangeIndex + 1) * size));
  },
);

export interface RotateArgs {
  /** the matrices to rotate, each with stride kp; ranges index the concatenation of their rows */
  matrices: Float32Array[];
  rows: number[];
  kp: number;
  k: number;
  /** k × kp float32 */
  Q: Float32Array;
  /** 4·kp floats per range index */
  scratch: Float32Array | null;
  resident: boolean;
}

/** Pool task: rotate rows [start, end) of the concatenated matrices. */
export const rotateRows = defineTask(
  import.meta.url,
  'rotateRows',
  (a: RotateArgs, start: number, end: number, ctx: TaskContext): void => {
    let base = 0;
    for (let m = 0; m < a.matrices.length; m++) {
      const s = Math.max(start, base) - base;
      const e = Math.min(end, base + a.rows[m]) - base;
      if (s < e) {
        const F = a.matrices[m];
        const kern = ctx.kernels;
        if (kern && a.resident && a.scratch) {
          const tmp = a.scratch.byteOffset + ctx.rangeIndex * 4 * a.kp * 4;
          kern.rotate_rows_f32(F.byteOffset, a.kp, a.k, a.Q.byteOffset, s, e, tmp);
        } else {
          rotateRowsTs(F, a.kp, a.k, a.Q, s, e);
        }
      }
      base += a.rows[m];
    }
  },
);

export interface GramArgs {
  factors: Float32Array;
  kp: number;
  /** one kp × kp float64 slot per range index */
  out: Float64Array;
  resident: boolean;
}

/** Pool task: partial Gram matrix Σ_{r ∈ [start, end)} F[r]ᵀF[r] into slot `rangeIndex` of `out`. */
export const factorGramRows = defineTask(
  import.meta.url,
  'factorGramRows',
  (a: GramArgs, start: number, end: number, ctx: TaskContext): void => {
    const kk = a.kp * a.kp;
    const k = ctx.kernels;
    if (k && a.resident) {
      k.gram_f32(a.factors.byteOffset, a.kp, a.kp, start, end, a.out.byteOffset + ctx.rangeIndex * kk * 8);
      return;
    }
    gram(a.factors, a.kp, a.kp, start, end, a.out.subarray(ctx.rangeIndex * kk, (ctx.rangeIndex + 1) * kk));
  },
);
