/**
 * Accuracy of a recommender on held-out interactions. For each evaluation user
 * (row `offset + e` of the model's matrix, ground truth row e of `groundTruth`): score all items,
 * mask the user's training items to −∞, rank (higher score first, ties → smaller index, masked
 * items last), and average hit / recall / nDCG / MAP / precision @k over users with a non-empty
 * ground truth. Latent-factor models are scored, ranked and summed block by block on the worker
 * pool (./factor-ranking.ts). Other models are scored in batches through `model.scoreUsers` on the
 * calling thread while the previous batch is masked, ranked (SIMD top-k kernel when loaded) and
 * scored on the worker pool, so scoring and ranking overlap.
 */
import { TrainingError } from '../errors/index.js';
import type { CsrMatrix } from '../linalg/csr.js';
import { getPool } from '../linalg/pool.js';
import { isResident, releaseShared, sharedF32, sharedF64, sharedI32, toShared } from '../linalg/resident.js';
import { factorRankingAvailable, factorRankingSums } from './factor-ranking.js';
import { itemRankingSums } from './item-ranking.js';
import { MetricSums } from './metrics.js';
import { type MatrixViews, type RankingBatch, rankBatchTask } from './ranking-task.js';
import type { Recommender } from './types.js';

export const METRIC_NAMES = ['ndcg', 'map', 'recall', 'hit'] as const;
export type MetricName = (typeof METRIC_NAMES)[number];

export interface EvaluatorOptions {
  /** Row of the model's matrix holding ground-truth row 0 (`val_offset`). Default 0. */
  offset?: number;
  /** k of the @k metrics. Default 10. */
  cutoff?: number;
  /** Target metric of `targetScore`, case-insensitive. Default 'ndcg'. */
  metric?: string;
  /** Matrix whose rows are masked; defaults to the model's `trainMatrix`. */
  mask?: CsrMatrix;
  /** Users scored per `scoreUsers` call (default: about 4M scores per batch). */
  batchSize?: number;
  /** Threads ranking the scored batches (the worker pool); default 1 (all on the calling thread). */
  threads?: number;
}

export interface EvaluationResult {
  ndcg: number;
  map: number;
  recall: number;
  hit: number;
  precision: number;
  /** Users with a non-empty ground truth (the denominator of every metric). */
  nUsersEvaluated: number;
  /** All ground-truth rows, empty ones included. */
  nUsersTotal: number;
}

/** Raise the `cutoff ≤ n_items` error right after the split instead of inside a trial. */
export function validateCutoff(cutoff: number, nItems: number): void {
  if (!Number.isInteger(cutoff) || cutoff < 1) {
    throw new TrainingError(`cutoff must be a positive integer, got ${cutoff}`, 'invalid_cutoff');
  }
  if (cutoff > nItems) {
    throw new TrainingError(
      `cutoff must not exceed the number of items (cutoff=${cutoff}, n_items=${nItems})`,
      'invalid_cutoff',
    );
  }
}

export function parseMetric(metric: string): MetricName {
  const m = metric.toLowerCase();
  if (!(METRIC_NAMES as readonly string[]).includes(m)) {
    throw new TrainingError(`metric must be one of ${METRIC_NAMES.join(', ')}, got '${metric}'`, 'invalid_metric');
  }
  return m as MetricName;
}

export class Evaluator {
  readonly offset: number;
  readonly cutoff: number;
  readonly metric: MetricName;
  private readonly mask?: CsrMatrix;
  private readonly batchSize?: number;
  private readonly threads: number;
  /** Ground-truth rows that are evaluated (non-empty), ascending. */
  private readonly evalRows: Int32Array;

