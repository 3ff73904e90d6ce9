/**
 * Where ranking runs. The inline executor scores on the event loop; the thread pool
 * (./pool.ts) scores in worker threads that map the same shared model memory. Models are
 * attached under a key unique to one load, so a job always finishes on the model it started with
 * even if a hot-swap replaces the registry entry meanwhile.
 */
import { isFatalRuntimeError } from '../../errors/index.js';
import { SingleUserCoalescer } from './coalesce.js';
import { costModel, DEFAULT_INLINE_BUDGET_NS } from './cost.js';
import type { ServingModel } from './model.js';
import { NormOrderedItems } from './norm-order.js';
import { type ProfileJob, RankScratch, rankKnownUsers, rankProfileJob } from './rank.js';
import type { TopK } from './topk.js';

export type { ProfileJob } from './rank.js';

/** Per-profile outcome: a ranking, or the error that profile's scoring raised. */
export type ProfileResult = TopK | Error;

export interface ScoringExecutor {
  readonly kind: 'inline' | 'threads';
  /** Make a model available to every scoring thread (idempotent per key). */
  attach(key: string, model: ServingModel): Promise<void>;
  /** Release a model; jobs already running on it finish first. */
  detach(key: string): void;
  rankKnownUsers(key: string, model: ServingModel, users: Int32Array, limits: Int32Array): Promise<TopK[]>;
  rankProfiles(key: string, model: ServingModel, profiles: readonly ProfileJob[]): Promise<ProfileResult[]>;
  close(): Promise<void>;
}

function runProfile(model: ServingModel, p: ProfileJob): ProfileResult {
  try {
    return rankProfileJob(model.recommender, model.seen, p);
  } catch (err) {
    if (isFatalRuntimeError(err)) throw err;
    return err instanceof Error ? err : new Error(String(err));
  }
}

/** Run profile jobs one by one, keeping each failure to its own slot. */
export function runProfiles(model: ServingModel, profiles: readonly ProfileJob[]): ProfileResult[] {
  return profiles.map((p) => runProfile(model, p));
}

const nextTurn = () => new Promise<void>((resolve) => setImmediate(resolve));

/**
 * Run work items on the event loop in slices of about `budgetNs` of estimated work, giving the
 * loop a turn between slices so that health checks and cheap requests are answered meanwhile.
 */
async function inSlices<T>(
  count: number,
  cost: (i: number) => number,
  budgetNs: number,
  run: (start: number, end: number) => T[],
) {
  const out: T[] = [];
  let start = 0;
  while (start < count) {
    let end = start;
    let spent = 0;
    // At least one item per slice; a single item is never cut.
    while (end < count && (end === start || spent + cost(end) <= budgetNs)) spent += cost(end++);
    if (start > 0) await nextTurn();
    for (const r of run(start, end)) out.push(r);
    start = end;
  }
  return out;
}

export class InlineExecutor implements ScoringExecutor {
  readonly kind = 'inline' as const;
  private readonly scratch = new RankScratch();
  private readonly coalescer = new SingleUserCoalescer(async (_key, model, users, limits) =>
    rankKnownUsers(model.recommender, model.seen, users, limits, this.scratch),
  );

  private readonly models = new Map<string, ServingModel>();

  /** Builds the recommender now, so a model that cannot load fails the load, not a request. */
  async attach(key: string, model: ServingModel): Promise<void> {
    void model.recommender;
    this.models.set(key, model);
  }

  detach(key: string): void {
    const model = this.models.get(key);
    this.models.delete(key);
    if (model) NormOrderedItems.release(model.recommender);
  }

  constructor(private readonly sliceBudgetNs = DEFAULT_INLINE_BUDGET_NS) {}

  async rankKnownUsers(key: string, model: ServingModel, users: Int32Array, limits: Int32Array): Promise<TopK[]> {
    if (users.length === 1) return [await this.coalescer.rank(key, model, users[0], limits[0])];
    const cost = costModel(model);
    return inSlices(
      users.length,
      (i) => cost.knownUser(users[i]),
      this.sliceBudgetNs,
      (start, end) =>
        rankKnownUsers(
          model.recommender,
          model.seen,
          users.subarray(start, end),
          limits.subarray(start, end),
          this.scratch,
        ),
    );
  }

  async rankProfiles(_key: string, model: ServingModel, profiles: readonly ProfileJob[]): Promise<ProfileResult[]> {
    const cost = costModel(model);
    return inSlices(
      profiles.length,
      (i) => cost.profile(profiles[i]),
      this.sliceBudgetNs,
      (start, end) => runProfiles(model, profiles.slice(start, end)),
    );
  }

  async close(): Promise<void> {}
}
