/**
 * The four `POST /v1/recipes/{name}:{verb}` routes. One catch-all route
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
import type { ApiKeyVerifier } from '../api-keys.js';
import type { ServerContext } from '../context.js';
import { ApiError, sendMethodNotAllowed, sendNotFound } from '../errors.js';
import { EventsRequest } from '../event-schemas.js';
import { afterCutExclusions, planRecommend, RequestRuleError } from '../personalize.js';
import { installAuth } from '../plugins/auth.js';
import { recordVerbOutcome } from '../plugins/verb-metrics.js';
import { recentEvents } from '../recent-events.js';
import {
  BatchRequest,
  RECIPE_NAME_PATTERN,
  RecommendRelatedRequest,
  RecommendRequest,
  VERBS,
  type Verb,
} from '../schemas.js';
import { JSON_TYPE, serializeRecommendResponse } from '../serializers.js';
import { RequestValidationError, reservedFilterFieldItems, toValidationItems } from '../validation.js';
import { handleBatchRecommend, handleBatchRecommendRelated } from './batch.js';
import { type LoadedEntry, recordDegraded, resolveEntry, setModelVersionHeader, tooManySeeds } from './common.js';
import {
  NO_CANDIDATES_MESSAGE,
  NO_SEEDS_MESSAGE,
  noCandidates,
  planRelated,
  type RelatedPlan,
  rankedItems,
  UNKNOWN_USER_MESSAGE,
} from './element.js';
import { handleEvents } from './events.js';

const log = getLogger('recotem.serve.http');

/** The parameter holds the whole segment, verb included (e.g. `demo:recommend`). */
export const VERB_ROUTE = '/v1/recipes/:name';

const BODY_SCHEMAS = {
  events: EventsRequest,
  recommend: RecommendRequest,
  'recommend-related': RecommendRelatedRequest,
  'batch-recommend': BatchRequest,
  'batch-recommend-related': BatchRequest,
} as const;

const VERB_SET: ReadonlySet<string> = new Set([...VERBS, 'events']);

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

/** A recipe-dependent rule broken by a single request → 422 with the usual body. */
function ruleFailure(err: RequestRuleError): never {
  throw new RequestValidationError([{ ...err.item, loc: ['body', ...err.item.loc] }]);
}

async function recommend(ctx: ServerContext, request: FastifyRequest, reply: FastifyReply, name: string) {
  const body = request.body as RecommendRequest;
  const loaded = resolveEntry(ctx.registry, name);
  const { entry, model } = loaded;
  const recent = (await recentEvents(ctx, loaded, [body.user_id]))?.get(body.user_id);
  let plan: ReturnType<typeof planRecommend>;
  try {
    plan = planRecommend(loaded, body, recent);
  } catch (err) {
    if (err instanceof RequestRuleError) ruleFailure(err);
    throw err;
  }
  let top: Awaited<ReturnType<typeof ctx.executor.rankKnownUsers>>[number];
  if (plan.kind === 'unknown') throw new ApiError(404, 'UNKNOWN_USER', UNKNOWN_USER_MESSAGE);
  if (plan.kind === 'popular') {
    top = plan.top;
  } else {
    try {
      if (plan.kind === 'plain') {
        [top] = await ctx.executor.rankKnownUsers(
          entry.modelKey,
          model,
          Int32Array.of(plan.user),
          Int32Array.of(body.limit),
        );
      } else {
        const [result] = await ctx.executor.rankProfiles(entry.modelKey, model, [plan.job]);
        if (result instanceof Error) throw result;
        top = result;
      }
    } catch (err) {
      if (err instanceof ModelLayoutError) layoutFailure(ctx, name, err);
      log.error('recommender_unexpected_key_error', {
        user_id_hash: idFingerprint(body.user_id),
        exc_type: errorClassName(err),
      });
      if (plan.kind === 'job') throw new ApiError(500, 'INTERNAL_ERROR', 'internal error');
      throw err;
    }
  }
  const because = body.explain && plan.kind !== 'popular' ? plan.explainHistory : null;
  return respondSingle(ctx, request, reply, loaded, top, afterCutExclusions(body), because);
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
  let plan: RelatedPlan;
  try {
    plan = planRelated(loaded, body);
  } catch (err) {
    if (err instanceof RequestRuleError) ruleFailure(err);
    throw err;
  }
  if (plan.kind === 'no_seeds') throw new ApiError(404, 'UNKNOWN_SEED_ITEMS', NO_SEEDS_MESSAGE);
  const [result] = await ctx.executor.rankProfiles(entry.modelKey, model, [plan.job]);
  if (result instanceof Error) {
    if (result instanceof ModelLayoutError) layoutFailure(ctx, name, result);
    log.error('recommender_unexpected_key_error', {
      seed_items_count: body.seed_items.length,
      exc_type: errorClassName(result),
      error: result.message.slice(0, 200),
    });
    throw new ApiError(500, 'INTERNAL_ERROR', 'internal error');
  }
  if (noCandidates(plan, result)) throw new ApiError(404, 'NO_CANDIDATES', NO_CANDIDATES_MESSAGE);
  return respondSingle(ctx, request, reply, loaded, result, plan.exclude, plan.explainHistory);
}

function respondSingle(
  ctx: ServerContext,
  request: FastifyRequest,
  reply: FastifyReply,
  loaded: LoadedEntry,
  top: { indices: Int32Array; scores: Float32Array },
  excludeItems: string[] | null,
  explainHistory: Int32Array | null = null,
) {
  const built = rankedItems(loaded, top, excludeItems, explainHistory, true);
  recordDegraded(request, ctx.metrics, built);
  setModelVersionHeader(reply, loaded.version);
  const degraded = built.fallback + built.dropped;
  if (degraded > 0) reply.header('x-recotem-items-degraded', String(degraded));
  recordVerbOutcome(request, ctx.metrics, 'ok', false);
  reply.type(JSON_TYPE).serializer(serializeRecommendResponse);
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
  events: handleEvents,
};

export interface VerbRoutesOptions {
  ctx: ServerContext;
  verifier: ApiKeyVerifier;
  /** RECOTEM_EVENT_API_KEYS: the only keys `:events` accepts (and they are refused elsewhere). */
  eventVerifier: ApiKeyVerifier;
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
    if (!VERB_SET.has(verb)) return void sendMethodNotAllowed(reply, ['GET', 'HEAD']);
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

  installAuth(app, (request) => (request.verbCall?.verb === 'events' ? opts.eventVerifier : opts.verifier));

  app.addHook('preValidation', (request, _reply, next) => {
    const call = request.verbCall!;
    if (!call.nameValid) return next(new RequestValidationError([{ ...NAME_ERROR, loc: [...NAME_ERROR.loc] }]));
    const reserved = reservedFilterFieldItems(request.body, ['body']);
    if (reserved.length > 0) return next(new RequestValidationError(reserved));
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
