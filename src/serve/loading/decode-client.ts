/**
 * Read an artifact (async I/O on the event loop, pointer files followed), then decode it: inline
 * when it is small enough that hashing, verifying and decoding take a few milliseconds, otherwise
 * in a fresh worker thread that receives the buffer without a copy. A worker that dies becomes an
 * `unexpected` failure of that one load; the server carries on.
 */
import { type RemoteStoreFactory, readArtifactBytes } from '../../artifact/index.js';
import { siblingModule, startWorker } from '../runtime/threads.js';
import { type DecodeJob, type DecodeOutcome, decodeBytes, decodeFailure } from './decode-job.js';

const WORKER_ENTRY = siblingModule(import.meta.url, 'decode-worker');

/** Artifacts up to this size decode on the event loop (≈ 10 ms of hashing and copying). */
export const INLINE_DECODE_MAX_BYTES = 4 * 1024 * 1024;

/** `auto` (default): by size; `thread`/`inline` force one side (tests). */
export type DecodeMode = 'auto' | 'thread' | 'inline';

function inWorker(bytes: Buffer, job: DecodeJob): Promise<DecodeOutcome> {
  // Hand over the bytes without a copy when the buffer owns its memory; pooled small buffers are copied.
  const owned =
    bytes.byteOffset === 0 && bytes.byteLength === bytes.buffer.byteLength && bytes.buffer instanceof ArrayBuffer
      ? new Uint8Array(bytes.buffer)
      : new Uint8Array(bytes);
  return new Promise<DecodeOutcome>((resolve) => {
    let settled = false;
    const settle = (outcome: DecodeOutcome): void => {
      if (settled) return;
      settled = true;
      resolve(outcome);
    };
    const worker = startWorker(WORKER_ENTRY, {
      workerData: { job, bytes: owned },
      transferList: [owned.buffer as ArrayBuffer],
    });
    worker.once('message', (outcome: DecodeOutcome) => {
      settle(outcome);
      void worker.terminate();
    });
    const crashed = (message: string) =>
      settle({ ok: false, reason: 'unexpected', message, kid: null, kidFailure: null });
    worker.once('error', (err) => crashed(`loader thread failed: ${err.message}`));
    worker.once('exit', (code) => crashed(`loader thread exited with code ${code}`));
  });
}

export async function decodeArtifact(
  uri: string,
  artifactCap: number,
  job: DecodeJob,
  mode: DecodeMode,
  root: string | null = null,
  remoteStores?: RemoteStoreFactory,
): Promise<DecodeOutcome> {
  let bytes: Buffer;
  try {
    bytes = (await readArtifactBytes(uri, { artifactCap, root, remoteStores })).bytes;
  } catch (err) {
    return decodeFailure(err, null);
  }
  const inline = mode === 'inline' || (mode === 'auto' && bytes.length <= INLINE_DECODE_MAX_BYTES);
  return inline ? decodeBytes(bytes, job) : inWorker(bytes, job);
}
