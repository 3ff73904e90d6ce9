/**
 * Scoring in worker threads over shared model memory. Each attached model is rebuilt once per
 * thread over the same SharedArrayBuffers; jobs go to the least busy thread, and a large batch is
 * split across threads. A model is released from the threads only after the last job that uses
 * it has finished, so a hot-swap never pulls a model from under a running request.
 */
import type { Worker } from 'node:worker_threads';
import { ArtifactError, errorMessage } from '../../errors/index.js';
import { getLogger } from '../../log/index.js';
import { siblingModule, startWorker } from '../runtime/threads.js';
import { SingleUserCoalescer } from './coalesce.js';
import { costModel, DEFAULT_INLINE_BUDGET_NS, knownUsersCost, splitByCost } from './cost.js';
import { type ProfileJob, type ProfileResult, runProfiles, type ScoringExecutor } from './executor.js';
import { ModelLayoutError, type ServingModel } from './model.js';
import { NormOrderedItems } from './norm-order.js';
import { RankScratch, rankKnownUsers } from './rank.js';
import type { TopK } from './topk.js';
import type { SerializedError, WorkerRequest, WorkerResponse } from './worker.js';

const log = getLogger('recotem.serve.scoring');
const WORKER_ENTRY = siblingModule(import.meta.url, 'worker');

/** Batches smaller than this stay on one thread (messaging would cost more than it saves). */
const MIN_USERS_PER_SPLIT = 16;

interface Pending {
  resolve: (r: WorkerResponse) => void;
  reject: (e: Error) => void;
}

interface Slot {
  worker: Worker;
  /** Jobs posted and not answered yet. */
  inFlight: number;
  pending: Map<number, Pending>;
}

function revive(e: SerializedError): Error {
  const err =
    e.name === 'ModelLayoutError'
      ? new ModelLayoutError(e.message)
      : e.name === 'ArtifactError'
        ? new ArtifactError(e.message, e.reason ?? 'deserialize')
        : new Error(e.message);
  err.name = e.name;
  return err;
}

export class ThreadPoolExecutor implements ScoringExecutor {
  readonly kind = 'threads' as const;
  private readonly slots: Slot[] = [];
  private readonly models = new Map<string, ServingModel>();
  /** Jobs in flight per model key, and keys waiting for their last job before detaching. */
  private readonly usage = new Map<string, number>();
  private readonly retired = new Set<string>();
  private nextId = 1;
  private closed = false;
  /** Threads start on the first job that needs them; a server that only sees cheap requests never pays for them. */
  private started: Promise<void> | null = null;

  private readonly scratch = new RankScratch();

  /**
   * @param inlineBudgetNs a call whose estimated work (./cost.ts) is at most this runs on the
   * event loop, where it is cheaper than a thread round trip; 0 sends every call to the threads.
   */
  constructor(
    readonly size: number,
    private readonly inlineBudgetNs = DEFAULT_INLINE_BUDGET_NS,
  ) {}

  /** Start the threads and give them every attached model (once). */
  private ready(): Promise<void> {
    this.started ??= (async () => {
      for (let i = 0; i < this.size; i++) this.slots.push(this.spawn(i));
      log.info('scoring_threads_started', { threads: this.size, models: this.models.size });
      const models = [...this.models];
      const outcomes = await Promise.allSettled(models.map(([key, model]) => this.attachToThreads(key, model)));
      outcomes.forEach((o, i) => {
        if (o.status === 'rejected') {
          log.error('scoring_thread_attach_failed', { model_key: models[i][0], error: errorMessage(o.reason) });
        }
      });
    })();
    return this.started;
  }

  private async attachToThreads(key: string, model: ServingModel): Promise<void> {
    const replies = await Promise.all(this.slots.map((slot) => this.send(slot, (id) => attachMessage(id, key, model))));
    for (const r of replies) if (!r.ok) throw revive(r.error);
  }

  private spawn(index: number): Slot {
    const worker = startWorker(WORKER_ENTRY, { name: `recotem-scoring-${index}` });
    worker.unref();
    const slot: Slot = { worker, inFlight: 0, pending: new Map() };
    worker.on('message', (msg: WorkerResponse) => {
      const p = slot.pending.get(msg.id);
      if (!p) return;
      slot.pending.delete(msg.id);
      slot.inFlight--;
      p.resolve(msg);
    });
    worker.on('error', (err) => log.error('scoring_thread_error', { thread: index, error: err.message }));
    worker.on('exit', (code) => {
      const failure = new Error(`scoring thread ${index} exited with code ${code}`);
      for (const p of slot.pending.values()) p.reject(failure);
      slot.pending.clear();
      slot.inFlight = 0;
      if (this.closed) return;
      log.error('scoring_thread_restarted', { thread: index, exit_code: code });
      const replacement = this.spawn(index);
      this.slots[index] = replacement;
      for (const [key, model] of this.models) {
        this.send(replacement, (id) => attachMessage(id, key, model)).catch((err: Error) =>
          log.error('scoring_thread_attach_failed', { thread: index, model_key: key, error: err.message }),
        );
      }
    });
    return slot;
  }

  private send(slot: Slot, build: (id: number) => WorkerRequest): Promise<WorkerResponse> {
    const id = this.nextId++;
    const message = build(id);
    return new Promise<WorkerResponse>((resolve, reject) => {
      slot.pending.set(id, { resolve, reject });
      slot.inFlight++;
      slot.worker.postMessage(message);
    });
  }

  private leastBusy(): Slot {
    let best = this.slots[0];
    for (const s of this.slots) if (s.inFlight < best.inFlight) best = s;
    return best;
  }

