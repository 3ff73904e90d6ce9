/**
 * The fixed, seeded sample of validation users that the early-stopping loop scores between epochs.
 * Intermediate validations only decide when to stop and what to prune, so on large data a sample
 * of users is enough; the score a trial ends with is always exact (every validation user).
 *
 * The sample is a ground-truth matrix of the same shape whose rows outside the sample are empty
 * (the evaluator skips empty rows), so it keeps the row alignment of the exact one. It depends only
 * on the ground truth and the seed: every trial, thread and process sees the same users.
 */
import type { CsrMatrix } from '../../linalg/csr.js';
import { deriveSeed, Rng } from './rng.js';

/** Validation users scored between epochs when there are more (exact evaluation below this). */
export const DEFAULT_VALIDATION_SAMPLE_USERS = 10_000;

/** Salt of the sample's random stream (distinct from the sampler's per-trial streams). */
const SAMPLE_SALT = 0x5a4d;

/** Rows with at least one held-out item: the users every metric averages over. */
function evaluatedRows(gt: CsrMatrix): number[] {
  const rows: number[] = [];
  for (let r = 0; r < gt.rows; r++) {
    for (let p = gt.indptr[r]; p < gt.indptr[r + 1]; p++) {
      if (gt.data[p] !== 0) {
        rows.push(r);
        break;
      }
    }
  }
  return rows;
}

/**
 * `gt` restricted to `maxUsers` evaluated rows drawn without replacement (seeded), or null when it
 * has no more evaluated rows than that (then the exact evaluation is as cheap).
 */
export function sampleGroundTruth(gt: CsrMatrix, maxUsers: number, seed: number): CsrMatrix | null {
  const rows = evaluatedRows(gt);
  if (!(maxUsers >= 1) || rows.length <= maxUsers) return null;
  // Partial Fisher–Yates: the first maxUsers positions become the sample.
  const rng = new Rng(deriveSeed(seed, SAMPLE_SALT));
  for (let i = 0; i < maxUsers; i++) {
    const j = i + Math.floor(rng.nextFloat() * (rows.length - i));
    const t = rows[i];
    rows[i] = rows[j];
    rows[j] = t;
  }
  const keep = new Uint8Array(gt.rows);
  for (let i = 0; i < maxUsers; i++) keep[rows[i]] = 1;
  const indptr = new Int32Array(gt.rows + 1);
  let n = 0;
  for (let r = 0; r < gt.rows; r++) {
    if (keep[r]) n += gt.indptr[r + 1] - gt.indptr[r];
    indptr[r + 1] = n;
  }
  const indices = new Int32Array(n);
  const data = new Float32Array(n);
  for (let r = 0; r < gt.rows; r++) {
    if (!keep[r]) continue;
    const s = gt.indptr[r];
    const len = gt.indptr[r + 1] - s;
    indices.set(gt.indices.subarray(s, s + len), indptr[r]);
    data.set(gt.data.subarray(s, s + len), indptr[r]);
  }
  return { rows: gt.rows, cols: gt.cols, indptr, indices, data };
}
