/** Post-search: checks, the best trial and the search result. */
import type { Params } from '../../algorithms/types.js';
import { SearchError, TrainingError, ZeroScoreError } from '../../errors/index.js';
import type { Logger } from '../../log/index.js';
import { CLASS_PARAM, type TrialRecord } from './trial.js';

export interface SearchResult {
  best_class: string;
  best_params: Params;
  best_score: number;
  best_trial_number: number;
  tried_algorithms: string[];
  /** The recipe's n_trials. */
  n_trials: number;
  /** COMPLETE trials in the whole study (resumed ones included). */
  n_completed: number;
  /** Trials stopped by the per-trial timeout in this run (cumulative orphan count). */
  n_orphaned: number;
  search_seed: number;
  study_name: string;
  /** Every trial of the study, by number (for the report). */
  trials: TrialRecord[];
}

export interface SummaryInput {
  trials: TrialRecord[];
  triedAlgorithms: string[];
  nTrials: number;
  nOrphaned: number;
  seed: number;
  studyName: string;
  metric: string;
  context: Record<string, string>;
  log: Logger;
}

/** Lowest objective value among COMPLETE trials; ties → lowest trial number. */
export function bestTrial(trials: readonly TrialRecord[]): TrialRecord | null {
  let best: TrialRecord | null = null;
  for (const t of trials) {
    if (t.state !== 'COMPLETE' || t.value === null || Number.isNaN(t.value)) continue;
    if (best === null || t.value < (best.value as number) || (t.value === best.value && t.number < best.number)) {
      best = t;
    }
  }
  return best;
}

export function summarizeSearch(inp: SummaryInput): SearchResult {
  const nCompleted = inp.trials.filter((t) => t.state === 'COMPLETE').length;
  if (nCompleted === 0) {
    throw new SearchError(
      'No trials completed successfully. Check algorithm compatibility with the dataset and increase per_trial_timeout_seconds or n_trials.',
      'no_completed_trials',
    );
  }
  if (inp.nOrphaned > Math.floor(nCompleted / 2)) {
    throw new TrainingError(
      `Excessive per-trial timeouts: ${inp.nOrphaned} threads orphaned vs ${nCompleted} trials completed. Increase per_trial_timeout_seconds or remove the slow algorithms.`,
      'excessive_per_trial_timeouts',
    );
  }
  const best = bestTrial(inp.trials);
  if (best === null) {
    // Only COMPLETE trials with a NaN value: nothing comparable to pick.
    throw new SearchError('No completed trial has a usable score.', 'no_completed_trials');
  }
  const attrClass = best.userAttrs[CLASS_PARAM];
  const paramClass = best.params[CLASS_PARAM];
  const bestClass =
    typeof attrClass === 'string'
      ? attrClass
      : typeof paramClass === 'string'
        ? paramClass
        : (best.className ?? inp.triedAlgorithms[0]);
  const bestParams: Params = {};
  for (const [k, v] of Object.entries(best.userAttrs)) if (k !== CLASS_PARAM) bestParams[k] = v;
  for (const [k, v] of Object.entries(best.params)) {
    if (k !== CLASS_PARAM && k !== 'optimizer_name') bestParams[k] = v;
  }
  const bestScore = -(best.value as number);
  if (bestScore === 0) {
    if (inp.metric.toLowerCase() === 'hit') {
      inp.log.warn('zero_score_hit_metric', {
        ...inp.context,
        metric: inp.metric,
        n_completed: nCompleted,
        message: 'Best hit score is 0.0: no validation user got a relevant item in the top k. Continuing.',
      });
    } else {
      throw new ZeroScoreError(
        `Best score across ${nCompleted} completed trials is 0.0. This may indicate too short a timeout or too small a validation set.`,
      );
    }
  }
  return {
    best_class: bestClass,
    best_params: bestParams,
    best_score: bestScore,
    best_trial_number: best.number,
    tried_algorithms: inp.triedAlgorithms,
    n_trials: inp.nTrials,
    n_completed: nCompleted,
    n_orphaned: inp.nOrphaned,
    search_seed: inp.seed,
    study_name: inp.studyName,
    trials: inp.trials,
  };
}
