/** Worker-thread entry: runs one decode job from `workerData` and posts the outcome back. */
import { parentPort, workerData } from 'node:worker_threads';
import { type DecodeJob, runDecodeJob } from './decode-job.js';

const outcome = await runDecodeJob(workerData as DecodeJob);
parentPort?.postMessage(outcome);
