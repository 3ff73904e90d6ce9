/**
 * The per-recipe load pipeline shared by startup and the watcher:
 * decode off the event loop, rebuild the recommender over the shared arrays, attach it to the
 * scoring threads, load item metadata, and build a fresh registry entry. Failures come back as
 * values carrying the reason label; nothing here touches the registry.
 */
import type { SavedModel } from '../../algorithms/types.js';
import type { KeyRing, RemoteStoreFactory } from '../../artifact/index.js';
import { ArtifactError, type ArtifactErrorReason, errorMessage, isFatalRuntimeError } from '../../errors/index.js';
import { topK } from '../../linalg/index.js';
import type { RecipeItemMetadata } from '../../recipe/types.js';
import type { ServeMetrics } from '../metrics/metrics.js';
import type { MetadataIndex, ModelEntry, ServingOptions } from '../registry/entry.js';
import type { ScoringExecutor } from '../scoring/executor.js';
import { buildFilterIndex, type FilterIndex } from '../scoring/filters.js';
import type { ServingModel } from '../scoring/model.js';
import { SharedModel } from '../scoring/shared-model.js';
import type { TopK } from '../scoring/topk.js';
import { type DecodeMode, decodeArtifact } from './decode-client.js';
import { loadErrorText } from './errors.js';
import { buildMetadataIndex, type MetadataTable } from './metadata-index.js';
import type { SharedPayload } from './shared.js';

export interface LoadTarget {
  name: string;
  /** Recipe `output.path` (may hold a pointer file). */
  artifactPath: string;
  itemMetadata: RecipeItemMetadata | null;
  serving: ServingOptions;
  /** An artifact named directly (no recipe to bind it to): its header's recipe_name is not checked. */
  unbound?: boolean;
}

export type MetadataLoader = (meta: RecipeItemMetadata, recipeName: string) => Promise<MetadataTable>;

export interface LoadDeps {
  keyRing: KeyRing;
  artifactCap: number;
  /** RECOTEM_ARTIFACT_ROOT: local artifact reads must resolve inside it (null: no containment). */
  artifactRoot?: string | null;
  payloadCap: number;
  metadataFieldDeny: readonly string[];
  executor: ScoringExecutor;
  decodeMode: DecodeMode;
  /** Stores for object-store and HTTP artifact URIs (without it only local artifacts load). */
  remoteStores?: RemoteStoreFactory;
  loadMetadata: MetadataLoader;
  metrics: ServeMetrics;
}

export type LoadResult =
  | { kind: 'loaded'; entry: ModelEntry }
  | { kind: 'unchanged'; sha: string }
  | {
      kind: 'failed';
      reason: ArtifactErrorReason;
      /** Prefixed and sanitised: what `/v1/health/details` shows. */
      error: string;
      /** Safe-for-logs kid of the failed artifact, or null when it could not be extracted. */
      kid: string | null;
      kidFailure: string | null;
    };

/** Popular items kept ready for `unknown_user: popular` (the response limit is at most 1000). */
const POPULAR_KEEP = 1000;

let loadCounter = 0;

function failed(
  reason: ArtifactErrorReason,
  message: string,
  kid: string | null = null,
  kidFailure: string | null = null,
): LoadResult {
  return { kind: 'failed', reason, error: loadErrorText(reason, message), kid, kidFailure };
}

function buildModel(payload: SharedPayload): ServingModel {
  if (payload.seen.rows !== payload.userIds.length || payload.seen.cols !== payload.itemIds.length) {
    throw new ArtifactError(
      `payload invalid: the seen matrix is ${payload.seen.rows}x${payload.seen.cols} but the id tables are ${payload.userIds.length}x${payload.itemIds.length}`,
      'deserialize',
    );
  }
  const saved: SavedModel = {
    algorithm: payload.algorithm,
    modelFormatVersion: payload.modelFormatVersion,
    params: payload.params,
    arrays: payload.arrays,
  };
  return new SharedModel(saved, payload.seen, payload.userIds, payload.itemIds);
}

/** Items by training popularity (column sums of the seen matrix), best first. */
export function popularRanking(model: ServingModel): TopK {
  const counts = new Float32Array(model.nItems);
  const { indices, data } = model.seen;
  for (let p = 0; p < indices.length; p++) counts[indices[p]] += data[p];
  const top = topK(counts, POPULAR_KEEP);
  const scores = new Float32Array(top.length);
  for (let j = 0; j < top.length; j++) scores[j] = counts[top[j]];
  return { indices: top, scores };
}

export async function loadRecipeArtifact(
  target: LoadTarget,
  deps: LoadDeps,
  skipIfSha: string | null,
): Promise<LoadResult> {
  const decoded = await decodeArtifact(
    target.artifactPath,
    deps.artifactCap,
    {
      recipeName: target.name,
      bindToRecipe: target.unbound !== true,
      payloadCap: deps.payloadCap,
      keyRing: deps.keyRing,
      skipIfSha,
    },
    deps.decodeMode,
    deps.artifactRoot ?? null,
    deps.remoteStores,
  );
  if (!decoded.ok) return failed(decoded.reason, decoded.message, decoded.kid, decoded.kidFailure);
  if (decoded.unchanged) return { kind: 'unchanged', sha: decoded.sha };

  let model: ServingModel;
  try {
    model = buildModel(decoded.payload);
  } catch (err) {
    if (isFatalRuntimeError(err)) throw err;
    return failed('deserialize', errorMessage(err), decoded.kid);
  }

  let metadataIndex: MetadataIndex | null = null;
  let filterIndex: FilterIndex | null = null;
  if (target.itemMetadata !== null) {
    try {
      const table = await deps.loadMetadata(target.itemMetadata, target.name);
      const built = buildMetadataIndex(table, deps.metadataFieldDeny);
      if (built.skippedRows > 0) deps.metrics.metadataIndexBuildErrors.inc({ recipe: target.name }, built.skippedRows);
      metadataIndex = built.index;
      if ((target.itemMetadata.filterable?.length ?? 0) > 0)
        filterIndex = buildFilterIndex(model.itemIds, metadataIndex, target.itemMetadata.filterable);
    } catch (err) {
      if (isFatalRuntimeError(err)) throw err;
      return failed('metadata', errorMessage(err), decoded.kid);
    }
  }

  const modelKey = `${target.name}#${++loadCounter}`;
  try {
    await deps.executor.attach(modelKey, model);
  } catch (err) {
    if (isFatalRuntimeError(err)) throw err;
    const reason = err instanceof ArtifactError ? err.reason : 'deserialize';
    return failed(reason, errorMessage(err), decoded.kid);
  }

  const entry: ModelEntry = {
    name: target.name,
    model,
    header: decoded.header,
    kid: decoded.kid,
    metadataIndex,
    lastLoadError: null,
    artifactPath: target.artifactPath,
    loaded: true,
    sha256: decoded.sha,
    loadedAtUnix: Date.now() / 1000,
    serving: target.serving,
    modelKey,
    popularRanking: target.serving.unknownUser === 'popular' ? popularRanking(model) : null,
    filterIndex,
  };
  return { kind: 'loaded', entry };
}
