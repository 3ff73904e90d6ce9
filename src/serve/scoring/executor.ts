/**
 * Where ranking runs. The inline executor scores on the event loop; the thread pool
 * (./pool.ts) scores in worker threads that map the same shared model memory. Models are
 * attached under a key unique to one load, so a job always finishes on the model it started with
 * even if a hot-swap replaces the registry entry meanwhile.
 */
import { isFatalRuntimeError } from '../../errors/index.js';
import { SingleUserCoalescer } from './coalesce.js';
import type { ServingModel } from './model.js';
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

/** Run profile jobs one by one, keeping each failure to its own slot. */
export function runProfiles(model: ServingModel, profiles: readonly ProfileJob[]): ProfileResult[] {
  return profiles.map((p) => {
    try {
      return rankProfileJob(model.recommender, model.seen, p);
    } catch (err) {
      if (isFatalRuntimeError(err)) throw err;
      return err instanceof Error ? err : new Error(String(err));
    }
  });
}

export class InlineExecutor implements ScoringExecutor {
  readonly kind = 'inline' as const;
  private readonly scratch = new RankScratch();
  private readonly coalescer = new SingleUserCoalescer(async (_key, model, users, limits) =>
    rankKnownUsers(model.recommender, model.seen, users, limits, this.scratch),
  );

  /** Builds the recommender now, so a model that cannot load fails the load, not a request. */
  async attach(_key: string, model: ServingModel): Promise<void> {
    void model.recommender;
  }

  detach(): void {}

  async rankKnownUsers(key: string, model: ServingModel, users: Int32Array, limits: Int32Array): Promise<TopK[]> {
    if (users.length === 1) return [await this.coalescer.rank(key, model, users[0], limits[0])];
    return rankKnownUsers(model.recommender, model.seen, users, limits, this.scratch);
  }

  async rankProfiles(_key: string, model: ServingModel, profiles: readonly ProfileJob[]): Promise<ProfileResult[]> {
    return runProfiles(model, profiles);
  }

  async close(): Promise<void> {}
}
