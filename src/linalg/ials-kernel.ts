/**
 * The IALS row solver (training.md §2.8): for each row r of one side, at most `maxSteps`
 * conjugate-gradient iterations on
 *   (A + λ_r I + Σ_i c_ri v_i v_iᵀ) x = Σ_i c_ri v_i,   λ_r = reg·(regBase + nnz_r)^nu,
 * warm-started from the current row, where A = α₀·VᵀV and v_i are the other side's factor rows.
 * Factor rows have stride kp (a multiple of 4, zero padded). This file holds the TypeScript twin
 * of the WebAssembly kernel `ials_cg_rows` and the pool task that runs either over a row range.
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
  /** α₀·VᵀV, float32 kp × kp */
  gram: Float32Array;
  reg: number;
  regBase: number;
  nu: number;
  maxSteps: number;
  /** one 3·kp float32 scratch block per range index, used by the WebAssembly kernel */
  scratch: Float32Array | null;
  /** all arrays are views of the kernel heap (so their byteOffset is a kernel pointer) */
  resident: boolean;
}

/** Returns 0 or (row + 1) of the first row whose system was singular. */
export function ialsCgRowsTs(a: IalsSideArgs, rowStart: number, rowEnd: number): number {
  const { indptr, indices, conf, target, other, kp, gram, reg, regBase, nu, maxSteps } = a;
  const r = new Float64Array(kp);
  const p = new Float64Array(kp);
  const ap = new Float64Array(kp);
  const x = new Float64Array(kp);
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
    for (let c = 0; c < kp; c++) {
      let s = 0;
      const rc = c * kp;
      for (let j = 0; j < kp; j++) s += gram[rc + j] * v[j];
      out[c] = sign * (s + lam * v[c]);
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
        a.gram.byteOffset,
        start,
        end,
        a.reg,
        a.regBase,
        a.nu,
        a.maxSteps,
        a.scratch.byteOffset + ctx.rangeIndex * 3 * a.kp * 4,
      );
    }
    return ialsCgRowsTs(a, start, end);
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
