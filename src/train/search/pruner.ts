/**
 * Median pruner (after Optuna's MedianPruner): objective values are minimised. At a reported step,
 * once `nStartupTrials` trials of the study are COMPLETE and at least `nMinTrials` of them reported
 * at that same step, the trial is pruned when its best (lowest) value so far is worse than the
 * median of those values. Steps before `nWarmupSteps` and steps that are not the first report
 * inside an `intervalSteps` window are never pruned. A NaN best value prunes.
 *
 * Defaults: active from 2 completed trials on (Optuna waits for 5, which in a 10-trial budget per
 * algorithm leaves half the trials unpruned), no warm-up, every step.
 */
import type { TrialRecord } from './trial.js';

export interface MedianPrunerOptions {
  nStartupTrials?: number;
  nWarmupSteps?: number;
  intervalSteps?: number;
  nMinTrials?: number;
}

export class MedianPruner {
  readonly nStartupTrials: number;
  readonly nWarmupSteps: number;
  readonly intervalSteps: number;
  readonly nMinTrials: number;

  constructor(opts: MedianPrunerOptions = {}) {
    this.nStartupTrials = opts.nStartupTrials ?? 2;
    this.nWarmupSteps = opts.nWarmupSteps ?? 0;
    this.intervalSteps = opts.intervalSteps ?? 1;
    this.nMinTrials = Math.max(1, opts.nMinTrials ?? 2);
  }

  /**
   * `reports` are the trial's own [step, value] pairs in report order (the last one is the step
   * being decided); `completed` are the study's COMPLETE trials.
   */
  shouldPrune(reports: ReadonlyArray<readonly [number, number]>, completed: readonly TrialRecord[]): boolean {
    if (reports.length === 0) return false;
    if (completed.length === 0 || completed.length < this.nStartupTrials) return false;
    const step = reports[reports.length - 1][0];
    if (step < this.nWarmupSteps) return false;
    if (!this.isFirstInInterval(step, reports)) return false;
    let best = Number.POSITIVE_INFINITY;
    for (const [, v] of reports) {
      if (Number.isNaN(v)) return true;
      if (v < best) best = v;
    }
    const atStep: number[] = [];
    for (const t of completed) {
      for (const [s, v] of t.intermediate) {
        if (s === step) {
          if (!Number.isNaN(v)) atStep.push(v);
          break;
        }
      }
    }
    if (atStep.length < this.nMinTrials) return false;
    return best > median(atStep);
  }

  private isFirstInInterval(step: number, reports: ReadonlyArray<readonly [number, number]>): boolean {
    const windowStart =
      Math.floor((step - this.nWarmupSteps) / this.intervalSteps) * this.intervalSteps + this.nWarmupSteps;
    let previous = -1;
    for (const [s] of reports) if (s !== step && s > previous) previous = s;
    return previous < windowStart;
  }
}

/** Median with linear interpolation between the two middle values. */
export function median(values: number[]): number {
  const v = values.slice().sort((a, b) => a - b);
  const mid = (v.length - 1) / 2;
  const lo = Math.floor(mid);
  const hi = Math.ceil(mid);
  return lo === hi ? v[lo] : 0.5 * (v[lo] + v[hi]);
}
