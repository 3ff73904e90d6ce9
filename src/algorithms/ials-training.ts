/**
 * The training state of IALS: the interaction matrix and its transpose, both
 * factor matrices, α₀·VᵀV and per-range scratch, all in shared memory so the pool's workers solve
 * rows in place. One epoch = all users (items fixed), then all items (users fixed). Before a
 * half-epoch with many rows to solve, both factor matrices are rotated into the eigenbasis of the
 * fixed side's Gram matrix: scores and CG iterates are invariant under that rotation, and the K × K
 * term of every CG product becomes a diagonal. Small steps run on the calling thread.
 */
import { TrainingError } from '../errors/index.js';
import { type CsrMatrix, cachedTranspose } from '../linalg/csr.js';
import { symmetricEigen } from '../linalg/eigen.js';
import {
  factorGramRows,
  type GramArgs,
  type IalsSideArgs,
  ialsSolveRows,
  type RotateArgs,
  rotateRows,
} from '../linalg/ials-kernel.js';
import { getPool, type Range, rangesByCost, type WorkerPool } from '../linalg/pool.js';
import { Rng } from '../linalg/random.js';
import { isResident, releaseShared, sharedF32, sharedF64, toShared } from '../linalg/resident.js';
import { HeavyRows } from './ials-heavy.js';

export interface IalsConfig {
  k: number;
  alpha0: number;
  reg: number;
  nu: number;
  initStd: number;
  maxCgSteps: number;
  seed: number;
  confidence: 'none' | 'log';
  epsilon: number;
}

/**
 * Gram partial sums: at least this many rows each and at most `GRAM_MAX_PARTS` of them. The cut
 * depends on the row count alone, so the summation order (and result) ignores the thread count,
 * while a small side still splits into enough parts to keep every thread busy.
 */
const GRAM_MIN_ROWS = 128;
const GRAM_MAX_PARTS = 8;
/** Rotation tasks per thread (rows are independent, so any cut gives the same result). */
const ROTATE_PARTS_PER_THREAD = 4;
/**
 * A row is solved in the lockstep sweep (ials-heavy.ts) when its gathered factor rows exceed this
 * many bytes, i.e. no longer stay in cache across its CG steps.
 */
const HEAVY_ROW_BYTES = 256 * 1024;
/** Solve ranges per thread: enough for the dynamic dealing to even out uneven rows. */
const RANGES_PER_THREAD = 8;

interface Side {
  indptr: Int32Array;
  indices: Int32Array;
  conf: Float32Array;
  /** rows being solved / the fixed factors */
  target: Float32Array;
  other: Float32Array;
  otherRows: number;
  /** λ base: α₀ × (number of rows on the other side) */
  regBase: number;
  solveRanges: Range[];
  /** rough flop count of one light-row solve pass (to pick inline or parallel execution) */
  solveFlops: number;
  gramRanges: Range[];
  heavy: HeavyRows;
  /** solve this side in the eigenbasis of the other side's Gram matrix (diagonal A) */
  rotate: boolean;
}

/** Confidence values c = X (or ln(1 + X/ε)) in shared memory. */
function confidences(data: Float32Array, cfg: IalsConfig): Float32Array {
  const out = sharedF32(data.length);
  if (cfg.confidence === 'log') for (let p = 0; p < data.length; p++) out[p] = Math.log1p(data[p] / cfg.epsilon);
  else out.set(data);
  return out;
}

/** N(0, (init_std/√K)²) samples, row-major over the K real columns (padding stays zero). */
export function initFactors(rows: number, k: number, kp: number, std: number, seed: number): Float32Array {
  const F = sharedF32(rows * kp);
  const rng = new Rng(seed);
  const s = std / Math.sqrt(k);
  for (let r = 0; r < rows; r++) for (let c = 0; c < k; c++) F[r * kp + c] = rng.nextNormal() * s;
  return F;
}

/** Below this many flops a parallel step runs on the calling thread: a worker round trip costs more. */
const INLINE_FLOPS = 2e7;
/** Flops of a register-tiled rotation relative to the same count in K × K matrix-vector products. */
const ROTATION_EFFICIENCY = 3;
/**
 * Eigendecomposition work per factor, in units of K² multiply-adds (measured at K = 300 with the
 * float64 SIMD Householder and QR kernels).
 */
const EIGEN_COST_PER_FACTOR = 12;

