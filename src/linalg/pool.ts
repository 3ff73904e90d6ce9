/**
 * Worker-thread pool for data-parallel numeric work.
 *
 * ## API
 *
 * ```ts
 * // 1. In a task module (any file; it is imported by the workers too, so keep it free of
 * //    main-thread state), define named tasks at top level:
 * export const scaleRows = defineTask(import.meta.url, 'scaleRows',
 *   (args: { x: Float32Array; f: number }, start: number, end: number, ctx: TaskContext) => {
 *     for (let i = start; i < end; i++) args.x[i] *= args.f;   // return value is posted back
 *   });
 *
 * // 2. On the main thread:
 * const pool = getPool(threads);          // the calling thread plus threads − 1 workers (1: inline)
 * const ranges = rangesByCost(X.indptr, pool.size * 4); // work-balanced chunks (e.g. by nnz)
 * const results = await pool.run(scaleRows, { x, f: 2 }, ranges); // one result per range, in order
 * ```
 *
 * - Arguments are structured-cloned; typed arrays over a `SharedArrayBuffer` (see `sharedF32` and
 *   friends in ./resident.ts, which allocate in the WebAssembly heap when it is loaded) are shared,
 *   not copied, so tasks write their output rows in place.
 * - `ctx.kernels` is the WebAssembly kernel set instantiated in that thread over the shared heap
 *   (null when unavailable); a heap view's `byteOffset` is its kernel pointer in every thread.
 * - Ranges are dealt out dynamically (a worker that finishes one claims the next through a shared
 *   counter), so results depend only on the ranges, never on scheduling: with ranges derived from
 *   the thread count, results are deterministic for a given input and thread count. A run costs one
 *   message per worker that joins it, not one per range, so many small ranges are cheap.
 * - A result's own typed arrays are moved to the caller, not copied: return fresh arrays.
 * - `rangesByCost(prefix, parts)` cuts [0, n) into contiguous ranges of nearly equal total cost
 *   given a cost prefix sum (a CSR `indptr` balances by nnz); `rowCostPrefix(indptr, perRow)` adds
 *   a fixed per-row cost. Never split by equal index counts: popular rows would all land together.
 * - Workers are started lazily, kept for reuse, and never keep the process alive while idle.
 *   `closePools()` terminates them (tests, shutdown).
 * - Worker scripts run from TypeScript sources (tests, tsx) through `--import tsx` and from the
 *   compiled `dist/` as plain JavaScript.
 */
import { createRequire } from 'node:module';
import { availableParallelism } from 'node:os';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import { type KernelExports, wasmRuntime } from './wasm/runtime.js';

export interface TaskContext {
  /** WebAssembly kernels over the shared heap in this thread, or null (TypeScript fallback). */
  kernels: KernelExports | null;
  /** The shared kernel memory, or null. */
  memory: WebAssembly.Memory | null;
  /** 0 for the calling thread, 1… for workers. */
  threadId: number;
  /** Position of the current range in the `ranges` passed to `run` (to pick a per-range output slot). */
  rangeIndex: number;
}

export type TaskFn<A, R> = (args: A, start: number, end: number, ctx: TaskContext) => R | Promise<R>;

export interface Task<A, R> {
  readonly moduleUrl: string;
  readonly name: string;
  readonly fn: TaskFn<A, R>;
}

export type Range = readonly [start: number, end: number];

const registry = new Map<string, Task<unknown, unknown>>();

function taskKey(moduleUrl: string, name: string): string {
  return `${moduleUrl}#${name}`;
}

/** Register a task; call at the top level of the module whose `import.meta.url` is passed. */
export function defineTask<A, R>(moduleUrl: string, name: string, fn: TaskFn<A, R>): Task<A, R> {
  const task: Task<A, R> = { moduleUrl, name, fn };
  registry.set(taskKey(moduleUrl, name), task as Task<unknown, unknown>);
  return task;
}

