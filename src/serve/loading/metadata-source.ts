/**
 * The data layer's item-metadata reader, imported lazily by the server (on the first recipe that
 * has `item_metadata`).
 */
import { loadItemMetadata, MetadataError } from '../../data/metadata.js';
import { ArtifactError, errorMessage } from '../../errors/index.js';
import type { RecipeItemMetadata } from '../../recipe/types.js';
import type { MetadataTable } from './metadata-index.js';

/** Read a recipe's item metadata; any failure is a load failure of reason `metadata`. */
export async function loadMetadataTable(meta: RecipeItemMetadata, recipeName: string): Promise<MetadataTable> {
  try {
    const table = await loadItemMetadata(
      { type: meta.type, path: meta.path, item_id_column: meta.item_id_column, sha256: meta.sha256 },
      meta.fields,
      { onFieldMissing: meta.on_field_missing, recipeName },
    );
    return { fields: table.fields, rows: table.toRowMap() };
  } catch (err) {
    if (err instanceof MetadataError) throw new ArtifactError(errorMessage(err), 'metadata', { cause: err });
    throw err;
  }
}
