/**
 * Run a decode job in a fresh worker thread (or inline when threads are off). A worker that dies
 * or never answers becomes an `unexpected` failure of that one load; the server carries on.
 */
import { siblingModule, startWorker } from '../runtime/threads.js';
import { type DecodeJob, type DecodeOutcome, runDecodeJob } from './decode-job.js';

const WORKER_ENTRY = siblingModule(import.meta.url, 'decode-worker');

export type DecodeMode = 'thread' | 'inline';

export async function decodeArtifact(job: DecodeJob, mode: DecodeMode): Promise<DecodeOutcome> {
  if (mode === 'inline') return runDecodeJob(job);
  return new Promise<DecodeOutcome>((resolve) => {
    let settled = false;
    const settle = (outcome: DecodeOutcome): void => {
      if (settled) return;
      settled = true;
      resolve(outcome);
    };
    const worker = startWorker(WORKER_ENTRY, { workerData: job });
    worker.once('message', (outcome: DecodeOutcome) => {
      settle(outcome);
      void worker.terminate();
    });
    worker.once('error', (err) => {
      settle({
        ok: false,
        reason: 'unexpected',
        message: `loader thread failed: ${err.message}`,
        kid: null,
        kidFailure: null,
      });
    });
    worker.once('exit', (code) => {
      settle({
        ok: false,
        reason: 'unexpected',
        message: `loader thread exited with code ${code}`,
        kid: null,
        kidFailure: null,
      });
    });
  });
}
