/**
 * The per-model metadata index: item id →
 * record in metadata column order, deny-listed fields removed (case-insensitive), NaN and other
 * missing markers turned into null. Each record is checked once here; one that still cannot be
 * represented as JSON is stored as a marker so requests fall back to the bare item for it.
 */
import { errorMessage } from '../../errors/index.js';
import { unserializableRecord } from '../http/items.js';
import type { MetadataIndex, MetadataRecord } from '../registry/entry.js';

export interface MetadataTable {
  /** Field names in column order (the id column excluded). */
  fields: readonly string[];
  /** Item id → value per field (same order as `fields`). */
  rows: ReadonlyMap<string, readonly unknown[]>;
}

/** A JSON-safe copy of a cell, or throws with the reason. */
function normalizeValue(v: unknown, depth = 0): unknown {
  if (v === null || v === undefined) return null;
  switch (typeof v) {
    case 'string':
    case 'boolean':
      return v;
    case 'number':
      if (Number.isNaN(v)) return null;
      if (!Number.isFinite(v)) throw new Error('non-finite number');
      return v;
    case 'bigint':
      if (v >= BigInt(Number.MIN_SAFE_INTEGER) && v <= BigInt(Number.MAX_SAFE_INTEGER)) return Number(v);
      throw new Error('integer outside the JSON-safe range');
    case 'object': {
      if (depth > 32) throw new Error('nesting too deep');
      if (v instanceof Date) return Number.isNaN(v.getTime()) ? null : v.toISOString();
      if (Array.isArray(v)) return v.map((x) => normalizeValue(x, depth + 1));
      if (ArrayBuffer.isView(v)) throw new Error('binary value');
      const proto = Object.getPrototypeOf(v);
      if (proto !== Object.prototype && proto !== null)
        throw new Error(`unsupported ${proto?.constructor?.name ?? 'object'} value`);
      const out: Record<string, unknown> = {};
      for (const [k, x] of Object.entries(v)) out[k] = normalizeValue(x, depth + 1);
      return out;
    }
    default:
      throw new Error(`unsupported ${typeof v} value`);
  }
}

export interface IndexBuildResult {
  index: MetadataIndex;
  /** Rows that could not be indexed at all (counted in recotem_metadata_index_build_errors_total). */
  skippedRows: number;
}

export function buildMetadataIndex(table: MetadataTable, denyLowerCase: readonly string[]): IndexBuildResult {
  const deny = new Set(denyLowerCase.map((f) => f.toLowerCase()));
  const kept: number[] = [];
  table.fields.forEach((field, i) => {
    if (typeof field === 'string' && !deny.has(field.toLowerCase())) kept.push(i);
  });
  const index = new Map<string, MetadataRecord>();
  let skippedRows = 0;
  for (const [itemId, values] of table.rows) {
    if (typeof itemId !== 'string' || !Array.isArray(values)) {
      skippedRows++;
      continue;
    }
    try {
      const record: Record<string, unknown> = {};
      for (const i of kept) record[table.fields[i]] = normalizeValue(values[i]);
      index.set(itemId, record);
    } catch (err) {
      index.set(itemId, unserializableRecord(errorMessage(err)));
    }
  }
  return { index, skippedRows };
}
