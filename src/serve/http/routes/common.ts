/** Pieces shared by the verb handlers: entry resolution and the success bookkeeping. */
import type { FastifyReply, FastifyRequest } from 'fastify';
import { getLogger } from '../../../log/index.js';
import type { ServeMetrics } from '../../metrics/metrics.js';
import { type ModelEntry, modelVersion } from '../../registry/entry.js';
import type { ModelRegistry } from '../../registry/registry.js';
import type { ServingModel } from '../../scoring/model.js';
import { recipeNotFound, recipeUnavailable } from '../errors.js';

const log = getLogger('recotem.serve.http');

export interface LoadedEntry {
  entry: ModelEntry;
  model: ServingModel;
  version: string;
}

/**
 * 404 for an unknown name, 503 for a stub; a stale entry (loaded, last reload failed) is served.
 * The caller keeps this reference for the whole request.
 */
export function resolveEntry(registry: ModelRegistry, name: string): LoadedEntry {
  const entry = registry.get(name);
  if (entry === undefined) {
    log.info('recipe_not_found', { recipe: name });
    throw recipeNotFound(name);
  }
  if (!entry.loaded || entry.model === null) {
    log.info('recipe_not_loaded', { recipe: name });
    throw recipeUnavailable(name);
  }
  return { entry, model: entry.model, version: modelVersion(entry) ?? '' };
}

/** Message for a related request with more seeds than the recipe's `serving.max_history`. */
export function tooManySeeds(max: number): string {
  return `List should have at most ${max} item${max === 1 ? '' : 's'} after validation`;
}

export function setModelVersionHeader(reply: FastifyReply, version: string): void {
  reply.header('x-recotem-model-version', version);
}

export function recordDegraded(
  request: FastifyRequest,
  metrics: ServeMetrics,
  counts: { fallback: number; dropped: number },
): void {
  const call = request.verbCall;
  if (call === null) return;
  if (counts.fallback > 0) {
    metrics.metadataSerializationErrors.inc({ recipe: call.recipeLabel, verb: call.verb }, counts.fallback);
    metrics.recordDegraded(call.recipeLabel, call.verb, 'fallback', counts.fallback);
  }
  if (counts.dropped > 0) metrics.recordDegraded(call.recipeLabel, call.verb, 'dropped', counts.dropped);
}
