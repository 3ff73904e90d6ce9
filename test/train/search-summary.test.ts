import { describe, expect, it } from 'vitest';
import { buildHeaderJson } from '../../src/artifact/header.js';
import { csrFromCoo } from '../../src/linalg/csr.js';
import type { Recipe } from '../../src/recipe/index.js';
import type { SearchResult } from '../../src/train/search/index.js';
import type { TrialRecord } from '../../src/train/search/trial.js';
import { buildSearchSummary, MAX_SUMMARY_TRIALS } from '../../src/train/search-summary.js';
import type { SplitResult } from '../../src/train/split.js';

const T0 = Date.parse('2026-05-07T00:00:00Z');

function trial(n: number, algorithm: string, score: number | null, seconds: number): TrialRecord {
  return {
    number: n,
    state: score === null ? 'PRUNED' : 'COMPLETE',
    className: algorithm,
    value: score === null ? null : -score,
    params: { recommender_class_name: algorithm, reg: n / 1000 },
    userAttrs: {},
    intermediate: [],
    startedAt: new Date(T0 + seconds * 1000 - 500).toISOString(),
    finishedAt: new Date(T0 + seconds * 1000).toISOString(),
  };
}

function search(trials: TrialRecord[]): SearchResult {
  return {
    best_class: 'IALSRecommender',
    best_params: {},
    best_score: 0,
    best_trial_number: 0,
    tried_algorithms: ['IALSRecommender', 'TopPopRecommender'],
    n_trials: trials.length,
    n_completed: trials.length,
    n_orphaned: 0,
    search_seed: 1,
    study_name: 's',
    trials,
  };
}

const recipe = {
  training: { split: { scheme: 'random', heldout_ratio: 0.1, test_user_ratio: 0.5, seed: 42 } },
} as unknown as Recipe;
// 4 search users, the last 2 validate with 3 held-out interactions.
const split = {
  search: csrFromCoo(4, 3, [0, 1, 2, 3], [0, 1, 2, 0]),
  groundTruth: csrFromCoo(2, 3, [0, 1, 1], [1, 0, 2]),
  valOffset: 2,
  rowUsers: Int32Array.from([0, 1, 2, 3]),
} as SplitResult;

describe('buildSearchSummary', () => {
  it('keeps every trial of a small search with times relative to the first start, and the best per algorithm', () => {
    const trials = [
      trial(0, 'IALSRecommender', 0.1, 1),
      trial(1, 'TopPopRecommender', 0.05, 2),
      trial(2, 'IALSRecommender', null, 3),
      trial(3, 'IALSRecommender', 0.3, 4),
    ];
    const s = buildSearchSummary(recipe, search(trials), split);
    expect(s.started_at).toBe('2026-05-07T00:00:00.500Z');
    expect(s.truncated).toBe(false);
    expect(s.trials.map((t) => [t.n, t.algorithm, t.state, t.score, t.t])).toEqual([
      [0, 'IALSRecommender', 'COMPLETE', 0.1, 0.5],
      [1, 'TopPopRecommender', 'COMPLETE', 0.05, 1.5],
      [2, 'IALSRecommender', 'PRUNED', null, 2.5],
      [3, 'IALSRecommender', 'COMPLETE', 0.3, 3.5],
    ]);
    const ials = s.algorithms.find((a) => a.algorithm === 'IALSRecommender');
    expect(ials).toMatchObject({ completed: 2, other: 1, best_score: 0.3, best_trial: 3 });
    expect(ials?.best_params).toMatchObject({ reg: 0.003 });
    expect(s.split).toEqual({
      scheme: 'random',
      heldout_ratio: 0.1,
      test_user_ratio: 0.5,
      seed: 42,
      search_users: 4,
      validation_users: 2,
      heldout_interactions: 3,
    });
  });

  it('bounds a long search, keeping every improvement of the running best, and fits the header limit', () => {
    // Scores rise slowly with noise: improvements are spread over the whole search.
    const trials = Array.from({ length: 2000 }, (_, n) =>
      trial(
        n,
        n % 3 === 0 ? 'TopPopRecommender' : 'IALSRecommender',
        n % 7 === 0 ? null : ((n * 37) % 101) / 1000 + n / 10_000,
        n,
      ),
    );
    const s = buildSearchSummary(recipe, search(trials), split);
    expect(s.n_trials).toBe(2000);
    expect(s.truncated).toBe(true);
    expect(s.trials.length).toBe(MAX_SUMMARY_TRIALS);
    let best = Number.NEGATIVE_INFINITY;
    const improvements: number[] = [];
    for (const t of trials) {
      const score = t.value === null ? null : -t.value;
      if (score !== null && score > best) {
        improvements.push(t.number);
        best = score;
      }
    }
    const kept = new Set(s.trials.map((t) => t.n));
    for (const n of improvements) expect(kept.has(n)).toBe(true);
    // The best trial of each algorithm is there, and the summary fits in a header with room to spare.
    for (const a of s.algorithms) expect(kept.has(a.best_trial as number)).toBe(true);
    expect(buildHeaderJson({ search_summary: s }).length).toBeLessThan(32 * 1024);
  });
});
