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

/**
 * The bytes as a view whose buffer may be transferred to the loader thread: the same memory when
 * their buffer is not Buffer's shared pool (the reader's buffer is usually a little larger than the
 * file, so the view does not span all of it), else a copy. A copy would leave the original, as large
 * as the artifact, to the garbage collector, which may not run for a long time on an idle server:
 * it was most of the idle memory beyond the model's own bytes.
 */
export function transferableView(bytes: Buffer): Uint8Array<ArrayBuffer> {
  return bytes.buffer instanceof ArrayBuffer && bytes.buffer.byteLength > Buffer.poolSize
    ? new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength)
    : new Uint8Array(bytes);
}

function inWorker(bytes: Buffer, job: DecodeJob): Promise<DecodeOutcome> {
  const owned = transferableView(bytes);
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
