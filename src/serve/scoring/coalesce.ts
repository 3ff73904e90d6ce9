/**
 * Coalescing of concurrent single-user requests. Requests whose bodies were parsed in the same
 * event-loop turn are ranked together in one scoring call at the end of that turn: scoring a
 * latent-factor model reads the whole item-factor matrix once per call, so eight users cost little
 * more than one. Results are identical to scoring each user alone (see PAIRED_SCORING in
 * ./model.ts); the only cost is waiting for the current turn to finish.
 */
import type { ServingModel } from './model.js';
import type { TopK } from './topk.js';

/** Users per coalesced call; more would hold the first request back for too long. */
const MAX_GROUP = 32;

type RankMany = (key: string, model: ServingModel, users: Int32Array, limits: Int32Array) => Promise<TopK[]>;

interface Waiter {
  resolve: (top: TopK) => void;
  reject: (err: unknown) => void;
}

interface Group {
  model: ServingModel;
  users: number[];
  limits: number[];
  waiters: Waiter[];
}

export class SingleUserCoalescer {
  private groups = new Map<string, Group>();
  private scheduled = false;

  constructor(private readonly rankMany: RankMany) {}

  rank(key: string, model: ServingModel, user: number, limit: number): Promise<TopK> {
    return new Promise<TopK>((resolve, reject) => {
      let group = this.groups.get(key);
      if (group === undefined) {
        group = { model, users: [], limits: [], waiters: [] };
        this.groups.set(key, group);
      }
      group.users.push(user);
      group.limits.push(limit);
      group.waiters.push({ resolve, reject });
      if (group.users.length >= MAX_GROUP) {
        this.groups.delete(key);
        this.run(key, group);
      } else if (!this.scheduled) {
        this.scheduled = true;
        setImmediate(() => this.flush());
      }
    });
  }

  private flush(): void {
    this.scheduled = false;
    const groups = this.groups;
    this.groups = new Map();
    for (const [key, group] of groups) this.run(key, group);
  }

  private run(key: string, group: Group): void {
    this.rankMany(key, group.model, Int32Array.from(group.users), Int32Array.from(group.limits)).then(
      (results) => {
        for (let j = 0; j < group.waiters.length; j++) group.waiters[j].resolve(results[j]);
      },
      (err) => {
        for (const w of group.waiters) w.reject(err);
      },
    );
  }
}
