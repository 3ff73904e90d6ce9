/**
 * Evaluation of item-item models with a sparse W on the worker pool: each worker scores a block of
 * users (their training row times W, as `scoreUsers` does), then masks, ranks and scores that
 * block. Scoring is most of such an evaluation, so it runs on every pool thread instead of the
 * calling thread alone.
 *
 * Users go to the pool in ranges whose size depends on the user count only, and per-range sums are
 * added in range order, so the result does not depend on the thread count.
 */
import type { CsrMatrix } from '../linalg/csr.js';
import { defineTask, type TaskContext, type WorkerPool } from '../linalg/pool.js';
import { releaseShared, sharedF32, sharedF64, sharedI32, toShared } from '../linalg/resident.js';
import { scoreKnownUsers } from './item-scoring.js';
import { MetricSums } from './metrics.js';
import {
  type MatrixViews,
  type RankingBatch,
  type RankingSums,
  rangeUsers,
  rankBatchRows,
  userRanges,
} from './ranking-task.js';

/** Score bytes per worker block (a block is scored, then ranked, while it is still in cache). */
const BLOCK_SCORE_BYTES = 2 << 20;

interface ItemRankingArgs extends Omit<RankingBatch, 'scores' | 'users' | 'gtRows'> {
  W: CsrMatrix;
  /** the model's training rows (what each user's scores are built from) */
  seen: CsrMatrix;
  users: Int32Array;
  gtRows: Int32Array;
  block: number;
  /** per-thread slots of block × nItems scores */
  scoreSlots: Float32Array;
}

/** Score, mask, rank and sum metrics for evaluated users [start, end). */
export const itemRankTask = defineTask(
  import.meta.url,
  'itemRankUsers',
  (a: ItemRankingArgs, start: number, end: number, ctx: TaskContext): RankingSums => {
    const { block, nItems } = a;
    const slot = ctx.threadId;
    const scores = a.scoreSlots.subarray(slot * block * nItems, (slot + 1) * block * nItems);
    const weights = { kind: 'sparse' as const, W: a.W };
    const sums = new MetricSums();
    for (let b = start; b < end; b += block) {
      const n = Math.min(block, end - b);
      const users = a.users.subarray(b, b + n);
      scoreKnownUsers(weights, a.seen, users, scores);
      sums.merge(rankBatchRows({ ...a, scores, users, gtRows: a.gtRows.subarray(b, b + n) }, 0, n, ctx));
    }
    return sums;
  },
);

/**
 * Metric sums of the evaluated users (`users`: model rows, `gtRows`: ground-truth rows) of an
 * item-item model with sparse weights `W`, on `pool`. `mask` and `gt` must already be readable by
 * the pool's threads; `W` and `seen` are copied into shared memory only when they are not there yet.
 */
export async function itemRankingSums(
  W: CsrMatrix,
  seen: CsrMatrix,
  k: number,
  users: Int32Array,
  gtRows: Int32Array,
  matrices: MatrixViews,
  pool: WorkerPool,
  sums: MetricSums,
): Promise<void> {
  const nItems = seen.cols;
  const owned: (Float32Array | Float64Array | Int32Array)[] = [];
  const share = <T extends Float32Array | Int32Array>(a: T): T => {
    if (a.buffer instanceof SharedArrayBuffer) return a;
    const copy = toShared(a);
    owned.push(copy);
    return copy;
  };
  const alloc = <T extends Float32Array | Float64Array | Int32Array>(a: T): T => {
    owned.push(a);
    return a;
  };
  const csr = (m: CsrMatrix): CsrMatrix => ({
    rows: m.rows,
    cols: m.cols,
    indptr: share(m.indptr),
    indices: share(m.indices),
    data: share(m.data),
  });
  try {
    const rangeSize = rangeUsers(users.length);
    const block = Math.max(1, Math.min(rangeSize, Math.floor(BLOCK_SCORE_BYTES / (4 * nItems))));
    const slots = pool.size + 1;
    const args: ItemRankingArgs = {
      W: csr(W),
      seen: csr(seen),
      users: share(users),
      gtRows: share(gtRows),
      nItems,
      k,
      ...matrices,
      block,
      scoreSlots: alloc(sharedF32(slots * block * nItems)),
      heapRanked: alloc(sharedI32(slots * k)),
      heapValues: alloc(sharedF64(slots * k)),
    };
    for (const part of await pool.run(itemRankTask, args, userRanges(users.length))) sums.merge(part);
  } finally {
    for (const a of owned) releaseShared(a);
  }
}
