/**
 * Per-algorithm trial budgets and the enqueued class blocks.
 */
import { SearchError, TrainingError } from '../../errors/index.js';
import { resolveAlgorithmName as resolveRecipeAlgorithm } from '../../recipe/index.js';
import { type TrialRecord, trialClass } from './trial.js';

/** Python's `round`: halves go to the even neighbour (2.5 → 2, 3.5 → 4). */
export function roundHalfEven(x: number): number {
  const f = Math.floor(x);
  const diff = x - f;
  if (diff < 0.5) return f;
  if (diff > 0.5) return f + 1;
  return f % 2 === 0 ? f : f + 1;
}

/** Algorithm name resolution (the recipe layer's); null when unknown. */
function resolveAlgorithmName(name: string): string | null {
  return resolveRecipeAlgorithm(name) ?? null;
}

export type Budgets = Record<string, number>;

/**
 * Trials per class. `classes` are resolved class names in recipe order; `perAlgorithmTrials` maps
 * recipe keys (aliases or class names) to counts and may be null or empty.
 */
export function computeBudgets(
  classes: readonly string[],
  nTrials: number,
  perAlgorithmTrials: Record<string, number> | null | undefined,
  resolve: (name: string) => string | null = resolveAlgorithmName,
): Budgets {
  const budgets: Budgets = {};
  for (const c of classes) budgets[c] = 0;
  const pat = perAlgorithmTrials ?? {};
  if (Object.keys(pat).length === 0) {
    const base = Math.floor(nTrials / classes.length);
    const rem = nTrials % classes.length;
    classes.forEach((c, idx) => {
      budgets[c] = base + (idx < rem ? 1 : 0);
    });
    return budgets;
  }
  const resolved = new Map<string, number>();
  for (const [key, count] of Object.entries(pat)) {
    const cname = classes.includes(key) ? key : resolve(key);
    if (cname === null) {
      throw new TrainingError(
        `per_algorithm_trials key '${key}' does not name a supported algorithm.`,
        'unknown_algorithm_in_budget',
      );
    }
    resolved.set(cname, Math.max(0, count));
  }
  const explicit = classes.filter((c) => resolved.has(c));
  const unspecified = classes.filter((c) => !resolved.has(c));
  const total = explicit.reduce((s, c) => s + (resolved.get(c) ?? 0), 0);
  if (total === 0 && unspecified.length === 0) return computeBudgets(classes, nTrials, null, resolve);

  if (total > nTrials) {
    const nonzero = explicit.filter((c) => (resolved.get(c) ?? 0) > 0);
    if (nTrials < nonzero.length) {
      nonzero.forEach((c, i) => {
        budgets[c] = i < nTrials ? 1 : 0;
      });
      return budgets;
    }
    const scale = nTrials / total;
    const last = nonzero[nonzero.length - 1];
    let allocated = 0;
    for (const c of explicit) {
      const want = resolved.get(c) ?? 0;
      if (want === 0) budgets[c] = 0;
      else if (c === last) budgets[c] = Math.max(1, nTrials - allocated);
      else {
        const b = Math.max(1, roundHalfEven(want * scale));
        budgets[c] = b;
        allocated += b;
      }
    }
    return budgets;
  }
  for (const c of explicit) budgets[c] = resolved.get(c) ?? 0;
  const leftover = nTrials - total;
  if (leftover <= 0) return budgets;
  if (unspecified.length > 0) {
    const base = Math.floor(leftover / unspecified.length);
    const rem = leftover % unspecified.length;
    unspecified.forEach((c, idx) => {
      budgets[c] = base + (idx < rem ? 1 : 0);
    });
  } else {
    const lastPositive = [...explicit].reverse().find((c) => budgets[c] > 0);
    if (lastPositive !== undefined) budgets[lastPositive] += leftover;
  }
  return budgets;
}

/** Classes with a positive budget, in recipe order (`tried_algorithms`). */
export function activeClasses(classes: readonly string[], budgets: Budgets): string[] {
  const active = classes.filter((c) => (budgets[c] ?? 0) > 0);
  if (active.length === 0) {
    throw new SearchError('All algorithms are disabled by per_algorithm_trials.', 'no_active_algorithms');
  }
  return active;
}

/** COMPLETE trials per class in a (resumed) study; trials without a class count as "unknown". */
export function completedByClass(trials: readonly TrialRecord[]): Map<string, number> {
  const out = new Map<string, number>();
  for (const t of trials) {
    if (t.state !== 'COMPLETE') continue;
    const c = trialClass(t) ?? 'unknown';
    out.set(c, (out.get(c) ?? 0) + 1);
  }
  return out;
}

/**
 * The enqueued class blocks: for each active class in order, `budget − already_completed`
 * trials with the class fixed. A single active class needs no queue (every trial uses it).
 */
export function buildClassQueue(active: readonly string[], budgets: Budgets, completed: Map<string, number>): string[] {
  if (active.length <= 1) return [];
  const queue: string[] = [];
  for (const c of active) {
    const n = Math.max(0, (budgets[c] ?? 0) - (completed.get(c) ?? 0));
    for (let i = 0; i < n; i++) queue.push(c);
  }
  return queue;
}
