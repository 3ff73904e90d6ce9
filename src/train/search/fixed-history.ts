/**
 * The history a trial samples and prunes against when trials run in parallel. Trial n sees trials
 * 0…n−lag only, and only once all of those have finished: what it sees then does not depend on
 * which other trial happened to finish first, so the search is deterministic for a seed and a
 * parallelism. A lag of 0 means the live view (every trial the store holds right now).
 */
import { SearchError } from '../../errors/index.js';
import type { TrialRecord } from './trial.js';

export class FixedHistory {
  private waiters: Array<() => void> = [];

  constructor(
    private readonly lag: number,
    private readonly trials: () => Promise<TrialRecord[]>,
    private readonly aborted: () => boolean,
  ) {}

  /** Wake trials waiting for earlier ones (call after every finished trial, and on abort). */
  trialFinished(): void {
    const w = this.waiters;
    this.waiters = [];
    for (const resolve of w) resolve();
  }

  /** The fixed history of trial `number`, or null for the live view (lag 0). */
  async visibleTo(number: number): Promise<TrialRecord[] | null> {
    if (this.lag === 0) return null;
    for (;;) {
      if (this.aborted()) throw new SearchError('search aborted');
      const visible = (await this.trials()).filter((t) => t.number <= number - this.lag);
      if (visible.every((t) => t.state !== 'RUNNING')) return visible;
      await new Promise<void>((resolve) => this.waiters.push(resolve));
    }
  }
}
