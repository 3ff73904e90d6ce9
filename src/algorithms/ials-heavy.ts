/**
 * IALS updates of heavy rows (rows with so many entries that their factor rows spread over a large
 * part of the other side, e.g. the most popular items). The same CG iteration as the per-row
 * solver, but run for all heavy rows in lockstep: every matrix product is one
 * ordered sweep over the other side's rows, each factor row read once and applied to all of its
 * heavy targets, whose vectors stay in cache. Sweeps are cut into fixed ranges of entries and the
 * per-range partial sums added in range order, so results do not depend on the thread count.
 */
import { TrainingError } from '../errors/index.js';
import type { CsrMatrix } from '../linalg/csr.js';
import { ialsSweep, type SweepArgs } from '../linalg/ials-kernel.js';
import { gemmNT32 } from '../linalg/kernels.js';
import { type Range, rangesByCost, rowCostPrefix, type WorkerPool } from '../linalg/pool.js';
import { releaseShared, sharedF32, sharedI32, sharedU8 } from '../linalg/resident.js';

/** Entries per sweep range (independent of the thread count). */
const SWEEP_ENTRIES = 1 << 18;
const TOL = 1e-20;

export class HeavyRows {
  /** target row index of each heavy row */
  readonly rows: Int32Array;
  /** 1 for heavy target rows (the per-row solver skips them) */
  readonly mask: Uint8Array;
  private readonly indptr: Int32Array;
  private readonly hidx: Int32Array;
  private readonly conf: Float32Array;
  private readonly ranges: Range[];
  private readonly X: Float32Array;
  private readonly R: Float32Array;
  private readonly P: Float32Array;
  private readonly AP: Float32Array;
  private readonly active: Uint8Array;
  private readonly slots: Float32Array;
  private readonly counts: Int32Array;
  private readonly owned: (Float32Array | Int32Array | Uint8Array)[] = [];

  /**
   * `M`: target-major CSR (rows = rows being solved); `MT`: its transpose; `confT`: confidences in
   * MT's entry order. Rows with more than `threshold` entries are heavy.
   */
  constructor(
    M: CsrMatrix,
    MT: CsrMatrix,
    confT: Float32Array,
    threshold: number,
    readonly kp: number,
  ) {
    const local = new Int32Array(M.rows).fill(-1);
    const heavy: number[] = [];
    for (let r = 0; r < M.rows; r++) {
      if (M.indptr[r + 1] - M.indptr[r] > threshold) {
        local[r] = heavy.length;
        heavy.push(r);
      }
    }
    this.rows = Int32Array.from(heavy);
    this.mask = sharedU8(M.rows);
    for (const r of heavy) this.mask[r] = 1;
    const H = heavy.length;
    // other-major entries restricted to heavy targets
    const indptr = sharedI32(MT.rows + 1);
    let n = 0;
    for (let u = 0; u < MT.rows; u++) {
      for (let q = MT.indptr[u]; q < MT.indptr[u + 1]; q++) if (local[MT.indices[q]] >= 0) n++;
      indptr[u + 1] = n;
    }
    const hidx = sharedI32(Math.max(1, n));
    const conf = sharedF32(Math.max(1, n));
    n = 0;
    for (let u = 0; u < MT.rows; u++) {
      for (let q = MT.indptr[u]; q < MT.indptr[u + 1]; q++) {
        const h = local[MT.indices[q]];
        if (h < 0) continue;
        hidx[n] = h;
        conf[n] = confT[q];
        n++;
      }
    }
    this.indptr = indptr;
    this.hidx = hidx;
    this.conf = conf;
    this.ranges = H === 0 ? [] : rangesByCost(rowCostPrefix(indptr, 1), Math.max(1, Math.ceil(n / SWEEP_ENTRIES)));
    this.counts = Int32Array.from(heavy, (r) => M.indptr[r + 1] - M.indptr[r]);
    const size = Math.max(1, H * kp);
    this.X = sharedF32(size);
    this.R = sharedF32(size);
    this.P = sharedF32(size);
    this.AP = sharedF32(size);
    this.active = sharedU8(Math.max(1, H));
    this.slots = sharedF32(Math.max(1, this.ranges.length) * size);
    this.owned.push(this.mask, indptr, hidx, conf, this.X, this.R, this.P, this.AP, this.active, this.slots);
  }

  get count(): number {
    return this.rows.length;
  }

  /** Rough flop count of one sweep (to pick inline or parallel execution). */
  get sweepFlops(): number {
    return this.hidx.length * 4 * this.kp;
  }

