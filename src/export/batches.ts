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

export class BatchBuilder {
  private keys: string[] = [];
  private ranks: number[] = [];
  private items: number[] = [];
  private scores: number[] = [];

  constructor(
    private readonly itemIds: readonly string[],
    private readonly cells: (string | null)[][],
  ) {}

  /** Add one key's ranking; returns how many rows it produced. */
  add(key: string, indices: ArrayLike<number>, scores: ArrayLike<number>, count: number, offset = 0): number {
    let rank = 0;
    for (let t = 0; t < count; t++) {
      const item = indices[offset + t];
      const score = scores[offset + t];
      if (!isValidItem(this.itemIds[item], score)) continue;
      rank++;
      this.keys.push(key);
      this.ranks.push(rank);
      this.items.push(item);
      this.scores.push(score);
    }
    return rank;
  }

  addTop(key: string, top: TopK): number {
    return this.add(key, top.indices, top.scores, top.indices.length);
  }

  get size(): number {
    return this.keys.length;
  }

  /** The rows gathered so far, as one batch; the builder starts empty again. */
  take(): ExportBatch {
    const itemIndices = Int32Array.from(this.items);
    const batch: ExportBatch = {
      length: this.keys.length,
      keys: this.keys,
      ranks: Int32Array.from(this.ranks),
      itemIndices,
      scores: Float32Array.from(this.scores),
      metadata: this.cells.map((column) => Array.from(itemIndices, (i) => column[i])),
    };
    this.keys = [];
    this.ranks = [];
    this.items = [];
    this.scores = [];
    return batch;
  }
}
