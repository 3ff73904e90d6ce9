/**
 * The model an export ranks with, loaded exactly as `serve` loads it: the artifact is read
 * (pointer files followed), verified against the signing key ring, decoded into shared arrays,
 * and the recipe's item metadata and filter columns are built. A failure is an ArtifactError
 * (exit 5) naming the artifact.
 */
import { basename } from 'node:path';
import type { KeyRing } from '../artifact/index.js';
import { remoteArtifactStore } from '../data/storage/artifact-store.js';
import { ArtifactError } from '../errors/index.js';
import type { Recipe } from '../recipe/index.js';
import type { LoadedEntry } from '../serve/http/routes/common.js';
import { type LoadDeps, type LoadTarget, loadRecipeArtifact } from '../serve/loading/load.js';
import type { ServeMetrics } from '../serve/metrics/metrics.js';
import { DEFAULT_SERVING_OPTIONS, modelVersion } from '../serve/registry/entry.js';
import type { ScoringExecutor } from '../serve/scoring/executor.js';
import { targetOf } from '../serve/watch/state.js';

export interface ModelSource {
  /** The recipe (its `output.path` artifact, metadata and serving rules), or null for a bare artifact. */
  recipe: Recipe | null;
  /** Artifact path or URI when `recipe` is null. */
  artifact: string;
}

export interface LoadLimits {
  keyRing: KeyRing;
  artifactCap: number;
  payloadCap: number;
  metadataFieldDeny: readonly string[];
}

/**
 * The load pipeline counts metadata rows it had to skip; an export has no metrics endpoint, and
 * not loading the metrics library keeps the process smaller.
 */
const noMetrics = { metadataIndexBuildErrors: { inc: () => {} } } as unknown as ServeMetrics;

/** Scoring happens in the export's own threads; the serving executor is not needed. */
const noExecutor: ScoringExecutor = {
  kind: 'inline',
  attach: async () => {},
  detach: () => {},
  rankKnownUsers: async () => [],
  rankProfiles: async () => [],
  close: async () => {},
};

export function loadTarget(source: ModelSource): LoadTarget {
  if (source.recipe !== null) return targetOf(source.recipe);
  const name = basename(source.artifact).replace(/\.recotem$/, '') || 'artifact';
  return { name, artifactPath: source.artifact, itemMetadata: null, serving: DEFAULT_SERVING_OPTIONS, unbound: true };
}

export async function loadExportModel(source: ModelSource, limits: LoadLimits): Promise<LoadedEntry> {
  const target = loadTarget(source);
  const deps: LoadDeps = {
    keyRing: limits.keyRing,
    artifactCap: limits.artifactCap,
    payloadCap: limits.payloadCap,
    metadataFieldDeny: limits.metadataFieldDeny,
    executor: noExecutor,
    decodeMode: 'auto',
    remoteStores: remoteArtifactStore,
    loadMetadata: async (meta, recipeName) => {
      const { loadMetadataTable } = await import('../serve/loading/metadata-source.js');
      return loadMetadataTable(meta, recipeName);
    },
    metrics: noMetrics,
  };
  const result = await loadRecipeArtifact(target, deps, null);
  if (result.kind !== 'loaded' || result.entry.model === null) {
    const reason = result.kind === 'failed' ? result.reason : 'unexpected';
    const message = result.kind === 'failed' ? result.error : 'artifact did not load';
    throw new ArtifactError(`Cannot load artifact '${target.artifactPath}': ${message}`, reason);
  }
  const entry = result.entry;
  return { entry, model: result.entry.model, version: modelVersion(entry) ?? '' };
}
