/**
 * Successive halving over algorithm classes: how a multi-algorithm search spends its trials when
 * the recipe does not fix them per algorithm (`per_algorithm_trials` empty). An even split gives
 * every class the same share whatever it shows, so a 40-trial search over four classes tunes its
 * best class with 10 trials and ends below a 20-trial search of that class alone.
 *
 * - Rung 0: every class gets a few trials (`rung0` each; a class with nothing to tune, such as
 *   TopPop, gets exactly one: every further trial would train the same model).
 * - After each rung the classes with something to tune are ranked by their best score so far
 *   (classes without a completed trial last, ties in recipe order); the better half (rounded up)
 *   survives, minus classes more than 5% below the leader (tuning rarely closes such a gap, and
 *   their trials are as expensive as anyone's), and each survivor gets twice the trials of the
 *   previous rung. Once one class is left it gets every remaining trial.
 * - A rung is planned only when every trial of the previous rung has finished, so the plan is a
 *   function of the seed and the trial results alone, whatever the number of parallel trials.
 *
 * When every class has nothing to tune the schedule ends after rung 0.
 */

export interface ClassScheduleOptions {
  /** Active classes in recipe order. */
  classes: readonly string[];
  nTrials: number;
  /** Whether a class has hyper-parameters to tune. */
  tunable: (className: string) => boolean;
}

/** Trials per tunable class in rung 0: about a quarter of an even share, at least 2. */
/** A class whose best is below (1 − this) × the leader's best leaves the search. */
export const ELIMINATION_MARGIN = 0.05;

export function firstRungTrials(nTrials: number, nTunable: number): number {
  if (nTunable === 0) return 0;
  return Math.max(2, Math.round(nTrials / (4 * nTunable)));
}

export class ClassSchedule {
  /** Class of every planned slot, in slot order. */
  private readonly plan: string[] = [];
  /** First slot of the rung planned last. */
  private rungStart = 0;
  /** End (exclusive) of every planned rung, in order. */
  private readonly rungEnds: number[] = [];
  private rungTrials: number;
  private survivors: string[];
  private readonly tunable: string[];
  private readonly order: Map<string, number>;
  private readonly best = new Map<string, number>();
  private readonly finished = new Set<number>();
  private waiters: Array<() => void> = [];
  private ended = false;

  constructor(private readonly opts: ClassScheduleOptions) {
    this.order = new Map(opts.classes.map((c, i) => [c, i]));
    this.tunable = opts.classes.filter((c) => opts.tunable(c));
    this.rungTrials = firstRungTrials(opts.nTrials, this.tunable.length);
    this.survivors = this.tunable.slice();
    for (const c of opts.classes) {
      const n = opts.tunable(c) ? this.rungTrials : 1;
      for (let i = 0; i < n && this.plan.length < opts.nTrials; i++) this.plan.push(c);
    }
    this.rungEnds.push(this.plan.length);
  }

  /**
   * Trials of a class planned up to the end of the rung that holds `slot` (the per-class budget
   * the sampler sees; independent of how far later slots have been planned). Without `slot`: all
   * planned so far.
   */
  allotted(className: string, slot = Number.POSITIVE_INFINITY): number {
    let end = this.plan.length;
    for (const e of this.rungEnds) {
      if (slot < e) {
        end = e;
        break;
      }
    }
    let n = 0;
    for (let i = 0; i < end; i++) if (this.plan[i] === className) n++;
    return n;
  }

  /**
   * The class of session slot `slot` (0-based, in claim order), or null when the schedule is
   * complete. Waits for the trials of the previous rung when the slot opens a new one.
   */
  async classFor(slot: number): Promise<string | null> {
    while (slot >= this.plan.length) {
      if (this.ended || this.plan.length >= this.opts.nTrials) return null;
      if (!this.rungFinished()) {
        await new Promise<void>((resolve) => this.waiters.push(resolve));
        continue;
      }
      this.planNextRung();
    }
    return this.plan[slot];
  }

  /** Record a finished slot (score null when it did not complete) and wake waiting slots. */
  finish(slot: number, className: string, score: number | null): void {
    this.finished.add(slot);
    if (score !== null && Number.isFinite(score) && score > (this.best.get(className) ?? Number.NEGATIVE_INFINITY)) {
      this.best.set(className, score);
    }
    const w = this.waiters;
    this.waiters = [];
    for (const resolve of w) resolve();
  }

  /** Stop planning (the search is over); slots waiting for a rung get null. */
  close(): void {
    this.ended = true;
    this.finish(-1, '', null);
  }

  private rungFinished(): boolean {
    for (let s = this.rungStart; s < this.plan.length; s++) if (!this.finished.has(s)) return false;
    return true;
  }

  private planNextRung(): void {
    const remaining = this.opts.nTrials - this.plan.length;
    if (this.survivors.length === 0) {
      this.ended = true;
      return;
    }
    const ranked = this.survivors.slice().sort((a, b) => {
      const sa = this.best.get(a) ?? Number.NEGATIVE_INFINITY;
      const sb = this.best.get(b) ?? Number.NEGATIVE_INFINITY;
      if (sa !== sb) return sb - sa;
      return (this.order.get(a) ?? 0) - (this.order.get(b) ?? 0);
    });
    const leaderBest = this.best.get(ranked[0]) ?? Number.NEGATIVE_INFINITY;
    const bar = leaderBest - Math.abs(leaderBest) * ELIMINATION_MARGIN;
    this.survivors = ranked
      .slice(0, Math.ceil(ranked.length / 2))
      .filter((c, i) => i === 0 || (this.best.get(c) ?? Number.NEGATIVE_INFINITY) >= bar);
    this.rungTrials *= 2;
    const rung: string[] = [];
    if (this.survivors.length === 1) {
      for (let i = 0; i < remaining; i++) rung.push(this.survivors[0]);
    } else {
      // Leader first when the remaining trials do not cover the whole rung.
      const per = this.survivors.map(() => 0);
      for (let i = 0; i < Math.min(remaining, this.rungTrials * this.survivors.length); i++) {
        per[i % this.survivors.length]++;
      }
      // Blocks in recipe order, as rung 0.
      const inOrder = this.survivors
        .map((c, i) => ({ c, n: per[i] }))
        .sort((a, b) => (this.order.get(a.c) ?? 0) - (this.order.get(b.c) ?? 0));
      for (const { c, n } of inOrder) for (let i = 0; i < n; i++) rung.push(c);
    }
    this.rungStart = this.plan.length;
    this.plan.push(...rung);
    this.rungEnds.push(this.plan.length);
  }
}