  async attach(key: string, model: ServingModel): Promise<void> {
    // The event loop scores cheap requests itself: build (and so validate) the model here.
    void model.recommender;
    this.models.set(key, model);
    if (this.started === null) return;
    await this.started;
    try {
      await this.attachToThreads(key, model);
    } catch (err) {
      this.detach(key);
      throw err;
    }
  }

  detach(key: string): void {
    if (!this.models.has(key)) return;
    if ((this.usage.get(key) ?? 0) > 0) {
      this.retired.add(key);
      return;
    }
    this.release(key);
  }

  private release(key: string): void {
    const model = this.models.get(key);
    if (model) NormOrderedItems.release(model.recommender);
    this.models.delete(key);
    this.retired.delete(key);
    this.usage.delete(key);
    for (const slot of this.slots) slot.worker.postMessage({ type: 'detach', key } satisfies WorkerRequest);
  }

  /** Count a job against a model for its duration, then release a retired model. */
  private async track<T>(key: string, job: () => Promise<T>): Promise<T> {
    this.usage.set(key, (this.usage.get(key) ?? 0) + 1);
    try {
      return await job();
    } finally {
      const left = (this.usage.get(key) ?? 1) - 1;
      this.usage.set(key, left);
      if (left === 0 && this.retired.has(key)) this.release(key);
    }
  }

  /** Groups of cheap single-user requests, scored together on the event loop. */
  private readonly localCoalescer = new SingleUserCoalescer(async (_key, model, users, limits) =>
    rankKnownUsers(model.recommender, model.seen, users, limits, this.scratch),
  );
  /** Groups of single-user requests over catalogues too large to score on the event loop. */
  private readonly threadCoalescer = new SingleUserCoalescer((key, _model, users, limits) =>
    this.inThreads(key, users, limits),
  );

  async rankKnownUsers(key: string, model: ServingModel, users: Int32Array, limits: Int32Array): Promise<TopK[]> {
    const cheap =
      users.length === 1
        ? costModel(model).knownUser(users[0]) <= this.inlineBudgetNs
        : knownUsersCost(model, users) <= this.inlineBudgetNs;
    if (users.length === 1) {
      if (cheap) return [await this.localCoalescer.rank(key, model, users[0], limits[0])];
      // Counted from the moment the request waits for its group, so a swap cannot release the
      // model between queueing and scoring.
      return this.track(key, async () => [await this.threadCoalescer.rank(key, model, users[0], limits[0])]);
    }
    if (cheap) return rankKnownUsers(model.recommender, model.seen, users, limits, this.scratch);
    return this.track(key, () => this.inThreads(key, users, limits));
  }

  /** Rank in the threads, a large batch split across them. The caller tracks the model's use. */
  private async inThreads(key: string, users: Int32Array, limits: Int32Array): Promise<TopK[]> {
    await this.ready();
    const parts = Math.min(this.slots.length, Math.floor(users.length / MIN_USERS_PER_SPLIT));
    if (parts <= 1) return this.known(this.leastBusy(), key, users, limits);
    const chunk = Math.ceil(users.length / parts);
    const jobs: Promise<TopK[]>[] = [];
    for (let start = 0, s = 0; start < users.length; start += chunk, s++) {
      const end = Math.min(users.length, start + chunk);
      jobs.push(this.known(this.slots[s % this.slots.length], key, users.slice(start, end), limits.slice(start, end)));
    }
    return (await Promise.all(jobs)).flat();
  }

  private async known(slot: Slot, key: string, users: Int32Array, limits: Int32Array): Promise<TopK[]> {
    const reply = await this.send(slot, (id) => ({ type: 'known', id, key, users, limits }));
    if (!reply.ok) throw revive(reply.error);
    return reply.results ?? [];
  }

  async rankProfiles(key: string, model: ServingModel, profiles: readonly ProfileJob[]): Promise<ProfileResult[]> {
    const cost = costModel(model);
    const costs = profiles.map((p) => cost.profile(p));
    const total = costs.reduce((a, b) => a + b, 0);
    if (total <= this.inlineBudgetNs) return runProfiles(model, profiles);
    return this.track(key, async () => {
      await this.ready();
      // Fold-ins can cost milliseconds each: spread the batch over the threads by estimated work.
      const parts = Math.min(this.slots.length, profiles.length, Math.max(1, Math.floor(total / this.inlineBudgetNs)));
      if (parts <= 1) return this.profilesOn(this.leastBusy(), key, profiles);
      const jobs: Promise<ProfileResult[]>[] = [];
      let start = 0;
      splitByCost(costs, parts).forEach((end, s) => {
        jobs.push(this.profilesOn(this.slots[s % this.slots.length], key, profiles.slice(start, end)));
        start = end;
      });
      return (await Promise.all(jobs)).flat();
    });
  }

  private async profilesOn(slot: Slot, key: string, profiles: readonly ProfileJob[]): Promise<ProfileResult[]> {
    const reply = await this.send(slot, (id) => ({ type: 'profiles', id, key, profiles: [...profiles] }));
    if (!reply.ok) throw revive(reply.error);
    return (reply.profiles ?? []).map((p) => (p.ok ? p.top : revive(p.error)));
  }

  async close(): Promise<void> {
    this.closed = true;
    await Promise.all(this.slots.map((s) => s.worker.terminate()));
  }
}

function attachMessage(id: number, key: string, model: ServingModel): WorkerRequest {
  return { type: 'attach', id, key, saved: model.saved, seen: model.seen };
}
