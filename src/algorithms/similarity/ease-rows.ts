/**
 * Final step of the user-side (Woodbury) EASE route: rows of Q = Xᵀ·Y (Y = M·X, U × I) turned
 * into W[i,j] = Q[i,j]·scale[j] with a zero diagonal. Blocks of rows go through the sparse × dense
 * kernel (WebAssembly SIMD when loaded); ranges of rows run on pool workers over shared buffers.
 */
import type { CsrMatrix } from '../../linalg/csr.js';
import { spmm } from '../../linalg/dense.js';
import { spmm64 } from '../../linalg/kernels.js';
import { defineTask, getPool, rangesByCost, rowCostPrefix, type TaskContext } from '../../linalg/pool.js';
import { isResident, releaseShared, sharedF64, toShared } from '../../linalg/resident.js';

export interface EaseRowsArgs {
  /** Xᵀ (items × users), float32 values. */
  xtIndptr: Int32Array;
  xtIndices: Int32Array;
  xtData: Float32Array;
  nUsers: number;
  /** Y = M·X, row-major U × nItems. */
  Y: Float64Array;
  /** 1 / (1 − Q[j,j]). */
  scale: Float64Array;
  /** Output, row-major nItems × nItems. */
  W: Float32Array;
  nItems: number;
  /**
   * Scratch blocks of BLOCK_ROWS × nItems doubles allocated on the main thread (workers cannot
   * allocate kernel memory), one per range; range r starts at rangeStarts[r].
   */
  blocks?: Float64Array[];
  rangeStarts?: Int32Array;
  /** All arrays above are kernel-heap views: workers may call the kernel by address. */
  resident?: boolean;
}

const BLOCK_ROWS = 16;

export function computeEaseRows(a: EaseRowsArgs, start: number, end: number, ctx?: TaskContext): void {
  const n = a.nItems;
  const Xt: CsrMatrix = { rows: n, cols: a.nUsers, indptr: a.xtIndptr, indices: a.xtIndices, data: a.xtData };
  const given = a.blocks && a.rangeStarts ? a.blocks[a.rangeStarts.indexOf(start)] : undefined;
  const block = given ?? sharedF64(BLOCK_ROWS * n);
  try {
    for (let r0 = start; r0 < end; r0 += BLOCK_ROWS) {
      const r1 = Math.min(end, r0 + BLOCK_ROWS);
      if (ctx === undefined || ctx.threadId === 0) {
        spmm64(Xt, a.Y, n, n, block, n, r0, r1, true);
      } else if (ctx.kernels !== null && a.resident === true && n % 2 === 0) {
        // Worker: heap views share addresses across threads, so call the kernel directly.
        ctx.kernels.spmm_f64(
          a.xtIndptr.byteOffset,
          a.xtIndices.byteOffset,
          a.xtData.byteOffset,
          a.Y.byteOffset,
          n,
          n,
          block.byteOffset,
          n,
          r0,
          r1,
          1,
        );
      } else {
        spmm(Xt, a.Y, n, n, block, n, r0, r1, true);
      }
      for (let i = r0; i < r1; i++) {
        const src = (i - r0) * n;
        const dst = i * n;
        for (let j = 0; j < n; j++) a.W[dst + j] = block[src + j] * a.scale[j];
        a.W[dst + i] = 0;
      }
    }
  } finally {
    if (given === undefined) releaseShared(block);
  }
}

export const easeRowsTask = defineTask(
  import.meta.url,
  'easeWoodburyRows',
  (a: EaseRowsArgs, start: number, end: number, ctx: TaskContext) => computeEaseRows(a, start, end, ctx),
);

/** Fill all rows of W, on `threads` threads. `Y` should come from `sharedF64` when threads > 1. */
export async function easeRows(a: Omit<EaseRowsArgs, 'W'>, threads: number): Promise<Float32Array> {
  const n = a.nItems;
  if (threads <= 1) {
    const W = new Float32Array(n * n);
    computeEaseRows({ ...a, W }, 0, n);
    return W;
  }
  // Shared output that is garbage-collected with the model (not a kernel-heap view).
  const W = new Float32Array(new SharedArrayBuffer(n * n * 4));
  const shared = { xtIndptr: toShared(a.xtIndptr), xtIndices: toShared(a.xtIndices), xtData: toShared(a.xtData) };
  const ranges = rangesByCost(rowCostPrefix(a.xtIndptr, 1), threads * 4);
  const blocks = ranges.map(() => sharedF64(BLOCK_ROWS * n));
  const rangeStarts = Int32Array.from(ranges.map(([s]) => s));
  try {
    const resident = [a.Y, shared.xtIndptr, shared.xtIndices, shared.xtData, ...blocks].every((x) => isResident(x));
    await getPool(threads).run(easeRowsTask, { ...a, ...shared, W, blocks, rangeStarts, resident }, ranges);
  } finally {
    releaseShared(shared.xtIndptr);
    releaseShared(shared.xtIndices);
    releaseShared(shared.xtData);
    for (const b of blocks) releaseShared(b);
  }
  return W;
}
