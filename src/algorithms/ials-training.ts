/**
 * The training state of IALS (training.md §2.8): the interaction matrix and its transpose, both
 * factor matrices, the diagonal of α₀·VᵀV and per-range scratch, all in shared memory so the pool's
 * workers solve rows in place. One epoch = all users (items fixed), then all items (users fixed).
 * Before each half-epoch both factor matrices are rotated into the eigenbasis of the fixed side's
 * Gram matrix; scores and CG iterates are invariant under that rotation, and the K × K term of
 * every CG product becomes a diagonal.
 */
import { TrainingError } from '../errors/index.js';
import { type CsrMatrix, transpose } from '../linalg/csr.js';
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

/** Rows per Gram partial sum: fixed, so the summation order (and result) ignores the thread count. */
const GRAM_ROWS = 2048;
/** Rows per rotation task. */
const ROTATE_ROWS = 4096;
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
  gramRanges: Range[];
  heavy: HeavyRows;
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

export class IalsTraining {
  readonly pool: WorkerPool;
  readonly U: Float32Array;
  readonly V: Float32Array;
  private readonly users: Side;
  private readonly items: Side;
  private readonly diag: Float32Array;
  private readonly rotation: Float32Array;
  private readonly rotateRanges: Range[];
  private readonly rotateScratch: Float32Array;
  private readonly gramSlots: Float64Array;
  private readonly scratch: Float32Array;
  private readonly resident: boolean;
  private readonly owned: (Float32Array | Float64Array | Int32Array)[] = [];

  constructor(
    X: CsrMatrix,
    readonly cfg: IalsConfig,
    readonly kp: number,
    threads: number,
  ) {
    this.pool = getPool(threads);
    const XT = transpose(X);
    // The original fills both matrices from generators seeded with the same value.
    this.U = initFactors(X.rows, cfg.k, kp, cfg.initStd, cfg.seed);
    this.V = initFactors(X.cols, cfg.k, kp, cfg.initStd, cfg.seed);
    this.resident = isResident(this.U);
    const parts = this.pool.size * RANGES_PER_THREAD;
    // Per-row cost in units of one stored entry: the dense K × K products against the entries'
    // 4·K-flop updates, per CG matrix product.
    const perRow = kp / 2 + 2;
    const heavyThreshold = Math.floor(HEAVY_ROW_BYTES / (4 * kp));
    const side = (M: CsrMatrix, MT: CsrMatrix, target: Float32Array, other: Float32Array, otherRows: number): Side => {
      const indptr = toShared(M.indptr);
      const indices = toShared(M.indices);
      const conf = confidences(M.data, cfg);
      this.owned.push(indptr, indices, conf);
      const confT = Float32Array.from(MT.data, (v) => (cfg.confidence === 'log' ? Math.log1p(v / cfg.epsilon) : v));
      const heavy = new HeavyRows(M, MT, confT, heavyThreshold, kp);
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
        gramRanges: fixedRanges(otherRows, GRAM_ROWS),
        heavy,
      };
    };
    this.users = side(X, XT, this.U, this.V, X.cols);
    this.items = side(XT, X, this.V, this.U, X.rows);
    const maxGramSlots = Math.max(this.users.gramRanges.length, this.items.gramRanges.length, 1);
    this.diag = sharedF32(kp);
    this.rotation = sharedF32(cfg.k * kp);
    this.rotateRanges = fixedRanges(X.rows + X.cols, ROTATE_ROWS);
    this.rotateScratch = sharedF32(Math.max(1, this.rotateRanges.length) * 4 * kp);
    this.gramSlots = sharedF64(maxGramSlots * kp * kp);
    const maxSolve = Math.max(this.users.solveRanges.length, this.items.solveRanges.length, 1);
    this.scratch = sharedF32(maxSolve * 3 * kp);
    this.owned.push(this.U, this.V, this.diag, this.rotation, this.rotateScratch, this.gramSlots, this.scratch);
  }

  async runEpoch(): Promise<void> {
    await this.updateSide(this.users);
    await this.updateSide(this.items);
  }

  private async updateSide(s: Side): Promise<void> {
    const { kp, cfg } = this;
    if (cfg.alpha0 !== 0) await this.diagonalize(s);
    else this.diag.fill(0);
    const args: IalsSideArgs = {
      indptr: s.indptr,
      indices: s.indices,
      conf: s.conf,
      target: s.target,
      other: s.other,
      kp,
      diag: this.diag,
      reg: cfg.reg,
      regBase: s.regBase,
      nu: cfg.nu,
      maxSteps: cfg.maxCgSteps,
      scratch: this.scratch,
      skip: s.heavy.count > 0 ? s.heavy.mask : null,
      resident: this.resident,
    };
    await s.heavy.solve(this.pool, s.target, s.other, this.diag, args, this.resident);
    const status = await this.pool.run(ialsSolveRows, args, s.solveRanges);
    if (status.some((v) => v !== 0)) {
      throw new TrainingError('Conjugate-gradient solver encountered a singular system.', 'cg_singular_system');
    }
  }

  /**
   * Rotate both factor matrices into the eigenbasis of the fixed side's Gram matrix VᵀV = QΛQᵀ
   * (U ← UQ, V ← VQ keeps every score U·Vᵀ), so that α₀·VᵀV becomes diag(α₀Λ).
   */
  private async diagonalize(s: Side): Promise<void> {
    const { kp, cfg } = this;
    const k = cfg.k;
    const kk = kp * kp;
    const gArgs: GramArgs = { factors: s.other, kp, out: this.gramSlots, resident: this.resident };
    await this.pool.run(factorGramRows, gArgs, s.gramRanges);
    const G = new Float64Array(k * k);
    for (let g = 0; g < s.gramRanges.length; g++) {
      const off = g * kk;
      for (let i = 0; i < k; i++) for (let j = 0; j < k; j++) G[i * k + j] += this.gramSlots[off + i * kp + j];
    }
    const { values, vectors } = symmetricEigen(G, k);
    // Q[t, c] = component t of eigenvector c
    this.rotation.fill(0);
    for (let c = 0; c < k; c++) for (let t = 0; t < k; t++) this.rotation[t * kp + c] = vectors[c * k + t];
    const rArgs: RotateArgs = {
      matrices: [this.U, this.V],
      rows: [this.U.length / kp, this.V.length / kp],
      kp,
      k,
      Q: this.rotation,
      scratch: this.rotateScratch,
      resident: this.resident,
    };
    await this.pool.run(rotateRows, rArgs, this.rotateRanges);
    this.diag.fill(0);
    for (let c = 0; c < k; c++) this.diag[c] = cfg.alpha0 * Math.max(values[c], 0);
  }

  /** Plain (non-shared) copies of the factors, then release every shared buffer. */
  release(): { U: Float32Array; V: Float32Array } {
    const out = { U: Float32Array.from(this.U), V: Float32Array.from(this.V) };
    for (const a of this.owned) releaseShared(a);
    this.owned.length = 0;
    this.users.heavy.release();
    this.items.heavy.release();
    return out;
  }
}

function fixedRanges(n: number, size: number): Range[] {
  const out: Range[] = [];
  for (let s = 0; s < n; s += size) out.push([s, Math.min(n, s + size)]);
  return out;
}
