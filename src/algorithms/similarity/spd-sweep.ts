/**
 * Blocked in-place inverse of a dense SPD matrix by symmetric block sweeps (block Gauss–Jordan
 * with the diagonal blocks as pivots, which stay positive definite for an SPD input). For each
 * block K of nb columns, with P = A[:,K] (packed from the lower triangle) and D = A[K,K]:
 *   T = P·D⁻¹;  A[i,j] −= T[i]·P[j] (lower triangle);  A[i,K] = T[i];  A[K,K] = −D⁻¹.
 * After every block has been swept A holds −A⁻¹. The n³ multiply-adds all go through one
 * register-blocked kernel (C = beta·C + alpha·A·Bᵀ on contiguous rows): WebAssembly SIMD on the
 * kernel heap when available, its TypeScript twin otherwise; rows are spread over the worker pool.
 */
import { TrainingError } from '../../errors/index.js';
import { defineTask, getPool, type Range, rangesByCost, type TaskContext } from '../../linalg/pool.js';
import { ntF64, recsysKernels } from '../../linalg/recsys-kernels.js';
import { isResident, releaseShared, sharedF64 } from '../../linalg/resident.js';
import { wasmRuntime } from '../../linalg/wasm/runtime.js';
import { spdInverseInPlace } from './spd-inverse.js';

/** Below this size the unblocked routine is as fast. */
const BLOCKED_MIN_N = 160;
/** Kernel-heap budget for the matrix itself (the heap tops out at 4 GiB). */
const HEAP_MATRIX_MAX_BYTES = 3 * 1024 ** 3;

interface SweepStepArgs {
  A: Float64Array;
  n: number;
  P: Float64Array;
  Dinv: Float64Array;
  T: Float64Array;
  kp: number;
  /** All four arrays are kernel-heap views. */
  resident: boolean;
}

/** Rows [start, end): T = P·D⁻¹ for those rows, then their lower-triangle update. */
function sweepRows(a: SweepStepArgs, start: number, end: number, memory: WebAssembly.Memory | null): void {
  const { A, n, P, Dinv, T, kp } = a;
  const m = end - start;
  const kernel = a.resident ? recsysKernels(memory) : null;
  if (kernel !== null) {
    kernel.nt_f64(
      m,
      kp,
      kp,
      P.byteOffset + start * kp * 8,
      kp,
      Dinv.byteOffset,
      kp,
      T.byteOffset + start * kp * 8,
      kp,
      0,
      1,
      -1,
    );
    kernel.nt_f64(
      m,
      end,
      kp,
      T.byteOffset + start * kp * 8,
      kp,
      P.byteOffset,
      kp,
      A.byteOffset + start * n * 8,
      n,
      1,
      -1,
      start,
    );
    return;
  }
  ntF64(m, kp, kp, P, start * kp, kp, Dinv, 0, kp, T, start * kp, kp, 0, 1, -1);
  ntF64(m, end, kp, T, start * kp, kp, P, 0, kp, A, start * n, n, 1, -1, start);
}

export const sweepRowsTask = defineTask(
  import.meta.url,
  'spdSweepRows',
  (a: SweepStepArgs, start: number, end: number, ctx: TaskContext) => sweepRows(a, start, end, ctx.memory),
);

/**
 * An n × n float64 matrix to fill and invert with `spdInverseBlocked`: a kernel-heap view when the
 * kernels are loaded and it fits, else shared memory. Release it with `releaseShared`.
 */
export function allocSpdMatrix(n: number): Float64Array {
  if (n * n * 8 <= HEAP_MATRIX_MAX_BYTES) {
    try {
      return sharedF64(n * n);
    } catch {
      // The kernel heap cannot grow that far next to what it already holds: plain shared memory.
    }
  }
  return new Float64Array(new SharedArrayBuffer(n * n * 8));
}

/**
 * Replace the SPD matrix `A` (n × n, row-major; only the lower triangle is read) by its full
 * symmetric inverse. Throws TrainingError (code not_positive_definite) when a pivot block is not
 * positive definite.
 */
