/**
 * Evaluation of latent-factor models on the worker pool: each worker scores a block of users
 * against the item factors (packed once into panels of 8 items, `gemm_packed_f32`), then masks,
 * ranks and scores that block. Scoring is the cost of a
 * full-ranking evaluation (users × items × factors multiply-adds), so it is spread over every pool
 * thread instead of running on the calling thread.
 *
 * Users go to the pool in ranges of fixed size and per-range sums are added in range order, so
 * the result does not depend on the thread count.
 */
import { defineTask, type TaskContext, type WorkerPool } from '../linalg/pool.js';
import { packedPanelsLength, recsysKernels } from '../linalg/recsys-kernels.js';
import { isResident, releaseShared, sharedF32, sharedF64, sharedI32, toShared } from '../linalg/resident.js';
import { wasmRuntime } from '../linalg/wasm/runtime.js';
import { MetricSums } from './metrics.js';
import {
  type MatrixViews,
  type RankingBatch,
  type RankingSums,
  rangeUsers,
  rankBatchRows,
  userRanges,
} from './ranking-task.js';
import type { FactorScoring } from './types.js';

/**
 * Score bytes per worker block. The kernel walks every user of a block over each cached block of
 * item panels, so larger user blocks read the item factors fewer times; at 20k items this gives
 * about 100 users (measured: 12-user blocks cost about 10% more CPU than 64- to 192-user ones).
 */
const BLOCK_SCORE_BYTES = 8 << 20;

interface FactorRankingArgs extends Omit<RankingBatch, 'scores' | 'users' | 'gtRows'> {
  /** user factors (stride kp), kernel heap */
  userF: Float32Array;
  kp: number;
  /** columns multiplied: kp, or kp + 4 when an item bias rides along in column kp */
  width: number;
  bias: boolean;
  /** item factors (and bias) packed in panels of 8 items, kernel heap */
  packed: Float32Array;
  /** model rows and ground-truth rows of the evaluated users */
  users: Int32Array;
  gtRows: Int32Array;
  /** users per block, and per-thread slots of block × nItems scores and block × width user rows */
  block: number;
  scoreSlots: Float32Array;
  userSlots: Float32Array;
}

/** Score, mask, rank and sum metrics for evaluated users [start, end). */
export const factorRankTask = defineTask(
  import.meta.url,
  'factorRankUsers',
  (a: FactorRankingArgs, start: number, end: number, ctx: TaskContext): RankingSums => {
    const kern = recsysKernels(ctx.memory);
    if (!kern) throw new Error('factorRankUsers: the scoring kernels are not loaded in this thread');
    const { block, width, kp, nItems } = a;
    const slot = ctx.threadId;
    const scores = a.scoreSlots.subarray(slot * block * nItems, (slot + 1) * block * nItems);
    const rows = a.userSlots.subarray(slot * block * width, (slot + 1) * block * width);
    rows.fill(0);
    const sums = new MetricSums();
    for (let b = start; b < end; b += block) {
      const n = Math.min(block, end - b);
      for (let r = 0; r < n; r++) {
        const u = a.users[b + r];
        rows.set(a.userF.subarray(u * kp, u * kp + kp), r * width);
        if (a.bias) rows[r * width + kp] = 1;
      }
      kern.gemm_packed_f32(n, nItems, width, rows.byteOffset, width, a.packed.byteOffset, scores.byteOffset, nItems);
      const part = rankBatchRows(
        { ...a, scores, users: a.users.subarray(b, b + n), gtRows: a.gtRows.subarray(b, b + n) },
        0,
        n,
        ctx,
      );
      sums.merge(part);
    }
    return {
      ndcg: sums.ndcg,
      map: sums.map,
      recall: sums.recall,
      hit: sums.hit,
      precision: sums.precision,
      validUsers: sums.validUsers,
    };
  },
);

/** True when the packed scoring kernels are loaded (else the evaluator scores through `scoreUsers`). */
export function factorRankingAvailable(): boolean {
  return recsysKernels(wasmRuntime()?.memory ?? null) !== null;
}

/**
 * Metric sums of the evaluated users (`users`: model rows, `gtRows`: ground-truth rows) of a
 * factor model, on `pool`. `mask` and `gt` must already be readable by the pool's threads.
 */
export async function factorRankingSums(
  f: FactorScoring,
  nItems: number,
  k: number,
  users: Int32Array,
  gtRows: Int32Array,
  matrices: MatrixViews,
  pool: WorkerPool,
  sums: MetricSums,
): Promise<void> {
  const rt = wasmRuntime();
  const kern = recsysKernels(rt?.memory ?? null);
  if (!rt || !kern) throw new Error('factorRankingSums: the scoring kernels are not loaded');
  const { kp } = f;
  const bias = f.itemBias !== undefined;
  const width = bias ? kp + 4 : kp;
  const rangeSize = rangeUsers(users.length);
  // a block never spans two ranges, so it need not exceed one
  const block = Math.max(4, Math.min(256, rangeSize, Math.floor(BLOCK_SCORE_BYTES / (4 * nItems)) & ~3));
  const owned: (Float32Array | Float64Array | Int32Array)[] = [];
  const heap = <T extends Float32Array | Int32Array>(a: T): T => {
    if (isResident(a)) return a;
    const copy = toShared(a);
    owned.push(copy);
    return copy;
  };
  const alloc = <T extends Float32Array | Float64Array | Int32Array>(a: T): T => {
    owned.push(a);
    return a;
  };
  try {
    const userF = heap(f.userF);
    // item rows with the bias in column kp when there is one, packed into panels
    let items = heap(f.itemF);
    if (bias) {
      items = alloc(sharedF32(nItems * width));
      for (let i = 0; i < nItems; i++) {
        items.set(f.itemF.subarray(i * kp, i * kp + kp), i * width);
        items[i * width + kp] = f.itemBias?.[i] ?? 0;
      }
    }
    const packed = alloc(sharedF32(packedPanelsLength(nItems, width)));
    kern.pack_panels_f32(items.byteOffset, width, nItems, width, packed.byteOffset);
    const slots = pool.size + 1;
    const args: FactorRankingArgs = {
      userF,
      kp,
      width,
      bias,
      packed,
      users: heap(users),
      gtRows: heap(gtRows),
      nItems,
      k,
      ...matrices,
      block,
      scoreSlots: alloc(sharedF32(slots * block * nItems)),
      userSlots: alloc(sharedF32(slots * block * width)),
      heapRanked: alloc(sharedI32(slots * k)),
      heapValues: alloc(sharedF64(slots * k)),
    };
    for (const part of await pool.run(factorRankTask, args, userRanges(users.length))) sums.merge(part);
  } finally {
    for (const a of owned) releaseShared(a);
  }
}
