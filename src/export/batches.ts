/**
 * Turning ranked chunks into row batches. Ranks count the items actually written, from 1, the
 * positions a client sees in the API's `items` list: an item the API would drop (an id or score
 * it cannot represent) is dropped here too.
 */
import { isUnserializable, isValidItem } from '../serve/http/items.js';
import type { MetadataIndex } from '../serve/registry/entry.js';
import type { TopK } from '../serve/scoring/topk.js';
import type { ExportBatch } from './destinations/sink.js';

/** Metadata cells per requested field, per item index (text, or null when absent). */
export function metadataCells(
  itemIds: readonly string[],
  index: MetadataIndex | null,
  fields: readonly string[],
): (string | null)[][] {
  return fields.map((field) =>
    itemIds.map((id) => {
      const record = index?.get(id);
      if (record === undefined || isUnserializable(record)) return null;
      const v = record[field];
      if (v === null || v === undefined) return null;
      if (typeof v === 'string') return v;
      if (typeof v === 'number' || typeof v === 'boolean') return String(v);
      return JSON.stringify(v);
    }),
  );
}

/**
 * Gathers rows into reused typed arrays: the batch `take()` returns is valid until the next `add`
 * (every sink has consumed it by then), so a long export creates little garbage.
 */
export class BatchBuilder {
  private keys: string[] = [];
  private ranks = new Int32Array(1024);
  private items = new Int32Array(1024);
  private scores = new Float32Array(1024);
  private length = 0;

  constructor(
    private readonly itemIds: readonly string[],
    private readonly cells: (string | null)[][],
  ) {}

  private grow(): void {
    const size = this.ranks.length * 2;
    const ranks = new Int32Array(size);
    ranks.set(this.ranks);
    const items = new Int32Array(size);
    items.set(this.items);
    const scores = new Float32Array(size);
    scores.set(this.scores);
    this.ranks = ranks;
    this.items = items;
    this.scores = scores;
  }

  /** Add one key's ranking; returns how many rows it produced. */
  add(key: string, indices: ArrayLike<number>, scores: ArrayLike<number>, count: number, offset = 0): number {
    let rank = 0;
    for (let t = 0; t < count; t++) {
      const item = indices[offset + t];
      const score = scores[offset + t];
      if (!isValidItem(this.itemIds[item], score)) continue;
      if (this.length === this.ranks.length) this.grow();
      rank++;
      const row = this.length++;
      this.keys.push(key);
      this.ranks[row] = rank;
      this.items[row] = item;
      this.scores[row] = score;
    }
    return rank;
  }

  addTop(key: string, top: TopK): number {
    return this.add(key, top.indices, top.scores, top.indices.length);
  }

  get size(): number {
    return this.length;
  }

  /** The rows gathered so far, as one batch; the builder starts empty again. */
  take(): ExportBatch {
    const n = this.length;
    const itemIndices = this.items.subarray(0, n);
    const batch: ExportBatch = {
      length: n,
      keys: this.keys,
      ranks: this.ranks.subarray(0, n),
      itemIndices,
      scores: this.scores.subarray(0, n),
      metadata: this.cells.map((column) => Array.from(itemIndices, (i) => column[i])),
    };
    this.keys = [];
    this.length = 0;
    return batch;
  }
}
