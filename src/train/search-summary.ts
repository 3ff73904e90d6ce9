/**
 * The `search_summary` header field: a bounded account of the hyper-parameter search (score of
 * each trial over time, the best configuration per algorithm, the split) so that a server can
 * show how the model it serves was chosen without the trial storage. The header is capped at
 * 64 KiB, so at most MAX_SUMMARY_TRIALS trials are kept: every trial that raised the running
 * best (overall or of its algorithm) and an even sample of the others.
 */
import type { Recipe } from '../recipe/index.js';
import type { SearchResult } from './search/index.js';
import { trialClass } from './search/trial.js';
import type { SplitResult } from './split.js';

export const MAX_SUMMARY_TRIALS = 250;

/** One trial: number, algorithm, state, score (null unless complete), seconds since the search started. */
export interface SummaryTrial {
  n: number;
  algorithm: string;
  state: string;
  score: number | null;
  t: number;
}

export interface AlgorithmSummary {
  algorithm: string;
  completed: number;
  /** Trials that ended without a score (pruned, failed, timed out). */
  other: number;
  best_score: number | null;
  best_trial: number | null;
  best_params: Record<string, unknown> | null;
}

export interface SearchSummary {
  started_at: string | null;
  n_trials: number;
  truncated: boolean;
  trials: SummaryTrial[];
  algorithms: AlgorithmSummary[];
  split: {
    scheme: string;
    heldout_ratio: number;
    test_user_ratio: number;
    seed: number;
    search_users: number;
    validation_users: number;
    heldout_interactions: number;
  };
}

const round = (v: number, digits: number) => Number(v.toPrecision(digits));

/** Every trial of the search as the report and the header show it, in trial-number order. */
export function summaryTrials(search: SearchResult): { startedAt: string | null; trials: SummaryTrial[] } {
  const ms = (iso: string | null) => (iso ? Date.parse(iso) : Number.NaN);
  const starts = search.trials.map((t) => ms(t.startedAt)).filter(Number.isFinite);
  const t0 = starts.length > 0 ? Math.min(...starts) : Number.NaN;
  const trials = [...search.trials]
    .sort((a, b) => a.number - b.number)
    .map((t) => ({
      n: t.number,
      algorithm: trialClass(t) ?? 'unknown',
      state: t.state,
      score: t.state === 'COMPLETE' && t.value !== null && Number.isFinite(t.value) ? -t.value : null,
      t: Math.max(0, (ms(t.finishedAt) - t0) / 1000) || 0,
    }));
  return { startedAt: Number.isFinite(t0) ? new Date(t0).toISOString() : null, trials };
}

/** Indices of the trials to keep: running-best improvements first, then an even sample of the rest. */
function keepIndices(trials: readonly SummaryTrial[], cap: number): Set<number> {
  if (trials.length <= cap) return new Set(trials.map((_, i) => i));
  const byTime = trials.map((_, i) => i).sort((a, b) => trials[a].t - trials[b].t);
  const keep = new Set<number>();
  let best = Number.NEGATIVE_INFINITY;
  const bestOf = new Map<string, number>();
  for (const i of byTime) {
    const { score, algorithm } = trials[i];
    if (score === null) continue;
    if (score > best || score > (bestOf.get(algorithm) ?? Number.NEGATIVE_INFINITY)) keep.add(i);
    best = Math.max(best, score);
    bestOf.set(algorithm, Math.max(score, bestOf.get(algorithm) ?? Number.NEGATIVE_INFINITY));
  }
  const rest = byTime.filter((i) => !keep.has(i));
  const room = Math.max(0, cap - keep.size);
  for (let k = 0; k < room && rest.length > 0; k++) keep.add(rest[Math.floor((k * rest.length) / room)]);
  return keep;
}

export function buildSearchSummary(recipe: Recipe, search: SearchResult, split: SplitResult): SearchSummary {
  const { startedAt, trials } = summaryTrials(search);
  const algorithms = new Map<string, AlgorithmSummary>();
  const paramsOf = new Map(search.trials.map((t) => [t.number, t.params]));
  for (const t of trials) {
    const a = algorithms.get(t.algorithm) ?? {
      algorithm: t.algorithm,
      completed: 0,
      other: 0,
      best_score: null,
      best_trial: null,
      best_params: null,
    };
    if (t.score === null) a.other++;
    else {
      a.completed++;
      if (a.best_score === null || t.score > a.best_score) {
        a.best_score = t.score;
        a.best_trial = t.n;
        a.best_params = { ...(paramsOf.get(t.n) ?? {}) };
      }
    }
    algorithms.set(t.algorithm, a);
  }
  const keep = keepIndices(trials, MAX_SUMMARY_TRIALS);
  const s = recipe.training.split;
  return {
    started_at: startedAt,
    n_trials: trials.length,
    truncated: keep.size < trials.length,
    trials: trials
      .filter((_, i) => keep.has(i))
      .map((t) => ({ ...t, score: t.score === null ? null : round(t.score, 6), t: round(t.t, 4) })),
    algorithms: [...algorithms.values()],
    split: {
      scheme: s.scheme,
      heldout_ratio: s.heldout_ratio,
      test_user_ratio: s.test_user_ratio,
      seed: s.seed,
      search_users: split.search.rows,
      validation_users: split.groundTruth.rows,
      heldout_interactions: split.groundTruth.indptr[split.groundTruth.rows],
    },
  };
}
