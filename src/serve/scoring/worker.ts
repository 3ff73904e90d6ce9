/**
 * Scoring thread. Holds the recommenders attached by the pool (rebuilt over the shared arrays,
 * never copied) and answers ranking jobs one at a time. Messages are plain data; typed-array
 * results are transferred back.
 */
import { parentPort } from 'node:worker_threads';
import type { Recommender, SavedModel } from '../../algorithms/types.js';
import { ArtifactError, type ArtifactErrorReason } from '../../errors/index.js';
import type { CsrMatrix } from '../../linalg/csr.js';
import type { ProfileJob } from './executor.js';
import { NormOrderedItems } from './norm-order.js';
import { RankScratch, rankKnownUsers, rankProfileJob } from './rank.js';
import { loadServingRecommender } from './shared-model.js';
import type { TopK } from './topk.js';

export type WorkerRequest =
  | { type: 'attach'; id: number; key: string; saved: SavedModel; seen: CsrMatrix }
  | { type: 'detach'; key: string }
  | { type: 'known'; id: number; key: string; users: Int32Array; limits: Int32Array }
  | { type: 'profiles'; id: number; key: string; profiles: ProfileJob[] };

export interface SerializedError {
  name: string;
  message: string;
  /** ArtifactError reason, so a model that fails to load keeps its failure class. */
  reason?: ArtifactErrorReason;
}

export type ProfileOutcome = { ok: true; top: TopK } | { ok: false; error: SerializedError };

export type WorkerResponse =
  | { id: number; ok: true; results?: TopK[]; profiles?: ProfileOutcome[] }
  | { id: number; ok: false; error: SerializedError; fatal: boolean };

interface Held {
  recommender: Recommender;
  seen: CsrMatrix;
}

const port = parentPort;
if (port === null) throw new Error('scoring worker started outside a worker thread');

const models = new Map<string, Held>();
const scratch = new RankScratch();

function serialize(err: unknown): SerializedError {
  if (err instanceof ArtifactError) return { name: 'ArtifactError', message: err.message, reason: err.reason };
  return err instanceof Error ? { name: err.name, message: err.message } : { name: 'Error', message: String(err) };
}

function isFatal(err: unknown): boolean {
  return (
    err instanceof RangeError &&
    /call stack|allocation failed|Array buffer|Invalid typed array length/i.test(err.message)
  );
}

function held(key: string): Held {
  const model = models.get(key);
  if (model === undefined) throw new Error(`model ${key} is not attached to this scoring thread`);
  return model;
}

function transferables(tops: readonly TopK[]): ArrayBuffer[] {
  const out: ArrayBuffer[] = [];
  for (const t of tops) {
    // Results are fresh arrays owned by this thread, so they can move instead of being copied.
    if (t.indices.buffer instanceof ArrayBuffer && t.indices.byteLength === t.indices.buffer.byteLength)
      out.push(t.indices.buffer);
    if (t.scores.buffer instanceof ArrayBuffer && t.scores.byteLength === t.scores.buffer.byteLength)
      out.push(t.scores.buffer);
  }
  return out;
}

port.on('message', (msg: WorkerRequest) => {
  if (msg.type === 'detach') {
    const m = models.get(msg.key);
    if (m) NormOrderedItems.release(m.recommender);
    models.delete(msg.key);
    return;
  }
  try {
    if (msg.type === 'attach') {
      models.set(msg.key, { recommender: loadServingRecommender(msg.saved, msg.seen), seen: msg.seen });
      port.postMessage({ id: msg.id, ok: true } satisfies WorkerResponse);
    } else if (msg.type === 'known') {
      const m = held(msg.key);
      const results = rankKnownUsers(m.recommender, m.seen, msg.users, msg.limits, scratch);
      port.postMessage({ id: msg.id, ok: true, results } satisfies WorkerResponse, transferables(results));
    } else {
      const m = held(msg.key);
      const profiles: ProfileOutcome[] = msg.profiles.map((p) => {
        try {
          return { ok: true, top: rankProfileJob(m.recommender, m.seen, p) };
        } catch (err) {
          if (isFatal(err)) throw err;
          return { ok: false, error: serialize(err) };
        }
      });
      const tops = profiles.flatMap((p) => (p.ok ? [p.top] : []));
      port.postMessage({ id: msg.id, ok: true, profiles } satisfies WorkerResponse, transferables(tops));
    }
  } catch (err) {
    port.postMessage({ id: msg.id, ok: false, error: serialize(err), fatal: isFatal(err) } satisfies WorkerResponse);
  }
});
