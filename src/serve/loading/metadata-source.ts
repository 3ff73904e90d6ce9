/**
 * The data-layer pieces serve needs, loaded lazily so tests that inject their own never import
 * the data stack: the registry of source types (to parse recipes) and the item metadata reader.
 */
import { getSourceRegistry } from '../../data/sources/registry.js';
import { ArtifactError } from '../../errors/index.js';
import type { RecipeItemMetadata, SourceTypeLookup } from '../../recipe/types.js';
import type { MetadataTable } from './metadata-index.js';

export async function serveSourceRegistry(): Promise<SourceTypeLookup> {
  return getSourceRegistry();
}

export async function loadMetadataTable(meta: RecipeItemMetadata, recipeName: string): Promise<MetadataTable> {
  throw new ArtifactError(
    `item metadata loading is not available for recipe '${recipeName}' (${meta.type})`,
    'metadata',
  );
}
