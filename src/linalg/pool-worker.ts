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

parentPort?.on('message', async (job: Job) => {
  try {
    const task = await resolveTask(job.moduleUrl, job.name);
    const result = await task.fn(job.args, job.start, job.end, { ...base, rangeIndex: job.rangeIndex });
    parentPort?.postMessage({ kind: 'result', ok: true, result });
  } catch (err) {
    const e = err instanceof Error ? err : new Error(String(err));
    parentPort?.postMessage({ kind: 'result', ok: false, error: { message: e.message, name: e.name, stack: e.stack } });
  }
});

parentPort?.postMessage({ kind: 'ready' });