  constructor(
    readonly groundTruth: CsrMatrix,
    opts: EvaluatorOptions = {},
  ) {
    this.offset = opts.offset ?? 0;
    this.cutoff = opts.cutoff ?? 10;
    this.metric = parseMetric(opts.metric ?? 'ndcg');
    if (!Number.isInteger(this.offset) || this.offset < 0) {
      throw new TrainingError(`evaluator offset must be a non-negative integer, got ${this.offset}`, 'invalid_offset');
    }
    validateCutoff(this.cutoff, groundTruth.cols);
    this.mask = opts.mask;
    this.batchSize = opts.batchSize;
    this.threads = Math.max(1, Math.floor(opts.threads ?? 1));
    const rows: number[] = [];
    for (let e = 0; e < groundTruth.rows; e++) {
      if (hasNonZero(groundTruth, e)) rows.push(e);
    }
    this.evalRows = Int32Array.from(rows);
  }

  /** All metrics of `model` at the cutoff. */
  async evaluate(model: Recommender): Promise<EvaluationResult> {
    const sums = await this.computeSums(model);
    const d = sums.validUsers > 0 ? sums.validUsers : 1;
    return {
      ndcg: sums.ndcg / d,
      map: sums.map / d,
      recall: sums.recall / d,
      hit: sums.hit / d,
      precision: sums.precision / d,
      nUsersEvaluated: sums.validUsers,
      nUsersTotal: this.groundTruth.rows,
    };
  }

  /** The target metric (what the search maximises). */
  async targetScore(model: Recommender): Promise<number> {
    return (await this.evaluate(model))[this.metric];
  }

  private async computeSums(model: Recommender): Promise<MetricSums> {
    const gt = this.groundTruth;
    const nItems = model.nItems;
    const mask = this.mask ?? model.trainMatrix;
    if (mask === undefined) {
      throw new TrainingError(
        `${model.className}: no training matrix to mask; pass the evaluator a mask`,
        'evaluator_mask_missing',
      );
    }
    if (gt.cols !== nItems || mask.cols !== nItems) {
      throw new TrainingError(
        `evaluator: ground truth has ${gt.cols} items, mask ${mask.cols}, model ${nItems}`,
        'evaluator_shape_mismatch',
      );
    }
    if (this.offset + gt.rows > model.nUsers || this.offset + gt.rows > mask.rows) {
      throw new TrainingError(
        `evaluator: offset ${this.offset} + ${gt.rows} ground-truth rows exceeds the model's ${model.nUsers} users`,
        'evaluator_shape_mismatch',
      );
    }
    const k = Math.min(this.cutoff, nItems);
    const sums = new MetricSums();
    sums.totalUsers = gt.rows;
    const rows = this.evalRows;
    if (rows.length === 0) return sums;
    const batch = Math.max(1, Math.min(rows.length, this.batchSize ?? Math.max(1, Math.floor(BATCH_SCORES / nItems))));
    const parallel = this.threads > 1 && rows.length * nItems >= PARALLEL_MIN_SCORES;
    const pool = getPool(parallel ? this.threads : 1);
    const factors = model.factorScoring?.();
    if (factors && factorRankingAvailable()) {
      const arrays = parallel ? shareMatrices(mask, gt) : plainMatrices(mask, gt);
      try {
        const users = Int32Array.from(rows, (e) => this.offset + e);
        await factorRankingSums(factors, nItems, k, users, rows, arrays.views, pool, sums);
      } finally {
        arrays.release();
      }
      return sums;
    }
    const itemWeights = parallel ? model.sparseItemWeights?.() : undefined;
    if (itemWeights) {
      const arrays = shareMatrices(mask, gt);
      try {
        const users = Int32Array.from(rows, (e) => this.offset + e);
        const { maskIndptr, maskIndices, maskData } = arrays.views;
        // the scores are built from the model's training rows: usually the mask, already shared
        const seen =
          model.trainMatrix === undefined || model.trainMatrix === mask
            ? { rows: mask.rows, cols: mask.cols, indptr: maskIndptr, indices: maskIndices, data: maskData }
            : model.trainMatrix;
        await itemRankingSums(itemWeights, seen, k, users, rows, arrays.views, pool, sums);
      } finally {
        arrays.release();
      }
      return sums;
    }
    // Two score buffers: the calling thread scores batch b+1 while workers rank batch b.
    const buffers = [0, 1].map(() => ({
      scores: sharedF32(batch * nItems),
      users: sharedI32(batch),
      gtRows: sharedI32(batch),
    }));
    const heapRanked = sharedI32((pool.size + 1) * k);
    const heapValues = sharedF64((pool.size + 1) * k);
    const useKernel = [heapRanked, heapValues, ...buffers.map((x) => x.scores)].every((x) => isResident(x));
    const arrays = parallel ? shareMatrices(mask, gt) : plainMatrices(mask, gt);
    let pending: Promise<void> | null = null;
    try {
      for (let start = 0, b = 0; start < rows.length; start += batch, b++) {
        const n = Math.min(batch, rows.length - start);
        const buf = buffers[b & 1];
        for (let r = 0; r < n; r++) {
          buf.gtRows[r] = rows[start + r];
          buf.users[r] = this.offset + rows[start + r];
        }
        model.scoreUsers(n === batch ? buf.users : buf.users.subarray(0, n), buf.scores);
        if (pending !== null) await pending;
        const job: RankingBatch = {
          ...buf,
          nItems,
          k,
          ...arrays.views,
          ...(useKernel ? { heapRanked, heapValues } : {}),
        };
        pending = pool.run(rankBatchTask, job, splitRows(n, pool.size * 2)).then((parts) => {
          for (const part of parts) sums.merge(part);
        });
      }
      if (pending !== null) await pending;
    } finally {
      // A failed batch may leave a ranking in flight: let it settle before freeing its buffers.
      if (pending !== null) await pending.catch(() => undefined);
      for (const buf of buffers) {
        releaseShared(buf.scores);
        releaseShared(buf.users);
        releaseShared(buf.gtRows);
      }
      releaseShared(heapRanked);
      releaseShared(heapValues);
      arrays.release();
    }
    return sums;
  }
}