/** Look a task up, importing its module first if needed (used by workers). */
export async function resolveTask(moduleUrl: string, name: string): Promise<Task<unknown, unknown>> {
  const key = taskKey(moduleUrl, name);
  let task = registry.get(key);
  if (!task) {
    await import(moduleUrl);
    task = registry.get(key);
  }
  if (!task) throw new Error(`pool: module ${moduleUrl} defines no task '${name}'`);
  return task;
}

/** Default thread count: the machine's parallelism, capped at 8. */
export function defaultThreads(): number {
  return Math.max(1, Math.min(8, availableParallelism()));
}

/**
 * Contiguous ranges over [0, n) with nearly equal cost, where `prefix` (length n + 1) is the running
 * total of per-index costs. Empty ranges are dropped; at most `parts` ranges are returned.
 */
export function rangesByCost(prefix: ArrayLike<number>, parts: number): Range[] {
  const n = prefix.length - 1;
  if (n <= 0) return [];
  const base = prefix[0];
  const total = prefix[n] - base;
  const p = Math.max(1, Math.min(parts, n));
  const out: Range[] = [];
  let start = 0;
  for (let k = 1; k <= p && start < n; k++) {
    let end: number;
    if (k === p) end = n;
    else {
      const goal = base + (total * k) / p;
      // first index whose prefix reaches the goal
      let lo = start + 1;
      let hi = n;
      while (lo < hi) {
        const mid = (lo + hi) >> 1;
        if (prefix[mid] >= goal) hi = mid;
        else lo = mid + 1;
      }
      end = lo;
    }
    if (end > start) {
      out.push([start, end]);
      start = end;
    }
  }
  return out;
}

/** Cost prefix of CSR rows: nnz of the row plus a fixed `perRow` overhead. */
export function rowCostPrefix(indptr: ArrayLike<number>, perRow: number): Float64Array {
  const n = indptr.length - 1;
  const out = new Float64Array(n + 1);
  for (let r = 0; r < n; r++) out[r + 1] = out[r] + (indptr[r + 1] - indptr[r]) + perRow;
  return out;
}

export interface WorkerPool {
  /** Number of threads work is spread over (1 = the calling thread). */
  readonly size: number;
  /** Run `task` once per range; resolves to the results in range order. */
  run<A, R>(task: Task<A, R>, args: A, ranges: readonly Range[]): Promise<R[]>;
  /** Start every worker now (otherwise they start on first use); resolves when all are ready. */
  warm(): Promise<void>;
}

function mainContext(rangeIndex: number): TaskContext {
  const rt = wasmRuntime();
  return { kernels: rt?.exports ?? null, memory: rt?.memory ?? null, threadId: 0, rangeIndex };
}

class InlinePool implements WorkerPool {
  readonly size = 1;
  async warm(): Promise<void> {}
  async run<A, R>(task: Task<A, R>, args: A, ranges: readonly Range[]): Promise<R[]> {
    const out: R[] = [];
    for (let i = 0; i < ranges.length; i++) out.push(await task.fn(args, ranges[i][0], ranges[i][1], mainContext(i)));
    return out;
  }
}

/**
 * One `run` call. Workers that join it claim its ranges one at a time through a shared counter, so a
 * run costs one message per joining worker (not one per range) while free threads still take the
 * next range as soon as they finish one. `control[0]`: next unclaimed range; `control[1]`: 1 once a
 * range has failed (no further claims).
 */
interface Run {
  task: Task<unknown, unknown>;
  args: unknown;
  ranges: readonly Range[];
  control: Int32Array;
  results: unknown[];
  /** workers that joined and have not reported yet */
  active: number;
  /** the calling thread is still claiming ranges of this run */
  callerBusy: boolean;
  error: unknown;
  settle: () => void;
}

interface Slot {
  worker: Worker;
  run: Run | null;
  ready: Promise<void>;
}

const WORKER_URL = new URL(import.meta.url.endsWith('.ts') ? './pool-worker.ts' : './pool-worker.js', import.meta.url);

