/**
 * The scoring threads of an export: one per core, each holding the model over the same shared
 * memory. Chunks go to the least busy thread; the caller keeps a bounded number in flight and
 * consumes results in order, so memory depends on the chunk size, never on the number of users.
 */
import type { Worker } from 'node:worker_threads';
import type { Recommender } from '../algorithms/types.js';
import { ArtifactError } from '../errors/index.js';
import { siblingModule, startWorker } from '../serve/runtime/threads.js';
import type { ServingModel } from '../serve/scoring/model.js';
import { loadServingRecommender } from '../serve/scoring/shared-model.js';
import { type RankedChunk, type RankOptions, RankScratch, rankRelated, rankUsers } from './rank-block.js';
import type { ScoreReply, ScoreRequest, ScoreWorkerInit } from './score-worker.js';

const WORKER_ENTRY = siblingModule(import.meta.url, 'score-worker');

/**
 * Exports that score at most this many (row, item) pairs run on the event loop: starting threads
 * (loading modules and compiling the kernels in each) costs more than scoring them.
 */
export const INLINE_MAX_SCORES = 16 * 1024 * 1024;

interface Slot {
  worker: Worker;
  inFlight: number;
  pending: Map<number, { resolve: (c: RankedChunk) => void; reject: (e: Error) => void }>;
}

function failure(name: string, message: string): Error {
  if (name === 'ArtifactError') return new ArtifactError(message, 'deserialize');
  const err = new Error(message);
  err.name = name;
  return err;
}

export class ExportScorer {
  private readonly slots: Slot[] = [];
  private nextId = 1;
  private closed = false;
  /** Set when scoring runs on the event loop instead of threads. */
  private readonly inline: { recommender: Recommender; scratch: RankScratch } | null = null;

  constructor(
    private readonly model: ServingModel,
    private readonly related: boolean,
    private readonly options: RankOptions,
    threads: number,
    rows: number,
    inlineMaxScores = INLINE_MAX_SCORES,
  ) {
    if (rows * model.nItems <= inlineMaxScores) {
      this.inline = { recommender: loadServingRecommender(model.saved, model.seen), scratch: new RankScratch() };
      return;
    }
    const init: ScoreWorkerInit = { saved: model.saved, seen: model.seen, related, options };
    for (let i = 0; i < Math.max(1, threads); i++) this.slots.push(this.spawn(i, init));
  }

  /** Chunks scored at once (1 on the event loop). */
  get threads(): number {
    return Math.max(1, this.slots.length);
  }

  private spawn(index: number, init: ScoreWorkerInit): Slot {
    const worker = startWorker(WORKER_ENTRY, { name: `recotem-export-${index}`, workerData: init });
    const slot: Slot = { worker, inFlight: 0, pending: new Map() };
    worker.on('message', (reply: ScoreReply) => {
      const p = slot.pending.get(reply.id);
      if (p === undefined) return;
      slot.pending.delete(reply.id);
      slot.inFlight--;
      if (reply.ok) p.resolve(reply.chunk);
      else p.reject(failure(reply.name, reply.message));
    });
    const fail = (err: Error) => {
      for (const p of slot.pending.values()) p.reject(err);
      slot.pending.clear();
      slot.inFlight = 0;
    };
    worker.on('error', (err) => fail(failure(err.name, `scoring thread ${index} failed: ${err.message}`)));
    worker.on('exit', (code) => {
      if (!this.closed) fail(new Error(`scoring thread ${index} exited with code ${code}`));
    });
    return slot;
  }

  /** Rank one chunk of rows (user indices, or seed item indices for related items). */
  score(rows: Int32Array): Promise<RankedChunk> {
    if (this.closed) return Promise.reject(new Error('export scorer is closed'));
    const inline = this.inline;
    if (inline !== null) {
      // Deferred to a later turn so the caller's pipeline stays the same as with threads.
      return new Promise((resolve) => setImmediate(resolve)).then(() =>
        this.related
          ? rankRelated(inline.recommender, this.model.seen, rows, this.options)
          : rankUsers(inline.recommender, this.model.seen, rows, this.options, inline.scratch),
      );
    }
    let slot = this.slots[0];
    for (const s of this.slots) if (s.inFlight < slot.inFlight) slot = s;
    const id = this.nextId++;
    return new Promise<RankedChunk>((resolve, reject) => {
      slot.pending.set(id, { resolve, reject });
      slot.inFlight++;
      slot.worker.postMessage({ id, rows } satisfies ScoreRequest);
    });
  }

  async close(): Promise<void> {
    this.closed = true;
    await Promise.all(this.slots.map((s) => s.worker.terminate()));
  }
}
