/**
 * Worker entry of ./pool.ts: instantiates the kernels over the shared heap, then runs one task per
 * message and posts back its result or error.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { type RunMessage, resolveTask, type TaskContext, type WorkerMessage } from './pool.js';
import { attachRuntime } from './wasm/runtime.js';

interface Init {
  module: WebAssembly.Module | null;
  memory: WebAssembly.Memory | null;
  threadId: number;
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

/**
 * Join a run: claim its ranges through the shared counter until none is left (or a range failed),
 * then send every result back in one message.
 */
parentPort?.on('message', async (msg: RunMessage) => {
  const { ranges, control } = msg;
  const results: [number, unknown][] = [];
  const moved: ArrayBuffer[] = [];
  try {
    const task = await resolveTask(msg.moduleUrl, msg.name);
    for (;;) {
      if (Atomics.load(control, 1) !== 0) break;
      const i = Atomics.add(control, 0, 1);
      if (i >= ranges.length) break;
      const result = await task.fn(msg.args, ranges[i][0], ranges[i][1], { ...base, rangeIndex: i });
      results.push([i, result]);
      moved.push(...transferables(result));
    }
    parentPort?.postMessage({ kind: 'result', ok: true, results } satisfies WorkerMessage, moved);
  } catch (err) {
    Atomics.store(control, 1, 1);
    const e = err instanceof Error ? err : new Error(String(err));
    const reply: WorkerMessage = {
      kind: 'result',
      ok: false,
      error: { message: e.message, name: e.name, stack: e.stack },
    };
    parentPort?.postMessage(reply);
  }
});

parentPort?.postMessage({ kind: 'ready' });
