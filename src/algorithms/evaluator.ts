/**
 * Accuracy of a recommender on held-out interactions (training.md §4). For each evaluation user
 * (row `offset + e` of the model's matrix, ground truth row e of `groundTruth`): score all items,
 * mask the user's training items to −∞, rank (higher score first, ties → smaller index, masked
 * items last), and average hit / recall / nDCG / MAP / precision @k over users with a non-empty
 * ground truth. Users are scored in batches through `model.scoreUsers`.
 */
import { TrainingError } from '../errors/index.js';
import type { CsrMatrix } from '../linalg/csr.js';
import { addUserMetrics, dcgDiscounts, MetricSums, topKIndices } from './metrics.js';
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
    const rows: number[] = [];
    for (let e = 0; e < groundTruth.rows; e++) {
      if (hasNonZero(groundTruth, e)) rows.push(e);
    }
    this.evalRows = Int32Array.from(rows);
  }

  /** All metrics of `model` at the cutoff. */
  async evaluate(model: Recommender): Promise<EvaluationResult> {
    const sums = this.computeSums(model);
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

  private computeSums(model: Recommender): MetricSums {
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
    const discounts = dcgDiscounts(k);
    const sums = new MetricSums();
    sums.totalUsers = gt.rows;
    const rows = this.evalRows;
    const batch = Math.max(
      1,
      Math.min(rows.length, this.batchSize ?? Math.max(1, Math.floor(4_194_304 / Math.max(1, nItems)))),
    );
    const scores = new Float32Array(batch * nItems);
    const users = new Int32Array(batch);
    const ranked = new Int32Array(k);
    const rankedVals = new Float64Array(k);
    const relevantMark = new Int32Array(nItems);
    for (let start = 0; start < rows.length; start += batch) {
      const n = Math.min(batch, rows.length - start);
      const u = n === batch ? users : users.subarray(0, n);
      for (let r = 0; r < n; r++) u[r] = this.offset + rows[start + r];
      model.scoreUsers(u, scores);
      for (let r = 0; r < n; r++) {
        const e = rows[start + r];
        const user = u[r];
        const base = r * nItems;
        for (let p = mask.indptr[user]; p < mask.indptr[user + 1]; p++) {
          if (mask.data[p] !== 0) scores[base + mask.indices[p]] = Number.NEGATIVE_INFINITY;
        }
        topKIndices(scores, base, nItems, k, ranked, rankedVals);
        const stamp = e + 1;
        let nGt = 0;
        for (let p = gt.indptr[e]; p < gt.indptr[e + 1]; p++) {
          if (gt.data[p] !== 0 && relevantMark[gt.indices[p]] !== stamp) {
            relevantMark[gt.indices[p]] = stamp;
            nGt++;
          }
        }
        addUserMetrics(sums, ranked, k, nGt, relevantMark, stamp, discounts);
      }
    }
    return sums;
  }
}

function hasNonZero(m: CsrMatrix, row: number): boolean {
  for (let p = m.indptr[row]; p < m.indptr[row + 1]; p++) if (m.data[p] !== 0) return true;
  return false;
}
