/** The trial record every study store keeps, and the small vocabulary around it. */
import type { ParamValue } from './space.js';

export type TrialState = 'RUNNING' | 'COMPLETE' | 'PRUNED' | 'FAIL';

/** Name of the categorical parameter that chooses the algorithm in multi-algorithm studies. */
export const CLASS_PARAM = 'recommender_class_name';

/** Why a trial was pruned (user attribute `pruned_reason`). */
export type PrunedReason = 'median' | 'budget_exhausted' | 'timeout';

export type TrialParams = Record<string, ParamValue>;
export type UserAttrs = Record<string, number | string | boolean | null>;

export interface TrialRecord {
  number: number;
  state: TrialState;
  /** Class the trial trained (null until it is known). */
  className: string | null;
  /** Objective value (= −score); null unless COMPLETE. */
  value: number | null;
  /** Sampled parameters, including `recommender_class_name` in multi-algorithm studies. */
  params: TrialParams;
  /** `recommender_class_name`, learnt config (e.g. `train_epochs`), `pruned_reason`. */
  userAttrs: UserAttrs;
  /** Reported objective values as [step, value], in report order. */
  intermediate: Array<[number, number]>;
  /** ISO-8601 times. */
  startedAt: string;
  finishedAt: string | null;
}

export function isFinished(t: TrialRecord): boolean {
  return t.state === 'COMPLETE' || t.state === 'PRUNED';
}

/** Class of a trial as the spec reads it: user attribute, else sampled param, else the stored column. */
export function trialClass(t: TrialRecord): string | null {
  const attr = t.userAttrs[CLASS_PARAM];
  if (typeof attr === 'string') return attr;
  const param = t.params[CLASS_PARAM];
  if (typeof param === 'string') return param;
  return t.className;
}