function splitRows(n: number, parts: number): [number, number][] {
  const ranges: [number, number][] = [];
  for (let p = 0; p < parts; p++) {
    const s = Math.floor((n * p) / parts);
    const e = Math.floor((n * (p + 1)) / parts);
    if (e > s) ranges.push([s, e]);
  }
  return ranges;
}

/** Scores held per batch (about 16 MB of float32). */
const BATCH_SCORES = 4_194_304;
/** Below this many scores in total the ranking stays on the calling thread. */
const PARALLEL_MIN_SCORES = 2_000_000;

function plainMatrices(mask: CsrMatrix, gt: CsrMatrix): { views: MatrixViews; release: () => void } {
  return {
    views: {
      maskIndptr: mask.indptr,
      maskIndices: mask.indices,
      maskData: mask.data,
      gtIndptr: gt.indptr,
      gtIndices: gt.indices,
      gtData: gt.data,
    },
    release: () => {},
  };
}

/** Copies in shared memory so ranking workers read them without a per-batch copy. */
function shareMatrices(mask: CsrMatrix, gt: CsrMatrix): { views: MatrixViews; release: () => void } {
  const views: MatrixViews = {
    maskIndptr: toShared(mask.indptr),
    maskIndices: toShared(mask.indices),
    maskData: toShared(mask.data),
    gtIndptr: toShared(gt.indptr),
    gtIndices: toShared(gt.indices),
    gtData: toShared(gt.data),
  };
  const release = (): void => {
    for (const a of Object.values(views)) releaseShared(a);
  };
  return { views, release };
}

function hasNonZero(m: CsrMatrix, row: number): boolean {
  for (let p = m.indptr[row]; p < m.indptr[row + 1]; p++) if (m.data[p] !== 0) return true;
  return false;
}
