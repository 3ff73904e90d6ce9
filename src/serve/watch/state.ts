/**
 * Per-recipe watch state and the change marker of an artifact path:
 * the object-store ETag when there is one, else modification time and size of the pointer path.
 */
import { isNotFound, type RemoteStoreFactory, storeFor } from '../../artifact/index.js';
import { errorClassName } from '../../errors/index.js';
import { resolveEventStore } from '../../recipe/index.js';
import type { Recipe } from '../../recipe/types.js';
import type { LoadTarget } from '../loading/load.js';
import { DEFAULT_SERVING_OPTIONS, type ServingOptions } from '../registry/entry.js';

export type StatResult =
  | { kind: 'present'; marker: string }
  | { kind: 'absent' }
  | { kind: 'error'; errorClass: string; message: string };

/** Never equal to a real marker: forces a load attempt on the next cycle. */
export const STAT_ERROR_MARKER = '\u0000stat-error';

export async function statMarker(uri: string, remoteStores?: RemoteStoreFactory): Promise<StatResult> {
  try {
    const st = await storeFor(uri, { remoteStores }).stat(uri);
    return { kind: 'present', marker: st.etag ? `etag:${st.etag}` : `mtime:${st.mtimeMs}:size:${st.size}` };
  } catch (err) {
    if (isNotFound(err) || isNotFound((err as { cause?: unknown }).cause)) return { kind: 'absent' };
    return {
      kind: 'error',
      errorClass: errorClassName(err),
      message: err instanceof Error ? err.message : String(err),
    };
  }
}

export interface RecipeWatch {
  target: LoadTarget;
  /** Recipe YAML file this name came from (null for names registered programmatically). */
  file: string | null;
  /** Marker of the artifact currently loaded (or last seen unchanged). */
  marker: string | null;
  /** SHA-256 of the artifact currently loaded. */
  loadedSha: string | null;
  /** Marker of the last failed attempt: not retried until the marker changes. */
  failedMarker: string | null;
  /** The next load must not be skipped on an equal SHA (recipe settings changed). */
  forceReload: boolean;
  /** The registry entry's error was set by the watcher for the artifact (cleared when it recovers). */
  artifactError: boolean;
  absentReported: boolean;
  statErrorClasses: Set<string>;
  deserializeStreak: number;
  /** Last seen content of `<artifact path>.sha256` (null: absent; undefined: not read yet). */
  sidecar?: string | null;
}

export function servingOptionsOf(recipe: Recipe): ServingOptions {
  const base = recipe.serving
    ? { unknownUser: recipe.serving.unknown_user, maxHistory: recipe.serving.max_history }
    : DEFAULT_SERVING_OPTIONS;
  const events = recipe.events;
  if (!events) return base;
  return {
    ...base,
    events: {
      location: resolveEventStore(recipe),
      realtime: events.realtime,
      retentionDays: events.retention_days,
      eventTypes: events.event_types,
    },
  };
}

export function targetOf(recipe: Recipe): LoadTarget {
  return {
    name: recipe.name,
    artifactPath: recipe.output.path,
    itemMetadata: recipe.item_metadata,
    serving: servingOptionsOf(recipe),
  };
}

/** True when a recipe edit changes what the server loads for it. */
export function targetChanged(a: LoadTarget, b: LoadTarget): boolean {
  return (
    a.artifactPath !== b.artifactPath ||
    a.serving.unknownUser !== b.serving.unknownUser ||
    a.serving.maxHistory !== b.serving.maxHistory ||
    JSON.stringify(a.serving.events ?? null) !== JSON.stringify(b.serving.events ?? null) ||
    JSON.stringify(a.itemMetadata) !== JSON.stringify(b.itemMetadata)
  );
}

export function newWatch(target: LoadTarget, file: string | null): RecipeWatch {
  return {
    target,
    file,
    marker: null,
    loadedSha: null,
    failedMarker: null,
    forceReload: false,
    artifactError: false,
    absentReported: false,
    statErrorClasses: new Set(),
    deserializeStreak: 0,
  };
}
