/**
 * Worker entry of ./pool.ts: instantiates the kernels over the shared heap, then runs one task per
 * message and posts back its result or error.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { resolveTask, type TaskContext } from './pool.js';
import { attachRuntime } from './wasm/runtime.js';

interface Init {
  module: WebAssembly.Module | null;
  memory: WebAssembly.Memory | null;
  threadId: number;
}

interface Job {
  moduleUrl: string;
  name: string;
  args: unknown;
  start: number;
  end: number;
  rangeIndex: number;
}

const init = workerData as Init;
const attached = init.module && init.memory ? attachRuntime(init.module, init.memory) : null;
const base: TaskContext = {
  kernels: attached?.exports ?? null,
  memory: init.memory,
  threadId: init.threadId,
  rangeIndex: 0,
};

/**
 * The private buffers under a result's typed arrays (the result itself or its direct fields): moved
 * to the caller instead of copied, so a large result (a chunk of similarity rows) never exists
 * twice. Shared memory is never transferred. Tasks therefore return fresh arrays, never views of
 * state the worker keeps.
 */
function transferables(result: unknown): ArrayBuffer[] {
  const out = new Set<ArrayBuffer>();
  const consider = (v: unknown): void => {
    if (ArrayBuffer.isView(v) && v.buffer instanceof ArrayBuffer) out.add(v.buffer);
  };
  if (result !== null && typeof result === 'object') {
    consider(result);
    if (!ArrayBuffer.isView(result)) for (const v of Object.values(result)) consider(v);
  }
  return [...out];
}

parentPort?.on('message', async (job: Job) => {
  try {
    const task = await resolveTask(job.moduleUrl, job.name);
    const result = await task.fn(job.args, job.start, job.end, { ...base, rangeIndex: job.rangeIndex });
    parentPort?.postMessage({ kind: 'result', ok: true, result }, transferables(result));
  } catch (err) {
    const e = err instanceof Error ? err : new Error(String(err));
    parentPort?.postMessage({ kind: 'result', ok: false, error: { message: e.message, name: e.name, stack: e.stack } });
  }
});

parentPort?.postMessage({ kind: 'ready' });
