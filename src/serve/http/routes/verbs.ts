/**
 * The four `POST /v1/recipes/{name}:{verb}` routes (serving-api.md §5, §6). One catch-all route
 * takes the segment and dispatches on the verb suffix, because the router cannot express a
 * literal colon between a parameter and a verb. Hook order inside this encapsulated context:
 * dispatch (404/405) → auth (401) → body decode → validation (422) → handler.
 */
import { createHash } from 'node:crypto';
import type { FastifyInstance, FastifyPluginCallback, FastifyReply, FastifyRequest } from 'fastify';
import { errorClassName } from '../../../errors/index.js';
import { addLogContext, getLogger } from '../../../log/index.js';
import { UNKNOWN_RECIPE_LABEL } from '../../metrics/metrics.js';
import { ModelLayoutError } from '../../scoring/model.js';
import { profileFromSeeds } from '../../scoring/rank.js';
import type { ApiKeyVerifier } from '../api-keys.js';
import type { ServerContext } from '../context.js';
import { ApiError, sendMethodNotAllowed, sendNotFound } from '../errors.js';
import { buildItems } from '../items.js';
import { installAuth } from '../plugins/auth.js';
import { recordVerbOutcome } from '../plugins/verb-metrics.js';
import {
  BatchRequest,
  RECIPE_NAME_PATTERN,
  RecommendRelatedRequest,
  RecommendRequest,
  VERBS,
  type Verb,
} from '../schemas.js';
import { RequestValidationError, toValidationItems } from '../validation.js';
import { handleBatchRecommend, handleBatchRecommendRelated } from './batch.js';
import { type LoadedEntry, recordDegraded, resolveEntry, setModelVersionHeader, tooManySeeds } from './common.js';

const log = getLogger('recotem.serve.http');

/** The parameter holds the whole segment, verb included (e.g. `demo:recommend`). */
export const VERB_ROUTE = '/v1/recipes/:name';

const BODY_SCHEMAS = {
  recommend: RecommendRequest,
  'recommend-related': RecommendRelatedRequest,
  'batch-recommend': BatchRequest,
  'batch-recommend-related': BatchRequest,
} as const;

const VERB_SET: ReadonlySet<string> = new Set(VERBS);

/** 8 hex of SHA-256: lets logs correlate a user id without containing it (security.md C4). */
export function idFingerprint(id: string): string {
  return createHash('sha256').update(id, 'utf8').digest('hex').slice(0, 8);
}

const NAME_ERROR = {
  type: 'string_pattern_mismatch',
  loc: ['path', 'name'],
  msg: `String should match pattern '${RECIPE_NAME_PATTERN.source}'`,
};

/** A model invariant broke while scoring: count it, log it, answer 500. */
function layoutFailure(ctx: ServerContext, recipe: string, err: ModelLayoutError): never {
  ctx.metrics.layoutUnexpected.inc({ recipe });
  log.error('recommender_layout_unexpected', { recipe, error: err.message });
  throw new ApiError(500, 'INTERNAL_ERROR', 'internal error');
}

async function recommend(ctx: ServerContext, request: FastifyRequest, reply: FastifyReply, name: string) {
  const body = request.body as RecommendRequest;
  const loaded = resolveEntry(ctx.registry, name);
  const { entry, model } = loaded;
  const userIdx = model.userIndex.get(body.user_id);
  let top: Awaited<ReturnType<typeof ctx.executor.rankKnownUsers>>[number];
  if (userIdx === undefined) {
    if (entry.serving.unknownUser !== 'popular' || entry.popularRanking === null) {
      throw new ApiError(404, 'UNKNOWN_USER', 'user not seen during training');
    }
    const cut = Math.min(body.limit, entry.popularRanking.indices.length);
    top = {
      indices: entry.popularRanking.indices.subarray(0, cut),
      scores: entry.popularRanking.scores.subarray(0, cut),
    };
  } else {
    try {
      [top] = await ctx.executor.rankKnownUsers(
        entry.modelKey,
        model,
        Int32Array.of(userIdx),
        Int32Array.of(body.limit),
      );
    } catch (err) {
      if (err instanceof ModelLayoutError) layoutFailure(ctx, name, err);
      log.error('recommender_unexpected_key_error', {
        user_id_hash: idFingerprint(body.user_id),
        exc_type: errorClassName(err),
      });
      throw err;
    }
  }
  return respondSingle(ctx, request, reply, loaded, top, body.exclude_items);
}