export class IalsTraining {
  readonly pool: WorkerPool;
  readonly U: Float32Array;
  readonly V: Float32Array;
  private readonly users: Side;
  private readonly items: Side;
  /** α₀·VᵀV of the side being solved: its diagonal (rotated sides) or the full kp × kp matrix */
  private readonly dense: Float32Array;
  private readonly rotation: Float32Array;
  private readonly rotateRanges: Range[];
  private readonly rotateScratch: Float32Array;
  private readonly gramSlots: Float64Array;
  private readonly scratch: Float32Array;
  private readonly resident: boolean;
  private readonly inline = getPool(1);
  private readonly owned: (Float32Array | Float64Array | Int32Array)[] = [];

  constructor(
    X: CsrMatrix,
    readonly cfg: IalsConfig,
    readonly kp: number,
    threads: number,
  ) {
    this.pool = getPool(threads);
    const XT = cachedTranspose(X);
    // The original fills both matrices from generators seeded with the same value.
    this.U = initFactors(X.rows, cfg.k, kp, cfg.initStd, cfg.seed);
    this.V = initFactors(X.cols, cfg.k, kp, cfg.initStd, cfg.seed);
    this.resident = isResident(this.U);
    const parts = this.pool.size * RANGES_PER_THREAD;
    const heavyThreshold = Math.floor(HEAVY_ROW_BYTES / (4 * kp));
    const side = (M: CsrMatrix, MT: CsrMatrix, target: Float32Array, other: Float32Array, otherRows: number): Side => {
      const indptr = toShared(M.indptr);
      const indices = toShared(M.indices);
      const conf = confidences(M.data, cfg);
      this.owned.push(indptr, indices, conf);
      const confT = Float32Array.from(MT.data);
      if (cfg.confidence === 'log')
        for (let q = 0; q < confT.length; q++) confT[q] = Math.log1p(confT[q] / cfg.epsilon);
      const heavy = new HeavyRows(M, MT, confT, heavyThreshold, kp);
      // Rotating both matrices into the eigenbasis costs (rows + otherRows)·K² multiply-adds in a
      // fast tiled kernel plus an eigendecomposition of the K×K Gram matrix (~K³ work, which
      // dominates on small catalogues); keeping A = α₀VᵀV full costs 4·rows·K² in products.
      const rotate =
        cfg.alpha0 !== 0 && (M.rows + otherRows) / ROTATION_EFFICIENCY + EIGEN_COST_PER_FACTOR * kp < 4 * M.rows;
      // per-row cost in units of one stored entry (a 4·K-flop update per CG product)
      const perRow = rotate || cfg.alpha0 === 0 ? 2 : kp / 2 + 2;
      // heavy rows are solved by the sweep: they cost the light-row solver nothing
      const cost = new Float64Array(M.rows + 1);
      for (let r = 0; r < M.rows; r++) {
        cost[r + 1] = cost[r] + (heavy.mask[r] ? 0 : M.indptr[r + 1] - M.indptr[r] + perRow);
      }
      return {
        indptr,
        indices,
        conf,
        target,
        other,
        otherRows,
        regBase: cfg.alpha0 * otherRows,
        solveRanges: rangesByCost(cost, parts),
        solveFlops: cost[M.rows] * 4 * (cfg.maxCgSteps + 1) * kp,
        gramRanges: gramRanges(otherRows),
        heavy,
        rotate,
      };
    };
    this.users = side(X, XT, this.U, this.V, X.cols);
    this.items = side(XT, X, this.V, this.U, X.rows);
    const maxGramSlots = Math.max(this.users.gramRanges.length, this.items.gramRanges.length, 1);
    this.dense = sharedF32(kp * kp);
    this.rotation = sharedF32(cfg.k * kp);
    this.rotateRanges = evenRanges(X.rows + X.cols, this.pool.size * ROTATE_PARTS_PER_THREAD);
    this.rotateScratch = sharedF32(Math.max(1, this.rotateRanges.length) * 4 * kp);
    this.gramSlots = sharedF64(maxGramSlots * kp * kp);
    const maxSolve = Math.max(this.users.solveRanges.length, this.items.solveRanges.length, 1);
    this.scratch = sharedF32(maxSolve * 3 * kp);
    this.owned.push(this.U, this.V, this.dense, this.rotation, this.rotateScratch, this.gramSlots, this.scratch);
  }

  /** The worker pool for a step of `flops` work, or the calling thread for small steps. */
  private poolFor(flops: number): WorkerPool {
    return flops < INLINE_FLOPS ? this.inline : this.pool;
  }

  async runEpoch(): Promise<void> {
    await this.updateSide(this.users);
    await this.updateSide(this.items);
  }

