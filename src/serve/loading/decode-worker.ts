/** Worker-thread entry: decodes the transferred artifact bytes from `workerData` and posts the outcome. */
import { parentPort, workerData } from 'node:worker_threads';
import { type DecodeJob, decodeBytes } from './decode-job.js';

const { job, bytes } = workerData as { job: DecodeJob; bytes: Uint8Array };
parentPort?.postMessage(decodeBytes(bytes, job));