async function recommendRelated(ctx: ServerContext, request: FastifyRequest, reply: FastifyReply, name: string) {
  const body = request.body as RecommendRelatedRequest;
  const loaded = resolveEntry(ctx.registry, name);
  const { entry, model } = loaded;
  if (body.seed_items.length > entry.serving.maxHistory) {
    throw new RequestValidationError([
      { type: 'too_long', loc: ['body', 'seed_items'], msg: tooManySeeds(entry.serving.maxHistory) },
    ]);
  }
  const profile = profileFromSeeds(body.seed_items, model.itemIndex);
  if (profile.items.length === 0) throw new ApiError(404, 'UNKNOWN_SEED_ITEMS', 'no known seed_items');
  const [result] = await ctx.executor.rankProfiles(entry.modelKey, model, [{ ...profile, limit: body.limit }]);
  if (result instanceof Error) {
    if (result instanceof ModelLayoutError) layoutFailure(ctx, name, result);
    if (result.name === 'FoldInUnsupportedError')
      log.warn('cold_user_scoring_unsupported', { recipe: name, algorithm: model.algorithm });
    log.error('recommender_unexpected_key_error', {
      seed_items_count: body.seed_items.length,
      exc_type: errorClassName(result),
      error: result.message.slice(0, 200),
    });
    throw new ApiError(500, 'INTERNAL_ERROR', 'internal error');
  }
  if (result.indices.length === 0) throw new ApiError(404, 'NO_CANDIDATES', 'no candidates produced by ranker');
  return respondSingle(ctx, request, reply, loaded, result, body.exclude_items);
}

function respondSingle(
  ctx: ServerContext,
  request: FastifyRequest,
  reply: FastifyReply,
  loaded: LoadedEntry,
  top: { indices: Int32Array; scores: Float32Array },
  excludeItems: string[] | null,
) {
  const exclude = excludeItems && excludeItems.length > 0 ? new Set(excludeItems) : null;
  const built = buildItems(top, loaded.model.itemIds, exclude, loaded.entry.metadataIndex);
  recordDegraded(request, ctx.metrics, built);
  setModelVersionHeader(reply, loaded.version);
  const degraded = built.fallback + built.dropped;
  if (degraded > 0) reply.header('x-recotem-items-degraded', String(degraded));
  recordVerbOutcome(request, ctx.metrics, 'ok', false);
  return {
    request_id: request.requestId,
    recipe: loaded.entry.name,
    model_version: loaded.version,
    items: built.items,
  };
}

const HANDLERS: Record<
  Verb,
  (ctx: ServerContext, req: FastifyRequest, reply: FastifyReply, name: string) => Promise<unknown>
> = {
  recommend,
  'recommend-related': recommendRelated,
  'batch-recommend': handleBatchRecommend,
  'batch-recommend-related': handleBatchRecommendRelated,
};

export interface VerbRoutesOptions {
  ctx: ServerContext;
  verifier: ApiKeyVerifier;
}

export const verbRoutes: FastifyPluginCallback<VerbRoutesOptions> = (app: FastifyInstance, opts, done) => {
  const { ctx } = opts;

  app.addHook('onRequest', (request, reply, next) => {
    const segment = (request.params as { name?: string }).name ?? '';
    // A decoded %2F makes this a nested path, which no route serves.
    if (segment.includes('/')) return void sendNotFound(reply);
    const colon = segment.lastIndexOf(':');
    const verb = colon > 0 ? segment.slice(colon + 1) : '';
    // `POST /v1/recipes/{name}` or an unknown verb: the GET detail route owns the path → 405.
    if (!VERB_SET.has(verb)) return void sendMethodNotAllowed(reply);
    const name = segment.slice(0, colon);
    request.verbCall = {
      name,
      verb: verb as Verb,
      nameValid: RECIPE_NAME_PATTERN.test(name),
      recipeLabel: ctx.registry.has(name) ? name : UNKNOWN_RECIPE_LABEL,
      recorded: false,
    };
    next();
  });

  installAuth(app, opts.verifier);

  app.addHook('preValidation', (request, _reply, next) => {
    const call = request.verbCall!;
    if (!call.nameValid) return next(new RequestValidationError([{ ...NAME_ERROR, loc: [...NAME_ERROR.loc] }]));
    const parsed = BODY_SCHEMAS[call.verb].safeParse(request.body);
    if (!parsed.success)
      return next(new RequestValidationError(toValidationItems(parsed.error, request.body, ['body'])));
    request.body = parsed.data;
    addLogContext({ recipe: call.name });
    next();
  });

  app.post(VERB_ROUTE, { schema: { hide: true } }, (request, reply) => {
    const call = request.verbCall!;
    return HANDLERS[call.verb](ctx, request, reply, call.name);
  });
  done();
};
