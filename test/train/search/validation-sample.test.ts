import { describe, expect, it } from 'vitest';
import { Evaluator } from '../../../src/algorithms/evaluator.js';
import { TopPopRecommender } from '../../../src/algorithms/top-pop.js';
import { csrFromCoo } from '../../../src/linalg/csr.js';
import { sampleGroundTruth } from '../../../src/train/search/validation-sample.js';

/** 50 ground-truth rows; every third row is empty (a user with nothing held out). */
function groundTruth() {
  const rows: number[] = [];
  const cols: number[] = [];
  for (let r = 0; r < 50; r++) {
    if (r % 3 === 0) continue;
    rows.push(r, r);
    cols.push(r % 7, (r * 5) % 11);
  }
  return csrFromCoo(50, 12, rows, cols);
}

function keptRows(m: ReturnType<typeof groundTruth>): number[] {
  const out: number[] = [];
  for (let r = 0; r < m.rows; r++) if (m.indptr[r + 1] > m.indptr[r]) out.push(r);
  return out;
}

describe('sampleGroundTruth', () => {
  it('keeps a fixed seeded sample of evaluated users, rows aligned and unchanged', () => {
    const gt = groundTruth();
    const a = sampleGroundTruth(gt, 10, 42);
    expect(a).not.toBeNull();
    if (!a) return;
    expect(a.rows).toBe(gt.rows);
    expect(a.cols).toBe(gt.cols);
    const kept = keptRows(a);
    expect(kept).toHaveLength(10);
    for (const r of kept) {
      expect(r % 3).not.toBe(0); // only users that have held-out items
      expect([...a.indices.subarray(a.indptr[r], a.indptr[r + 1])]).toEqual([
        ...gt.indices.subarray(gt.indptr[r], gt.indptr[r + 1]),
      ]);
    }
    // Same seed, same users; another seed, other users.
    expect(keptRows(sampleGroundTruth(gt, 10, 42) ?? gt)).toEqual(kept);
    expect(keptRows(sampleGroundTruth(gt, 10, 7) ?? gt)).not.toEqual(kept);
  });

  it('returns null when the sample would hold every evaluated user', () => {
    const gt = groundTruth();
    expect(sampleGroundTruth(gt, 33, 42)).toBeNull(); // 33 users have held-out items
    expect(sampleGroundTruth(gt, 0, 42)).toBeNull();
    expect(sampleGroundTruth(gt, 32, 42)).not.toBeNull();
  });

  it('is what an evaluator averages over: only the sampled users count', async () => {
    const gt = groundTruth();
    const sample = sampleGroundTruth(gt, 10, 1);
    if (!sample) throw new Error('expected a sample');
    const X = csrFromCoo(50, 12, [0, 1, 2], [0, 1, 2]);
    const model = new TopPopRecommender(X, X.rows, X.cols);
    await model.fit();
    const r = await new Evaluator(sample, { cutoff: 3, mask: X }).evaluate(model);
    expect(r.nUsersEvaluated).toBe(10);
    expect((await new Evaluator(gt, { cutoff: 3, mask: X }).evaluate(model)).nUsersEvaluated).toBe(33);
  });
});
