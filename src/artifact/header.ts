/** The artifact header JSON. */

import { ArtifactError } from '../errors/index.js';
import type { Params } from '../linalg/ndarray.js';
import { MAX_HEADER_LEN, PAYLOAD_FORMAT } from './constants.js';

export interface TuningSummary {
  tried_algorithms: string[];
  n_trials: number;
  n_completed: number;
  n_orphaned: number;
  best_trial_number: number | null;
  search_seed: number | null;
  [extra: string]: unknown;
}

export interface DataStats {
  n_rows: number;
  n_users: number;
  n_items: number;
  drop_count: number;
  dedup_policy: string;
  [extra: string]: unknown;
}

/** Fields the trainer writes. Unknown fields are carried through untouched. */
export interface ArtifactHeader {
  recipe_name: string;
  recipe_hash: string;
  recotem_version: string;
  /** Always null for artifacts written by this implementation. */
  irspack_version: string | null;
  trained_at: string;
  best_class: string;
  best_params: Params;
  best_score: number | null;
  metric: string;
  cutoff: number;
  tuning: TuningSummary;
  data_stats: DataStats;
  payload_format: string;
  model_format_version: number;
  [extra: string]: unknown;
}

/** A header as read back from a file: only guaranteed to be a JSON object. */
export type ReadHeader = Partial<ArtifactHeader> & Record<string, unknown>;

export type HeaderInput = Omit<ArtifactHeader, 'payload_format' | 'irspack_version'> & {
  payload_format?: string;
  irspack_version?: string | null;
};

/** Fill the fields this implementation always writes (payload format, no irspack version). */
export function completeHeader(input: HeaderInput): ArtifactHeader {
  return {
    ...input,
    irspack_version: input.irspack_version ?? null,
    payload_format: input.payload_format ?? PAYLOAD_FORMAT,
  } as ArtifactHeader;
}

/**
 * Compact standard JSON, UTF-8. Non-finite numbers become null instead of the `NaN`/`Infinity`
 * literals the original could emit. Throws when the result exceeds the 64 KiB header limit.
 */
export function buildHeaderJson(header: Record<string, unknown>): Buffer {
  const text = JSON.stringify(header, (_key, value) =>
    typeof value === 'number' && !Number.isFinite(value) ? null : value,
  );
  const bytes = Buffer.from(text, 'utf8');
  if (bytes.length > MAX_HEADER_LEN) {
    throw new ArtifactError(`header JSON is ${bytes.length} bytes, more than the maximum ${MAX_HEADER_LEN}`, 'write');
  }
  return bytes;
}

/**
 * Parse header bytes that were already HMAC-verified. Anything but a JSON object is reason
 * `header_json`.
 */
export function parseHeaderJson(headerBytes: Uint8Array): ReadHeader {
  let value: unknown;
  try {
    value = JSON.parse(Buffer.from(headerBytes.buffer, headerBytes.byteOffset, headerBytes.length).toString('utf8'));
  } catch (err) {
    throw new ArtifactError(`header JSON is not valid JSON: ${(err as Error).message}`, 'header_json', {
      cause: err,
    });
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    const kind = value === null ? 'null' : Array.isArray(value) ? 'array' : typeof value;
    throw new ArtifactError(`header JSON must be an object, got ${kind}`, 'header_json');
  }
  return value as ReadHeader;
}
