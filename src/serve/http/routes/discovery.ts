/**
 * Authenticated read-only routes: recipe list and detail, per-recipe
 * health details (also at `/health/details`) and, when enabled, `/v1/metrics`.
 */
import type { FastifyPluginCallback } from 'fastify';
import { getLogger } from '../../../log/index.js';
import { headerString, loadedAtIso, type ModelEntry, modelVersion } from '../../registry/entry.js';
import type { ApiKeyVerifier } from '../api-keys.js';
import type { ServerContext } from '../context.js';
import { installAuth } from '../plugins/auth.js';
import {
  ErrorResponse,
  HealthDetailsResponse,
  RecipeDetail,
  RecipeList,
  ValidationErrorResponse,
  VERBS,
} from '../schemas.js';

/** Documents that a route needs the `X-API-Key` header (the scheme is declared with the document). */
const API_KEY_SECURITY = [{ apiKey: [] }];

import { healthDetails } from './health.js';
import { servedEntryFromPath } from './recipe-param.js';

const log = getLogger('recotem.serve.http');

const METRICS = new Set(['ndcg', 'map', 'recall', 'hit']);
const VERSION_PATTERN = /^\d+\.\d+/;
const TRAINED_AT_PATTERN = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/;
const HEX64 = /^[0-9a-f]{64}$/;

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

export function summary(entry: ModelEntry) {
  return {
    name: entry.name,
    model_version: modelVersion(entry),
    loaded_at: loadedAtIso(entry),
    supported_verbs: [...VERBS],
    kind: 'user-item' as const,
  };
}

/** The digest header normalised: empty → null, bare hex → `sha256:`-prefixed. */
function configDigest(header: Readonly<Record<string, unknown>>): string | null {
  const raw = header.config_digest;
  if (typeof raw !== 'string' || raw === '') return null;
  return raw.startsWith('sha256:') ? raw : `sha256:${raw}`;
}

function algorithmsOf(header: Readonly<Record<string, unknown>>): string[] {
  const listed = header.algorithms;
  if (Array.isArray(listed) && listed.length > 0) return listed.filter((a): a is string => typeof a === 'string');
  const tuning = header.tuning;
  if (isPlainObject(tuning) && Array.isArray(tuning.tried_algorithms)) {
    return tuning.tried_algorithms.filter((a): a is string => typeof a === 'string');
  }
  return [];
}

/**
 * The detail document. Header values that break the documented shape become null and are logged
 * (`recipe_detail_header_invalid`) instead of failing the request (Improve.2).
 */
export function detail(entry: ModelEntry) {
  const h = entry.header;
  const invalid: string[] = [];
  const pick = <T>(key: string, ok: (v: unknown) => v is T): T | null => {
    const v = h[key];
    if (v === undefined || v === null) return null;
    if (ok(v)) return v;
    invalid.push(key);
    return null;
  };
  const isString = (v: unknown): v is string => typeof v === 'string';
  const trainedAt = pick('trained_at', (v): v is string => isString(v) && TRAINED_AT_PATTERN.test(v));
  const bestClass = pick('best_class', isString);
  const bestParams = pick('best_params', isPlainObject);
  const bestScore = pick('best_score', (v): v is number => typeof v === 'number');
  const metric = pick('metric', (v): v is 'ndcg' | 'map' | 'recall' | 'hit' => isString(v) && METRICS.has(v));
  const cutoff = pick('cutoff', (v): v is number => Number.isInteger(v) && (v as number) >= 1);
  const tuning = pick('tuning', isPlainObject);
  const dataStats = pick('data_stats', isPlainObject);
  const recotemVersion = pick('recotem_version', (v): v is string => isString(v) && VERSION_PATTERN.test(v));
  const irspackVersion = pick('irspack_version', (v): v is string => isString(v) && VERSION_PATTERN.test(v));
  const rawHash = h.recipe_hash === '' ? null : h.recipe_hash;
  let recipeHash: string | null = null;
  if (rawHash !== undefined && rawHash !== null) {
    if (isString(rawHash) && HEX64.test(rawHash)) recipeHash = rawHash;
    else invalid.push('recipe_hash');
  }
  if (invalid.length > 0) log.warn('recipe_detail_header_invalid', { recipe: entry.name, fields: invalid });
  return {
    ...summary(entry),
    config_digest: configDigest(h),
    algorithms: algorithmsOf(h),
    best_algorithm: headerString(entry, 'best_class') ?? '',
    trained_at: trainedAt,
    best_class: bestClass,
    best_params: bestParams,
    best_score: bestScore !== null && Number.isFinite(bestScore) ? bestScore : null,
    metric,
    cutoff,
    tuning,
    data_stats: dataStats,
    recotem_version: recotemVersion,
    irspack_version: irspackVersion,
    recipe_hash: recipeHash,
  };
}

export interface DiscoveryRoutesOptions {
  ctx: ServerContext;
  verifier: ApiKeyVerifier;
}

export const discoveryRoutes: FastifyPluginCallback<DiscoveryRoutesOptions> = (app, opts, done) => {
  const { ctx } = opts;
  installAuth(app, opts.verifier);

  app.get(
    '/v1/recipes',
    {
      schema: {
        summary: 'List loaded recipes',
        tags: ['recipes'],
        security: API_KEY_SECURITY,
        response: { 200: RecipeList, 401: ErrorResponse },
      },
    },
    async () => ({
      recipes: ctx.registry
        .list()
        .filter((e) => e.loaded)
        .map(summary),
    }),
  );

  app.get(
    '/v1/recipes/:name',
    {
      schema: {
        summary: 'Recipe detail',
        tags: ['recipes'],
        security: API_KEY_SECURITY,
        response: {
          200: RecipeDetail,
          401: ErrorResponse,
          404: ErrorResponse,
          422: ValidationErrorResponse,
          503: ErrorResponse,
        },
      },
    },
    async (request) => detail(servedEntryFromPath(ctx, request)),
  );

  for (const path of ['/v1/health/details', '/health/details']) {
    app.get(
      path,
      {
        schema: {
          summary: 'Per-recipe health',
          tags: ['health'],
          hide: path === '/health/details',
          security: API_KEY_SECURITY,
          response: { 200: HealthDetailsResponse, 401: ErrorResponse, 503: HealthDetailsResponse },
        },
      },
      async (_request, reply) => {
        const body = healthDetails(ctx);
        return reply.code(body.status === 'ok' ? 200 : 503).send(body);
      },
    );
  }

  if (ctx.metrics.requestMetricsEnabled) {
    app.get('/v1/metrics', { schema: { hide: true } }, async (_request, reply) => {
      const text = await ctx.metrics.exposition();
      return reply.type(ctx.metrics.contentType).send(text);
    });
  }
  done();
};
