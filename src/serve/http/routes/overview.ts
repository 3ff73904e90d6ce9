/**
 * Read-only operator routes, with the same API-key check as the rest of v1:
 *
 * - `GET /v1/overview`: the server and every registered recipe, including those without a model
 *   (state, sanitised load error, model version, training summary, last hot swap);
 * - `GET /v1/recipes/{name}/training`: how the served model was chosen (the search summary the
 *   trainer stores in the artifact header), its data and split statistics, and what a request
 *   may use (metadata fields, filterable fields, `because` support).
 */
import type { FastifyPluginCallback } from 'fastify';
import { headerString, loadedAtIso, type ModelEntry, modelVersion } from '../../registry/entry.js';
import { SwapLog } from '../../registry/swap-log.js';
import { describeWorkerModel } from '../../settings.js';
import type { ApiKeyVerifier } from '../api-keys.js';
import type { ServerContext } from '../context.js';
import { OverviewResponse, TrainingResponse } from '../overview-schemas.js';
import { installAuth } from '../plugins/auth.js';
import { ErrorResponse, ValidationErrorResponse } from '../schemas.js';
import { healthSummary } from './health.js';
import { servedEntryFromPath } from './recipe-param.js';

const API_KEY_SECURITY = [{ apiKey: [] }];

export const TRAINING_ROUTE = '/v1/recipes/:name/training';
export const TRAINING_PATH = /^\/v1\/recipes\/[^/]+\/training$/;

const isoSeconds = (unix: number) => `${new Date(unix * 1000).toISOString().slice(0, 19)}Z`;

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

function finiteOrNull(v: unknown): number | null {
  return typeof v === 'number' && Number.isFinite(v) ? v : null;
}

function intOrNull(v: unknown): number | null {
  return Number.isInteger(v) ? (v as number) : null;
}

function dataCounts(header: Readonly<Record<string, unknown>>) {
  const s = header.data_stats;
  if (!isPlainObject(s)) return null;
  const [rows, users, items] = [intOrNull(s.n_rows), intOrNull(s.n_users), intOrNull(s.n_items)];
  return rows === null || users === null || items === null ? null : { n_rows: rows, n_users: users, n_items: items };
}

function stateOf(entry: ModelEntry) {
  if (entry.loaded) return entry.lastLoadError === null ? 'loaded' : 'stale';
  return entry.lastLoadError === null ? 'loading' : 'failed';
}

/** Flat scalar fields only: a header written by another tool must not inject nested documents. */
function scalarRecord(v: unknown): Record<string, string | number> | null {
  if (!isPlainObject(v)) return null;
  const out: Record<string, string | number> = {};
  for (const [k, x] of Object.entries(v)) if (typeof x === 'string' || typeof x === 'number') out[k] = x;
  return out;
}

/** The stored summary when it has the documented shape, else null (older or foreign artifacts). */
function searchSummary(v: unknown) {
  if (!isPlainObject(v) || !Array.isArray(v.trials) || !Array.isArray(v.algorithms)) return null;
  const parsed = TrainingResponse.shape.search.safeParse({ ...v, split: scalarRecord(v.split) ?? {} });
  return parsed.success ? parsed.data : null;
}

/** Field names of the metadata records, in column order (records of one recipe share their keys). */
function metadataFields(entry: ModelEntry): string[] {
  const fields = new Set<string>();
  let seen = 0;
  for (const record of entry.metadataIndex?.values() ?? []) {
    for (const k of Object.keys(record)) fields.add(k);
    if (++seen >= 100) break;
  }
  return [...fields];
}

export function recipeOverview(entry: ModelEntry, swaps: SwapLog) {
  const h = entry.header;
  const swap = swaps.get(entry.name);
  return {
    name: entry.name,
    state: stateOf(entry),
    error: entry.lastLoadError,
    model_version: modelVersion(entry),
    loaded_at: entry.loaded ? loadedAtIso(entry) : null,
    trained_at: headerString(entry, 'trained_at'),
    best_class: headerString(entry, 'best_class'),
    best_score: finiteOrNull(h.best_score),
    metric: headerString(entry, 'metric'),
    cutoff: intOrNull(h.cutoff),
    data_stats: dataCounts(h),
    kid: entry.kid === '' ? null : entry.kid,
    swap_count: swap?.count ?? 0,
    last_swap_at: swap === undefined ? null : isoSeconds(swap.at),
  } as const;
}

export function trainingDetail(entry: ModelEntry) {
  const h = entry.header;
  const model = entry.model;
  return {
    name: entry.name,
    model_version: modelVersion(entry),
    trained_at: headerString(entry, 'trained_at'),
    best_class: headerString(entry, 'best_class'),
    best_params: isPlainObject(h.best_params) ? h.best_params : null,
    best_score: finiteOrNull(h.best_score),
    metric: headerString(entry, 'metric'),
    cutoff: intOrNull(h.cutoff),
    data_stats: scalarRecord(h.data_stats),
    tuning: isPlainObject(h.tuning) ? h.tuning : null,
    search: searchSummary(h.search_summary),
    model: {
      n_users: model?.nUsers ?? 0,
      n_items: model?.nItems ?? 0,
      explains: typeof model?.recommender.explain === 'function',
    },
    item_metadata: { fields: metadataFields(entry), filterable: [...(entry.filterIndex?.fields.keys() ?? [])] },
    serving: { unknown_user: entry.serving.unknownUser, max_history: entry.serving.maxHistory },
  };
}

export interface OverviewRoutesOptions {
  ctx: ServerContext;
  verifier: ApiKeyVerifier;
}

export const overviewRoutes: FastifyPluginCallback<OverviewRoutesOptions> = (app, opts, done) => {
  const { ctx } = opts;
  const swaps = new SwapLog(ctx.registry);
  const startedAt = Date.now() / 1000;
  installAuth(app, opts.verifier);

  app.get(
    '/v1/overview',
    {
      schema: {
        summary: 'The server and every registered recipe, loaded or not',
        tags: ['operations'],
        security: API_KEY_SECURITY,
        response: { 200: OverviewResponse, 401: ErrorResponse },
      },
    },
    async () => ({
      server: {
        version: ctx.version,
        started_at: isoSeconds(startedAt),
        uptime_seconds: Math.round(Date.now() / 1000 - startedAt),
        status: healthSummary(ctx).status,
        auth: opts.verifier.enabled,
        request_metrics: ctx.metrics.requestMetricsEnabled,
        workers: describeWorkerModel(ctx.settings.workers),
      },
      recipes: ctx.registry.list().map((e) => recipeOverview(e, swaps)),
    }),
  );

  app.get(
    TRAINING_ROUTE,
    {
      schema: {
        summary: 'How the served model was trained: search, data, split and request options',
        tags: ['operations'],
        security: API_KEY_SECURITY,
        response: {
          200: TrainingResponse,
          401: ErrorResponse,
          404: ErrorResponse,
          422: ValidationErrorResponse,
          503: ErrorResponse,
        },
      },
    },
    async (request) => trainingDetail(servedEntryFromPath(ctx, request)),
  );
  done();
};