  /** Sum of the per-range slots (active rows only) added into `dst`. */
  private addSlots(dst: Float32Array): void {
    const size = this.rows.length * this.kp;
    const sum = new Float64Array(size);
    for (let s = 0; s < this.ranges.length; s++) {
      const off = s * size;
      for (let t = 0; t < size; t++) sum[t] += this.slots[off + t];
    }
    for (let t = 0; t < size; t++) dst[t] += sum[t];
  }

  private async sweep(
    pool: WorkerPool,
    other: Float32Array,
    P: Float32Array,
    beta: number,
    gamma: number,
    resident: boolean,
  ): Promise<void> {
    const args: SweepArgs = {
      indptr: this.indptr,
      hidx: this.hidx,
      conf: this.conf,
      F: other,
      kp: this.kp,
      P,
      active: this.active,
      nTargets: this.rows.length,
      out: this.slots,
      beta,
      gamma,
      resident,
    };
    await pool.run(ialsSweep, args, this.ranges);
  }

  /** Run the CG update for every heavy row of `target`, the other side being `other`. */
  async solve(
    pool: WorkerPool,
    target: Float32Array,
    other: Float32Array,
    dense: Float32Array,
    full: boolean,
    p: { reg: number; regBase: number; nu: number; maxSteps: number },
    resident: boolean,
  ): Promise<void> {
    const H = this.rows.length;
    if (H === 0) return;
    const { kp, X, R, P, AP, active } = this;
    const lam = Float64Array.from(this.counts, (c) => p.reg * (p.regBase + c) ** p.nu);
    for (let h = 0; h < H; h++) X.set(target.subarray(this.rows[h] * kp, this.rows[h] * kp + kp), h * kp);
    // out[h] = sign·(D + λ_h I)·v[h] for every heavy row h, D diagonal or full. A full D is
    // symmetric, so all rows' products are one H × kp × kp matrix product v·Dᵀ (SIMD kernel).
    const applyDense = (v: Float32Array, out: Float32Array, sign: number): void => {
      if (full) gemmNT32(H, kp, kp, v, kp, dense, kp, out, kp);
      for (let h = 0; h < H; h++) {
        if (!active[h]) continue;
        const o = h * kp;
        const l = lam[h];
        if (full) for (let c = 0; c < kp; c++) out[o + c] = sign * (out[o + c] + l * v[o + c]);
        else for (let c = 0; c < kp; c++) out[o + c] = sign * (dense[c] + l) * v[o + c];
      }
    };
    // r = b − M x
    active.fill(1);
    applyDense(X, R, -1);
    await this.sweep(pool, other, X, 1, -1, resident);
    this.addSlots(R);
    P.set(R);
    const rr = new Float64Array(H);
    for (let h = 0; h < H; h++) {
      let s = 0;
      for (let t = 0; t < kp; t++) s += R[h * kp + t] ** 2;
      rr[h] = s;
      active[h] = s <= TOL ? 0 : 1;
    }
    for (let step = 0; step < p.maxSteps; step++) {
      if (!active.subarray(0, H).some((a) => a !== 0)) break;
      applyDense(P, AP, 1);
      await this.sweep(pool, other, P, 0, 1, resident);
      this.addSlots(AP);
      for (let h = 0; h < H; h++) {
        if (!active[h]) continue;
        const o = h * kp;
        let d = 0;
        for (let t = 0; t < kp; t++) d += P[o + t] * AP[o + t];
        if (!(d > 0) || !Number.isFinite(d)) {
          throw new TrainingError('Conjugate-gradient solver encountered a singular system.', 'cg_singular_system');
        }
        const alpha = rr[h] / d;
        let rrNew = 0;
        for (let t = 0; t < kp; t++) {
          X[o + t] += alpha * P[o + t];
          R[o + t] -= alpha * AP[o + t];
          rrNew += R[o + t] ** 2;
        }
        if (rrNew <= TOL) {
          active[h] = 0;
          continue;
        }
        const beta = rrNew / rr[h];
        for (let t = 0; t < kp; t++) P[o + t] = R[o + t] + beta * P[o + t];
        rr[h] = rrNew;
      }
    }
    for (let h = 0; h < H; h++) target.set(X.subarray(h * kp, h * kp + kp), this.rows[h] * kp);
  }

  release(): void {
    for (const a of this.owned) releaseShared(a as Float32Array);
    this.owned.length = 0;
  }
}
