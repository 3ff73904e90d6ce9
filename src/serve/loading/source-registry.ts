/** The data layer's registry of source types, which serve needs only to parse recipe files. */
import { getSourceRegistry } from '../../data/sources/registry.js';
import type { SourceTypeLookup } from '../../recipe/types.js';

export async function serveSourceRegistry(): Promise<SourceTypeLookup> {
  return getSourceRegistry();
}
