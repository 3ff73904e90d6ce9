/**
 * One registry entry. Entries are immutable apart from
 * `lastLoadError`: a reload builds a new entry and swaps the reference, so a request that resolved
 * an entry keeps scoring with that model even if a swap happens mid-request.
 */
import type { EventStoreLocation } from '../../recipe/index.js';
import type { FilterIndex } from '../scoring/filters.js';
import type { ServingModel } from '../scoring/model.js';
import type { TopK } from '../scoring/topk.js';

/** Per-item metadata record, keys in metadata column order, deny-listed fields removed. */
export type MetadataRecord = Readonly<Record<string, unknown>>;
export type MetadataIndex = ReadonlyMap<string, MetadataRecord>;

/** The recipe's `events:` section as serving uses it. */
export interface EventsOptions {
  location: EventStoreLocation;
  /** Fold events received after the model was trained into `:recommend`. */
  realtime: boolean;
  retentionDays: number;
  /** Accepted types and weights; null: any type, weight 1. */
  eventTypes: Readonly<Record<string, number>> | null;
}

/** What a recipe asks of serving beyond the artifact (recipe `serving:` block, if any). */
export interface ServingOptions {
  /** `popular`: unknown users get the popularity ranking instead of 404 UNKNOWN_USER. */
  unknownUser: 'error' | 'popular';
  /** Most seed items a related request may carry (recipe `serving.max_history`, at most 100). */
  maxHistory: number;
  /** Absent or null: the recipe takes no events. */
  events?: EventsOptions | null;
}

export const DEFAULT_SERVING_OPTIONS: ServingOptions = { unknownUser: 'error', maxHistory: 100 };

export interface ModelEntry {
  readonly name: string;
  readonly model: ServingModel | null;
  /** Decoded header JSON (`{}` for stubs). */
  readonly header: Readonly<Record<string, unknown>>;
  /** Key id the artifact was signed with (`""` for stubs). */
  readonly kid: string;
  readonly metadataIndex: MetadataIndex | null;
  /** Set on stubs (why not loaded) and on stale entries (why the newest artifact is not served). */
  lastLoadError: string | null;
  /** Recipe `output.path` (the pointer path, not the resolved target). */
  readonly artifactPath: string;
  readonly loaded: boolean;
  /** Lowercase hex SHA-256 of the resolved artifact bytes; null for stubs. */
  readonly sha256: string | null;
  /** Epoch seconds of the last successful load; 0 for stubs. */
  readonly loadedAtUnix: number;
  readonly serving: ServingOptions;
  /** Unique per load: the key under which scoring threads hold this entry's model. */
  readonly modelKey: string;
  /** The most popular items (seen-matrix column sums), for `unknown_user: popular`. */
  readonly popularRanking: TopK | null;
  /** Columns of the recipe's `item_metadata.filterable` fields; absent or null: nothing is filterable. */
  readonly filterIndex?: FilterIndex | null;
}

export function stubEntry(
  name: string,
  artifactPath: string,
  error: string | null,
  serving: ServingOptions = DEFAULT_SERVING_OPTIONS,
): ModelEntry {
  return {
    name,
    model: null,
    header: {},
    kid: '',
    metadataIndex: null,
    lastLoadError: error,
    artifactPath,
    loaded: false,
    sha256: null,
    loadedAtUnix: 0,
    serving,
    modelKey: '',
    popularRanking: null,
  };
}

export function modelVersion(entry: ModelEntry): string | null {
  return entry.sha256 === null ? null : `sha256:${entry.sha256}`;
}

export function loadedAtIso(entry: ModelEntry): string {
  return `${new Date(entry.loadedAtUnix * 1000).toISOString().slice(0, 19)}Z`;
}

export function headerString(entry: ModelEntry, key: string): string | null {
  const v = entry.header[key];
  return typeof v === 'string' && v !== '' ? v : null;
}