/**
 * A TypeScript worker (source checkout: tests, tsx) starts from a small JavaScript bootstrap that
 * registers tsx's loader inside the worker and then imports the entry; `--import tsx` in a worker's
 * execArgv is not honoured for the entry module on Node 20.
 */
function workerEntry(): { filename: string | URL; eval: boolean } {
  if (!WORKER_URL.pathname.endsWith('.ts')) return { filename: fileURLToPath(WORKER_URL), eval: false };
  const tsxRoot = pathToFileURL(createRequire(import.meta.url).resolve('tsx/package.json'));
  const api = new URL('./dist/esm/api/index.mjs', tsxRoot).href;
  const code = `import(${JSON.stringify(api)}).then((m) => { m.register(); return import(${JSON.stringify(WORKER_URL.href)}); });`;
  return { filename: code, eval: true };
}

/** What a worker sends back for one run: the results of the ranges it claimed, or its error. */
export type WorkerMessage =
  | { kind: 'ready' }
  | {
      kind: 'result';
      ok: boolean;
      /** [range index, result] of every range this worker ran */
      results?: [number, unknown][];
      error?: { message: string; name: string; stack?: string };
    };

/** What the pool sends a worker: join a run and claim its ranges until none is left. */
export interface RunMessage {
  moduleUrl: string;
  name: string;
  args: unknown;
  ranges: readonly Range[];
  control: Int32Array;
}

function claimable(run: Run): boolean {
  return Atomics.load(run.control, 1) === 0 && Atomics.load(run.control, 0) < run.ranges.length;
}

/**
 * A pool of `size` threads: the calling thread plus `size − 1` workers. The caller claims ranges of
 * its own run like any worker instead of sleeping until the results arrive: on a machine with as
 * many cores as threads no core idles, and a run whose ranges the caller finishes first needs no
 * wake-up round trip at all. Runs wait in one queue and idle workers join the oldest run that still
 * has unclaimed ranges, so concurrent `run` calls (several models training in one process) share
 * the workers safely. Only batch work (training, evaluation, export) uses the pool: the calling
 * thread's event loop waits while it computes.
 */
class ThreadPool implements WorkerPool {
  private slots: (Slot | null)[];
  private queue: Run[] = [];

  constructor(readonly size: number) {
    this.slots = new Array(size - 1).fill(null);
  }

  private spawn(index: number): Slot {
    const rt = wasmRuntime();
    const entry = workerEntry();
    const worker = new Worker(entry.filename, {
      eval: entry.eval,
      workerData: { module: rt?.module ?? null, memory: rt?.memory ?? null, threadId: index + 1 },
    });
    worker.unref();
    let markReady: () => void = () => {};
    const ready = new Promise<void>((resolve) => {
      markReady = resolve;
    });
    const slot: Slot = { worker, run: null, ready };
    worker.on('message', (msg: WorkerMessage) => {
      if (msg.kind === 'ready') {
        markReady();
        return;
      }
      const run = slot.run;
      slot.run = null;
      worker.unref();
      if (run) {
        if (msg.ok) for (const [i, r] of msg.results ?? []) run.results[i] = r;
        else {
          const err = new Error(msg.error?.message ?? 'worker task failed');
          err.name = msg.error?.name ?? 'Error';
          if (msg.error?.stack) err.stack = msg.error.stack;
          run.error ??= err;
        }
        this.leave(run);
      }
      this.dispatch();
    });
    const fail = (err: unknown): void => {
      if (this.slots[index] !== slot) return;
      this.slots[index] = null;
      markReady();
      const run = slot.run;
      slot.run = null;
      if (run) {
        // the ranges this worker had claimed are lost with it: the run fails
        Atomics.store(run.control, 1, 1);
        run.error ??= err instanceof Error ? err : new Error(`pool worker exited: ${String(err)}`);
        this.leave(run);
      }
      this.dispatch();
    };
    worker.on('error', fail);
    worker.on('exit', (code) => fail(new Error(`pool worker exited with code ${code}`)));
    this.slots[index] = slot;
    return slot;
  }