export async function spdInverseBlocked(A: Float64Array, n: number, threads = 1): Promise<void> {
  if (n < BLOCKED_MIN_N) {
    spdInverseInPlace(A, n);
    return;
  }
  const nb = 128;
  const kp = nb;
  const P = sharedF64(n * kp);
  const T = sharedF64(n * kp);
  const Dinv = sharedF64(kp * kp);
  const resident = wasmRuntime() !== null && [A, P, T, Dinv].every((x) => isResident(x));
  // Workers can only update a matrix in shared memory.
  const pool = getPool(A.buffer instanceof SharedArrayBuffer ? threads : 1);
  const args: SweepStepArgs = { A, n, P, Dinv, T, kp, resident };
  const D = new Float64Array(nb * nb);
  try {
    for (let k0 = 0; k0 < n; k0 += nb) {
      const k1 = Math.min(n, k0 + nb);
      const w = k1 - k0;
      packPanel(A, n, k0, w, P, kp);
      // D⁻¹ of the pivot block, zero-padded to kp × kp.
      D.fill(0);
      for (let a = 0; a < w; a++) for (let b = 0; b < w; b++) D[a * w + b] = P[(k0 + a) * kp + b];
      try {
        spdInverseInPlace(D, w);
      } catch (err) {
        throw new TrainingError(`matrix is not positive definite (block at ${k0})`, 'not_positive_definite', {
          cause: err,
        });
      }
      Dinv.fill(0);
      for (let a = 0; a < w; a++) for (let b = 0; b < w; b++) Dinv[a * kp + b] = D[a * w + b];
      await pool.run(sweepRowsTask, args, rowRanges(n, pool.size));
      writeBand(A, n, k0, w, T, kp, D);
    }
  } finally {
    releaseShared(P);
    releaseShared(T);
    releaseShared(Dinv);
  }
  // A holds −A⁻¹ in its lower triangle: negate and mirror.
  for (let i = 0; i < n; i++) {
    const ri = i * n;
    for (let j = 0; j <= i; j++) {
      const v = -A[ri + j];
      A[ri + j] = v;
      A[j * n + i] = v;
    }
  }
}

/** P[i, c] = A[i, k0 + c] for c < w, read from the lower triangle; columns w..kp-1 zero. */
function packPanel(A: Float64Array, n: number, k0: number, w: number, P: Float64Array, kp: number): void {
  P.fill(0);
  // Rows i < k0 + c sit above the diagonal: read A[k0 + c, i], a contiguous row segment.
  for (let c = 0; c < w; c++) {
    const rk = (k0 + c) * n;
    for (let i = 0; i < k0 + c; i++) P[i * kp + c] = A[rk + i];
  }
  for (let i = k0; i < n; i++) {
    const ri = i * n + k0;
    const cEnd = Math.min(w, i - k0 + 1);
    for (let c = 0; c < cEnd; c++) P[i * kp + c] = A[ri + c];
  }
}

/** After the update: A[i, K] = T[i] for i outside K (lower-triangle storage), A[K,K] = −D⁻¹. */
function writeBand(
  A: Float64Array,
  n: number,
  k0: number,
  w: number,
  T: Float64Array,
  kp: number,
  Dinv: Float64Array,
): void {
  const k1 = k0 + w;
  for (let c = 0; c < w; c++) {
    const rk = (k0 + c) * n;
    for (let i = 0; i < k0; i++) A[rk + i] = T[i * kp + c];
  }
  for (let i = k1; i < n; i++) {
    const ri = i * n + k0;
    for (let c = 0; c < w; c++) A[ri + c] = T[i * kp + c];
  }
  for (let a = 0; a < w; a++) for (let b = 0; b <= a; b++) A[(k0 + a) * n + k0 + b] = -Dinv[a * w + b];
}

/** Row ranges of about equal lower-triangle work (row i costs i + 1 entries). */
function rowRanges(n: number, threads: number): Range[] {
  if (threads <= 1) return [[0, n]];
  const prefix = new Float64Array(n + 1);
  for (let i = 0; i < n; i++) prefix[i + 1] = prefix[i] + i + 1;
  return rangesByCost(prefix, threads * 3);
}
