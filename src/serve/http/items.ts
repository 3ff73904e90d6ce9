/**
 * Ranked indices → response items: exclusions are applied after the top-k cut,
 * metadata is joined with the model's `item_id`/`score` winning over same-named columns, and an
 * item that cannot be represented degrades instead of failing the response: a record that was
 * found unserialisable at index build falls back to the bare item, and an item whose id or score
 * breaks the item rule is dropped.
 */
import { getLogger } from '../../log/index.js';
import type { MetadataIndex, MetadataRecord } from '../registry/entry.js';
import type { TopK } from '../scoring/topk.js';
import { MAX_ID_CHARS } from './schemas.js';

const log = getLogger('recotem.serve.items');

export type ResponseItem = Record<string, unknown> & { item_id: string; score: number };

export interface BuiltItems {
  items: ResponseItem[];
  fallback: number;
  dropped: number;
}

const unserializableReasons = new WeakMap<object, string>();

/** Make an unserialisable marker that remembers why (for the fallback log line). */
export function unserializableRecord(reason: string): MetadataRecord {
  const marker = Object.freeze({ __recotem_unserializable__: true });
  unserializableReasons.set(marker, reason.slice(0, 200));
  return marker;
}

export function isUnserializable(record: MetadataRecord): boolean {
  return (record as { __recotem_unserializable__?: boolean }).__recotem_unserializable__ === true;
}

function codePointLength(s: string): number {
  if (s.length <= MAX_ID_CHARS / 2) return s.length;
  let n = 0;
  for (const _ of s) n++;
  return n;
}

export function isValidItem(itemId: string, score: number): boolean {
  if (itemId.length === 0 || !Number.isFinite(score)) return false;
  return codePointLength(itemId) <= MAX_ID_CHARS;
}

export function buildItems(
  top: TopK,
  itemIds: readonly string[],
  exclude: ReadonlySet<string> | null,
  metadata: MetadataIndex | null,
): BuiltItems {
  const items: ResponseItem[] = [];
  let fallback = 0;
  let dropped = 0;
  const { indices, scores } = top;
  for (let j = 0; j < indices.length; j++) {
    const itemId = itemIds[indices[j]];
    if (exclude?.has(itemId)) continue;
    const score = scores[j];
    if (!isValidItem(itemId, score)) {
      dropped++;
      continue;
    }
    const record = metadata?.get(itemId);
    if (record === undefined) {
      items.push({ item_id: itemId, score });
      continue;
    }
    if (isUnserializable(record)) {
      fallback++;
      log.warn('metadata_serialization_failed', {
        item_id: itemId,
        error: unserializableReasons.get(record) ?? 'metadata record is not representable as JSON',
      });
      items.push({ item_id: itemId, score });
      continue;
    }
    const item: ResponseItem = { item_id: itemId, score };
    for (const key in record) {
      if (key !== 'item_id' && key !== 'score') item[key] = record[key];
    }
    items.push(item);
  }
  return { items, fallback, dropped };
}
