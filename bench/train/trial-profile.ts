/**
 * Per-algorithm profile of a search from its `trial_done` events: trials run, trials pruned,
 * seconds per trial, epochs per trial and the share of trial time spent training vs validating.
 */

export interface TrialDoneEvent {
  event: 'trial_done';
  trial: number;
  score: number | null;
  algorithm: string;
  seconds?: number;
  fit_seconds?: number;
  validation_seconds?: number;
  epochs?: number;
}

interface ClassProfile {
  trials: number;
  pruned: number;
  seconds: number;
  fit: number;
  validation: number;
  epochs: number;
  best: number | null;
}

/** The `trial_done` records among JSON log lines (other lines are ignored). */
export function trialEvents(stderr: string): TrialDoneEvent[] {
  const out: TrialDoneEvent[] = [];
  for (const line of stderr.split('\n')) {
    if (!line.includes('"trial_done"')) continue;
    try {
      const ev = JSON.parse(line) as TrialDoneEvent;
      if (ev.event === 'trial_done') out.push(ev);
    } catch {
      // not a log record
    }
  }
  return out;
}

/** Markdown table, one row per algorithm class in order of first appearance. */
export function profileTable(events: readonly TrialDoneEvent[]): string {
  const byClass = new Map<string, ClassProfile>();
  for (const ev of events) {
    const name = ev.algorithm.replace('Recommender', '');
    let p = byClass.get(name);
    if (!p) {
      p = { trials: 0, pruned: 0, seconds: 0, fit: 0, validation: 0, epochs: 0, best: null };
      byClass.set(name, p);
    }
    p.trials++;
    if (ev.score === null) p.pruned++;
    else if (p.best === null || ev.score > p.best) p.best = ev.score;
    p.seconds += ev.seconds ?? 0;
    p.fit += ev.fit_seconds ?? 0;
    p.validation += ev.validation_seconds ?? 0;
    p.epochs += ev.epochs ?? 0;
  }
  const lines = [
    '| class | trials run | pruned | s/trial | total s | fit share | validation share | epochs/trial | best |',
    '|---|---|---|---|---|---|---|---|---|',
  ];
  for (const [name, p] of byClass) {
    const timed = p.fit + p.validation;
    const share = (x: number): string => (timed > 0 ? `${((100 * x) / timed).toFixed(0)}%` : '–');
    lines.push(
      `| ${name} | ${p.trials} | ${p.pruned} | ${(p.seconds / p.trials).toFixed(2)} | ${p.seconds.toFixed(1)} | ${share(p.fit)} | ${share(p.validation)} | ${(p.epochs / p.trials).toFixed(1)} | ${p.best === null ? '–' : p.best.toFixed(4)} |`,
    );
  }
  return lines.join('\n');
}