  private async updateSide(s: Side): Promise<void> {
    const { kp, cfg } = this;
    if (cfg.alpha0 === 0) this.dense.fill(0);
    else await this.prepareDense(s);
    const args: IalsSideArgs = {
      indptr: s.indptr,
      indices: s.indices,
      conf: s.conf,
      target: s.target,
      other: s.other,
      kp,
      dense: this.dense,
      full: cfg.alpha0 !== 0 && !s.rotate,
      reg: cfg.reg,
      regBase: s.regBase,
      nu: cfg.nu,
      maxSteps: cfg.maxCgSteps,
      scratch: this.scratch,
      skip: s.heavy.count > 0 ? s.heavy.mask : null,
      resident: this.resident,
    };
    await s.heavy.solve(
      this.poolFor(s.heavy.sweepFlops),
      s.target,
      s.other,
      this.dense,
      args.full,
      args,
      this.resident,
    );
    const status = await this.poolFor(s.solveFlops).run(ialsSolveRows, args, s.solveRanges);
    if (status.some((v) => v !== 0)) {
      throw new TrainingError('Conjugate-gradient solver encountered a singular system.', 'cg_singular_system');
    }
  }

  /**
   * A = α₀·VᵀV for the side about to be solved. On a rotating side, both factor matrices are
   * rotated into the eigenbasis VᵀV = QΛQᵀ (U ← UQ, V ← VQ keeps every score U·Vᵀ), so that A
   * becomes diag(α₀Λ); otherwise A is kept as the full matrix.
   */
  private async prepareDense(s: Side): Promise<void> {
    const { kp, cfg } = this;
    const k = cfg.k;
    const kk = kp * kp;
    const gArgs: GramArgs = { factors: s.other, kp, out: this.gramSlots, resident: this.resident };
    await this.poolFor(s.otherRows * kk * 2).run(factorGramRows, gArgs, s.gramRanges);
    // Partial sums added in range order over the upper triangle (the slots are symmetric), mirrored.
    const G = new Float64Array(k * k);
    const slots = this.gramSlots;
    for (let g = 0; g < s.gramRanges.length; g++) {
      const off = g * kk;
      for (let i = 0; i < k; i++) {
        const src = off + i * kp;
        for (let j = i; j < k; j++) G[i * k + j] += slots[src + j];
      }
    }
    for (let i = 1; i < k; i++) for (let j = 0; j < i; j++) G[i * k + j] = G[j * k + i];
    this.dense.fill(0);
    if (!s.rotate) {
      for (let i = 0; i < k; i++) for (let j = 0; j < k; j++) this.dense[i * kp + j] = cfg.alpha0 * G[i * k + j];
      return;
    }
    const { values, vectors } = symmetricEigen(G, k);
    // Q[t, c] = component t of eigenvector c
    this.rotation.fill(0);
    for (let c = 0; c < k; c++) for (let t = 0; t < k; t++) this.rotation[t * kp + c] = vectors[c * k + t];
    const rows = [this.U.length / kp, this.V.length / kp];
    const rArgs: RotateArgs = {
      matrices: [this.U, this.V],
      rows,
      kp,
      k,
      Q: this.rotation,
      scratch: this.rotateScratch,
      resident: this.resident,
    };
    await this.poolFor((rows[0] + rows[1]) * k * kp * 2).run(rotateRows, rArgs, this.rotateRanges);
    for (let c = 0; c < k; c++) this.dense[c] = cfg.alpha0 * Math.max(values[c], 0);
  }

  /** Plain (non-shared) copies of the factors (none when `discard`), then release every shared buffer. */
  release(discard = false): { U: Float32Array; V: Float32Array } | null {
    const out = discard ? null : { U: Float32Array.from(this.U), V: Float32Array.from(this.V) };
    for (const a of this.owned) releaseShared(a);
    this.owned.length = 0;
    this.users.heavy.release();
    this.items.heavy.release();
    return out;
  }
}

/** [0, n) cut into at most `parts` ranges of nearly equal length. */
function evenRanges(n: number, parts: number): Range[] {
  const count = Math.max(1, Math.min(parts, n));
  const out: Range[] = [];
  for (let i = 0; i < count; i++) {
    const s = Math.floor((i * n) / count);
    const e = Math.floor(((i + 1) * n) / count);
    if (e > s) out.push([s, e]);
  }
  return out;
}

function gramRanges(rows: number): Range[] {
  return evenRanges(rows, Math.min(GRAM_MAX_PARTS, Math.ceil(rows / GRAM_MIN_ROWS)));
}
