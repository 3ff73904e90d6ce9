/**
 * Export scoring thread. Rebuilds the recommender once over the shared model arrays (never
 * copied), then ranks one chunk of users (or seed items) per message and transfers the flat
 * result arrays back.
 */
import { parentPort, workerData } from 'node:worker_threads';
import type { SavedModel } from '../algorithms/types.js';
import type { CsrMatrix } from '../linalg/csr.js';
import { loadServingRecommender } from '../serve/scoring/shared-model.js';
import { type RankedChunk, type RankOptions, RankScratch, rankRelated, rankUsers } from './rank-block.js';

export interface ScoreWorkerInit {
  saved: SavedModel;
  seen: CsrMatrix;
  related: boolean;
  options: RankOptions;
}

export interface ScoreRequest {
  id: number;
  /** User indices, or seed item indices for related items. */
  rows: Int32Array;
}

export type ScoreReply =
  | { id: number; ok: true; chunk: RankedChunk }
  | { id: number; ok: false; name: string; message: string };

const port = parentPort;
if (port === null) throw new Error('export scoring worker started outside a worker thread');

const init = workerData as ScoreWorkerInit;
const recommender = loadServingRecommender(init.saved, init.seen);
const scratch = new RankScratch();

port.on('message', (msg: ScoreRequest) => {
  try {
    const chunk = init.related
      ? rankRelated(recommender, init.seen, msg.rows, init.options)
      : rankUsers(recommender, init.seen, msg.rows, init.options, scratch);
    const reply: ScoreReply = { id: msg.id, ok: true, chunk };
    port.postMessage(reply, [chunk.indices.buffer, chunk.scores.buffer, chunk.counts.buffer] as ArrayBuffer[]);
  } catch (err) {
    const e = err instanceof Error ? err : new Error(String(err));
    port.postMessage({ id: msg.id, ok: false, name: e.name, message: e.message } satisfies ScoreReply);
  }
});
