/**
 * Orphan accounting. A timed-out trial counts as orphaned (`live` and `total`
 * grow by one) until its worker has been terminated (`live` shrinks again). The events and the
 * ceiling keep the original's contract even though terminate() makes the ceiling hard to reach.
 */
import { SearchError } from '../../errors/index.js';
import type { Logger } from '../../log/index.js';

export class OrphanTracker {
  live = 0;
  total = 0;

  constructor(
    readonly ceiling: number,
    private readonly log: Logger,
    private readonly context: Record<string, string>,
  ) {}

  /** Record a timed-out trial; throws SearchError once `live` reaches the ceiling. */
  orphaned(trial: number, className: string, timeoutSeconds: number, terminated: Promise<void>): void {
    this.live += 1;
    this.total += 1;
    void terminated.finally(() => {
      this.live -= 1;
    });
    this.log.warn('per_trial_timeout_thread_orphaned', {
      ...this.context,
      trial,
      class_name: className,
      timeout_seconds: timeoutSeconds,
    });
    if (this.total % 16 === 0) {
      this.log.warn('training_orphaned_threads', {
        live: this.live,
        total: this.total,
        ceiling: this.ceiling,
        ...this.context,
      });
    }
    if (this.live >= this.ceiling) {
      throw new SearchError(
        `orphaned thread ceiling exceeded (${this.live} >= ${this.ceiling}); check per_trial_timeout vs algorithm runtime`,
      );
    }
  }
}