  /**
   * A worker is done with `run`; settle it once nobody works on it (the caller stops claiming only
   * when nothing is left to claim or a range failed).
   */
  private leave(run: Run): void {
    run.active--;
    if (run.active === 0 && !run.callerBusy) run.settle();
  }

  /** The calling thread's share of `run`: claim and run ranges until none is left. */
  private async work(run: Run): Promise<void> {
    const { ranges, control } = run;
    for (;;) {
      if (Atomics.load(control, 1) !== 0) break;
      const i = Atomics.add(control, 0, 1);
      if (i >= ranges.length) break;
      try {
        run.results[i] = await run.task.fn(run.args, ranges[i][0], ranges[i][1], mainContext(i));
      } catch (err) {
        Atomics.store(control, 1, 1);
        run.error ??= err;
        break;
      }
    }
    run.callerBusy = false;
    if (run.active === 0) run.settle();
  }

  private dispatch(): void {
    this.queue = this.queue.filter((r) => claimable(r));
    for (let i = 0; i < this.slots.length && this.queue.length > 0; i++) {
      const slot = this.slots[i] ?? this.spawn(i);
      if (slot.run) continue;
      const run = this.queue[0];
      // one more worker on the oldest run is useful only while it has more ranges than threads on it
      const onIt = run.active + 1 + (run.callerBusy ? 1 : 0);
      if (onIt >= run.ranges.length - Atomics.load(run.control, 0)) this.queue.shift();
      run.active++;
      slot.run = run;
      slot.worker.ref();
      const msg: RunMessage = {
        moduleUrl: run.task.moduleUrl,
        name: run.task.name,
        args: run.args,
        ranges: run.ranges,
        control: run.control,
      };
      slot.worker.postMessage(msg);
    }
  }

  /**
   * Resolves once every range has run. After a failure the unclaimed ranges are skipped, but the
   * promise settles only when the ranges already running have finished too, so the caller may free
   * the shared buffers as soon as it sees the error.
   */
  async run<A, R>(task: Task<A, R>, args: A, ranges: readonly Range[]): Promise<R[]> {
    if (ranges.length === 0) return [];
    let settle: () => void = () => {};
    const done = new Promise<void>((resolve) => {
      settle = resolve;
    });
    const run: Run = {
      task: task as Task<unknown, unknown>,
      args,
      ranges,
      control: new Int32Array(new SharedArrayBuffer(8)),
      results: new Array(ranges.length),
      active: 0,
      callerBusy: true,
      error: undefined,
      settle,
    };
    if (ranges.length > 1) {
      this.queue.push(run);
      this.dispatch();
    }
    await this.work(run);
    await done;
    if (run.error !== undefined) throw run.error;
    return run.results as R[];
  }

  async warm(): Promise<void> {
    for (let i = 0; i < this.slots.length; i++) if (!this.slots[i]) this.spawn(i);
    await Promise.all(this.slots.map((s) => s?.ready));
  }

  async close(): Promise<void> {
    const slots = this.slots.filter((s): s is Slot => s !== null);
    this.slots = new Array(this.size - 1).fill(null);
    await Promise.all(slots.map((s) => s.worker.terminate()));
  }
}

const pools = new Map<number, ThreadPool>();
const inline = new InlinePool();

/** The process-wide pool of `threads` threads (default: `defaultThreads()`); 1 runs inline. */
export function getPool(threads?: number): WorkerPool {
  const n = Math.max(1, Math.floor(threads ?? defaultThreads()));
  if (n === 1) return inline;
  let pool = pools.get(n);
  if (!pool) {
    pool = new ThreadPool(n);
    pools.set(n, pool);
  }
  return pool;
}

/** Terminate every pool's workers (they restart on the next `run`). */
export async function closePools(): Promise<void> {
  const all = [...pools.values()];
  pools.clear();
  await Promise.all(all.map((p) => p.close()));
}
