/**
 * Trial workers: a small pool of worker threads that train trials off the main thread, used when
 * trials run in parallel or under a per-trial timeout. A timed-out trial's
 * worker is terminated (really stopped, unlike Python's orphaned threads) and replaced on demand.
 *
 * Under the TypeScript sources (tests, tsx) the worker is started through tsx's loader; the
 * compiled package starts the `.js` next to this file directly.
 */
import { createRequire } from 'node:module';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import type { Params } from '../../algorithms/types.js';
import type { TrialTiming } from './objective.js';
import { reviveError } from './transfer.js';
import type { FromWorker, ToWorker, TrialWorkerData } from './trial-worker.js';

export type WorkerOutcome =
  | { kind: 'complete'; score: number; learntConfig: Params; timing: TrialTiming }
  | { kind: 'pruned'; timing: TrialTiming }
  /** `terminated` resolves once the worker thread is gone. */
  | { kind: 'timeout'; terminated: Promise<void> };

export interface TrialTask {
  trial: number;
  className: string;
  params: Params;
  /** Called for every intermediate value; resolves to the pruning decision. */
  onReport: (step: number, value: number) => Promise<boolean>;
  /** Wall-clock limit of the training, in ms (counted from the moment the worker starts it). */
  timeoutMs?: number;
}

/** File URL of tsx's ESM API (its `import` export; the CommonJS twin cannot load the ESM half). */
function tsxEsmApiUrl(from: string): string {
  const req = createRequire(fileURLToPath(from));
  const pkgPath = req.resolve('tsx/package.json');
  const pkg = req(pkgPath) as { exports: Record<string, { import: { default: string } }> };
  return new URL(pkg.exports['./esm/api'].import.default, pathToFileURL(pkgPath)).href;
}

function spawnWorker(data: TrialWorkerData): Worker {
  const here = import.meta.url;
  if (here.endsWith('.ts')) {
    const entry = new URL('./trial-worker.ts', here).href;
    const tsxApi = tsxEsmApiUrl(here);
    const boot = `import(${JSON.stringify(tsxApi)}).then((m) => m.tsImport(${JSON.stringify(entry)}, ${JSON.stringify(here)}));`;
    return new Worker(boot, { eval: true, workerData: data });
  }
  return new Worker(new URL('./trial-worker.js', here), { workerData: data });
}

class PooledWorker {
  readonly ready: Promise<void>;
  /** Handler of the trial in flight, if any. */
  onMessage: ((msg: FromWorker) => void) | null = null;
  onFailure: ((err: Error) => void) | null = null;
  dead = false;

  constructor(readonly worker: Worker) {
    this.ready = new Promise<void>((resolve, reject) => {
      const early = (msg: FromWorker): void => {
        if (msg.type === 'ready') resolve();
        else if (msg.type === 'setup_failed') reject(reviveError(msg.error));
      };
      worker.on('message', (msg: FromWorker) => {
        if (msg.type === 'ready' || msg.type === 'setup_failed') early(msg);
        else this.onMessage?.(msg);
      });
      const fail = (err: Error): void => {
        this.dead = true;
        reject(err);
        this.onFailure?.(err);
      };
      worker.on('error', fail);
      // A trial still waiting on this worker fails with this error (after an 'error' event the
      // trial has already failed and this is a no-op).
      worker.on('exit', (code) => fail(new Error(`trial worker stopped (exit code ${code})`)));
    });
    // Readiness failures are reported to whoever awaits `ready`.
    this.ready.catch(() => undefined);
  }

  post(msg: ToWorker): void {
    this.worker.postMessage(msg);
  }

  terminate(): Promise<void> {
    this.dead = true;
    return this.worker.terminate().then(() => undefined);
  }
}

export class TrialWorkerPool {
  private readonly idle: PooledWorker[] = [];
  private readonly busy = new Set<PooledWorker>();
  private readonly terminating = new Set<Promise<void>>();

  constructor(private readonly data: TrialWorkerData) {}

  private acquire(): PooledWorker {
    let w = this.idle.pop();
    while (w?.dead) w = this.idle.pop();
    w ??= new PooledWorker(spawnWorker(this.data));
    this.busy.add(w);
    return w;
  }

  private releaseWorker(w: PooledWorker): void {
    this.busy.delete(w);
    if (!w.dead) this.idle.push(w);
  }

  private kill(w: PooledWorker): Promise<void> {
    this.busy.delete(w);
    const p = w.terminate();
    this.terminating.add(p);
    void p.finally(() => this.terminating.delete(p));
    return p;
  }

  /** Run one trial; rejects with the trial's (rebuilt) error if training failed. */
  async run(task: TrialTask): Promise<WorkerOutcome> {
    const w = this.acquire();
    try {
      await w.ready;
    } catch (err) {
      await this.kill(w);
      throw err;
    }
    return new Promise<WorkerOutcome>((resolve, reject) => {
      let settled = false;
      let timer: NodeJS.Timeout | undefined;
      // Every settle path goes through here once: a result that arrives after the timeout fired
      // is ignored, and a timeout that fires after a result is cleared.
      const settle = (fn: () => void, keepWorker: boolean): void => {
        if (settled) return;
        settled = true;
        if (timer) clearTimeout(timer);
        w.onMessage = null;
        w.onFailure = null;
        if (keepWorker) this.releaseWorker(w);
        fn();
      };
      w.onFailure = (err) => settle(() => reject(err), false);
      w.onMessage = (msg) => {
        if (msg.type === 'report') {
          task.onReport(msg.step, msg.value).then(
            (prune) => {
              if (!settled) w.post({ type: 'prune_decision', trial: msg.trial, prune });
            },
            (err: unknown) => {
              settle(() => reject(err), false);
              void this.kill(w);
            },
          );
        } else if (msg.type === 'complete') {
          settle(
            () => resolve({ kind: 'complete', score: msg.score, learntConfig: msg.learntConfig, timing: msg.timing }),
            true,
          );
        } else if (msg.type === 'pruned') {
          settle(() => resolve({ kind: 'pruned', timing: msg.timing }), true);
        } else if (msg.type === 'error') {
          settle(() => reject(reviveError(msg.error)), true);
        }
      };
      if (task.timeoutMs !== undefined) {
        timer = setTimeout(() => {
          settle(() => resolve({ kind: 'timeout', terminated: this.kill(w) }), false);
        }, task.timeoutMs);
      }
      w.post({ type: 'run', trial: task.trial, className: task.className, params: task.params });
    });
  }

  /** Stop every worker (busy ones included: their trials reject) and wait until all are gone. */
  async close(): Promise<void> {
    const all = [...this.idle, ...this.busy];
    this.idle.length = 0;
    await Promise.all(all.map((w) => this.kill(w)));
    await Promise.all([...this.terminating]);
  }
}
