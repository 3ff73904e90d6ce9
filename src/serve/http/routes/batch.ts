/**
 * Batch verbs: elements are validated one by one, the aggregate limit cap is
 * enforced in input order, and every element gets exactly one result entry. All known users of a
 * call are ranked in one scoring job (one matrix product instead of N vector products).
 */
import type { FastifyReply, FastifyRequest } from 'fastify';
import { errorClassName, isFatalRuntimeError } from '../../../errors/index.js';
import { getLogger } from '../../../log/index.js';
import type { ProfileJob } from '../../scoring/executor.js';
import { ModelLayoutError } from '../../scoring/model.js';
import type { TopK } from '../../scoring/topk.js';
import type { ServerContext } from '../context.js';
import type { ResponseItem } from '../items.js';
import { afterCutExclusions, planRecommend, RequestRuleError } from '../personalize.js';
import { recordVerbOutcome } from '../plugins/verb-metrics.js';
import { recentEvents } from '../recent-events.js';
import {
  AGGREGATE_LIMIT_CAP,
  type BatchRequest,
  type ErrorCode,
  RecommendRelatedRequest,
  RecommendRequest,
  type Verb,
} from '../schemas.js';
import { JSON_TYPE, serializeBatchResponse } from '../serializers.js';
import { elementErrorMessage, reservedFilterFieldItems, toValidationItems } from '../validation.js';
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

const log = getLogger('recotem.serve.http');

type BatchResult =
  | { index: number; status: 'ok'; items: ResponseItem[] }
  | { index: number; status: 'error'; error: { code: ErrorCode; message: string } };

const INTERNAL = 'internal error';

class BatchCollector {
  readonly results: BatchResult[];
  private aggregate = 0;
  fallback = 0;
  dropped = 0;

  constructor(
    private readonly ctx: ServerContext,
    private readonly request: FastifyRequest,
    size: number,
  ) {
    this.results = new Array(size);
  }

  /** A recipe-dependent rule (history length, filter field) broken by one element. */
  ruleFailure(index: number, err: unknown): void {
    if (!(err instanceof RequestRuleError)) throw err;
    this.fail(index, 'VALIDATION_ERROR', elementErrorMessage([err.item]));
  }

  fail(index: number, code: ErrorCode, message: string): void {
    this.results[index] = { index, status: 'error', error: { code, message } };
    const call = this.request.verbCall!;
    this.ctx.metrics.recordBatchElementError(call.recipeLabel, call.verb, code);
  }

  /** Validate one element; null when it failed (its error entry is already recorded). */
  validate<T extends { limit: number }>(
    index: number,
    element: unknown,
    schema: typeof RecommendRequest | typeof RecommendRelatedRequest,
    extraRule?: (value: T) => string | null,
  ): T | null {
    if (element === null || typeof element !== 'object' || Array.isArray(element)) {
      this.fail(index, 'VALIDATION_ERROR', 'request must be an object');
      return null;
    }
    const reserved = reservedFilterFieldItems(element, []);
    const parsed = reserved.length > 0 ? null : schema.safeParse(element);
    if (parsed === null || !parsed.success) {
      const items = parsed === null ? reserved : toValidationItems(parsed.error, element, []);
      log.warn('batch_element_validation_failed', { idx: index, errors: items.slice(0, 10) });
      this.fail(index, 'VALIDATION_ERROR', elementErrorMessage(items));
      return null;
    }
    const value = parsed.data as unknown as T;
    const broken = extraRule?.(value) ?? null;
    if (broken !== null) {
      this.fail(index, 'VALIDATION_ERROR', broken);
      return null;
    }
    if (this.aggregate + value.limit > AGGREGATE_LIMIT_CAP) {
      this.fail(index, 'VALIDATION_ERROR', `aggregate limit cap exceeded: ${AGGREGATE_LIMIT_CAP}`);
      return null;
    }
    this.aggregate += value.limit;
    return value;
  }

  succeed(
    index: number,
    loaded: LoadedEntry,
    top: TopK,
    exclude: string[] | null,
    withMetadata: boolean,
    explainHistory: Int32Array | null = null,
  ): void {
    const built = rankedItems(loaded, top, exclude, explainHistory, withMetadata);
    this.fallback += built.fallback;
    this.dropped += built.dropped;
    this.results[index] = { index, status: 'ok', items: built.items };
  }

  elementError(index: number, err: unknown): void {
    if (isFatalRuntimeError(err)) throw err;
    if (err instanceof ModelLayoutError) {
      const recipe = this.request.verbCall!.name;
      this.ctx.metrics.layoutUnexpected.inc({ recipe });
      log.error('recommender_layout_unexpected', { recipe, idx: index, error: err.message });
    }
    log.error('batch_element_error', { idx: index, exc_type: errorClassName(err) });
    this.fail(index, 'INTERNAL_ERROR', INTERNAL);
  }

  respond(reply: FastifyReply, loaded: LoadedEntry) {
    recordDegraded(this.request, this.ctx.metrics, this);
    setModelVersionHeader(reply, loaded.version);
    recordVerbOutcome(this.request, this.ctx.metrics, 'ok', false);
    reply.type(JSON_TYPE).serializer(serializeBatchResponse);
    return {
      request_id: this.request.requestId,
      recipe: loaded.entry.name,
      model_version: loaded.version,
      results: this.results,
    };
  }
}

function start(ctx: ServerContext, request: FastifyRequest, name: string, verb: Verb) {
  const body = request.body as BatchRequest;
  const loaded = resolveEntry(ctx.registry, name);
  ctx.metrics.recordBatchSize(request.verbCall!.recipeLabel, verb, body.requests.length);
  return { body, loaded, collector: new BatchCollector(ctx, request, body.requests.length) };
}

/** Rank profile jobs; a failure of the whole call becomes each job's error. */
async function rankJobs(ctx: ServerContext, loaded: LoadedEntry, jobs: ProfileJob[]): Promise<(TopK | Error)[]> {
  try {
    return await ctx.executor.rankProfiles(loaded.entry.modelKey, loaded.model, jobs);
  } catch (err) {
    if (isFatalRuntimeError(err)) throw err;
    return jobs.map(() => (err instanceof Error ? err : new Error(String(err))));
  }
}

/** The string user ids of the elements (validation proper happens per element later). */
function userIdsOf(elements: readonly unknown[]): string[] {
  const ids: string[] = [];
  for (const e of elements) {
    const id = e !== null && typeof e === 'object' ? (e as { user_id?: unknown }).user_id : undefined;
    if (typeof id === 'string' && id.length > 0) ids.push(id);
  }
  return ids;
}

export async function handleBatchRecommend(
  ctx: ServerContext,
  request: FastifyRequest,
  reply: FastifyReply,
  name: string,
) {
  const { body, loaded, collector } = start(ctx, request, name, 'batch-recommend');
  const { entry, model } = loaded;
  const positions: number[] = [];
  const users: number[] = [];
  const limits: number[] = [];
  const excludes: (string[] | null)[] = [];
  const explains: (Int32Array | null)[] = [];
  const jobPositions: number[] = [];
  const jobs: ProfileJob[] = [];
  const jobExcludes: (string[] | null)[] = [];
  const jobExplains: (Int32Array | null)[] = [];
  const recent = await recentEvents(ctx, loaded, userIdsOf(body.requests));
  body.requests.forEach((element, index) => {
    const value = collector.validate<RecommendRequest>(index, element, RecommendRequest, (v) =>
      v.history !== undefined && v.history.length > entry.serving.maxHistory
        ? `history: ${tooManySeeds(entry.serving.maxHistory)}`
        : null,
    );
    if (value === null) return;
    let plan: ReturnType<typeof planRecommend>;
    try {
      plan = planRecommend(loaded, value, recent?.get(value.user_id));
    } catch (err) {
      collector.ruleFailure(index, err);
      return;
    }
    const after = afterCutExclusions(value);
    if (plan.kind === 'unknown') {
      collector.fail(index, 'UNKNOWN_USER', UNKNOWN_USER_MESSAGE);
    } else if (plan.kind === 'popular') {
      collector.succeed(index, loaded, plan.top, after, body.include_metadata);
    } else if (plan.kind === 'plain') {
      positions.push(index);
      users.push(plan.user);
      limits.push(value.limit);
      excludes.push(after);
      explains.push(value.explain ? plan.explainHistory : null);
    } else {
      jobPositions.push(index);
      jobs.push(plan.job);
      jobExcludes.push(after);
      jobExplains.push(value.explain ? plan.explainHistory : null);
    }
  });
  if (positions.length > 0) {
    let tops: TopK[] | null = null;
    let failure: unknown = null;
    try {
      tops = await ctx.executor.rankKnownUsers(entry.modelKey, model, Int32Array.from(users), Int32Array.from(limits));
    } catch (err) {
      failure = err;
    }
    for (let j = 0; j < positions.length; j++) {
      if (tops === null) collector.elementError(positions[j], failure);
      else collector.succeed(positions[j], loaded, tops[j], excludes[j], body.include_metadata, explains[j]);
    }
  }
  if (jobs.length > 0) {
    const results = await rankJobs(ctx, loaded, jobs);
    for (let j = 0; j < jobPositions.length; j++) {
      const result = results[j];
      if (result instanceof Error) collector.elementError(jobPositions[j], result);
      else collector.succeed(jobPositions[j], loaded, result, jobExcludes[j], body.include_metadata, jobExplains[j]);
    }
  }
  return collector.respond(reply, loaded);
}

export async function handleBatchRecommendRelated(
  ctx: ServerContext,
  request: FastifyRequest,
  reply: FastifyReply,
  name: string,
) {
  const { body, loaded, collector } = start(ctx, request, name, 'batch-recommend-related');
  const { entry, model } = loaded;
  const positions: number[] = [];
  const plans: Extract<RelatedPlan, { kind: 'job' }>[] = [];
  body.requests.forEach((element, index) => {
    const value = collector.validate<RecommendRelatedRequest>(index, element, RecommendRelatedRequest, (v) =>
      v.seed_items.length > entry.serving.maxHistory ? `seed_items: ${tooManySeeds(entry.serving.maxHistory)}` : null,
    );
    if (value === null) return;
    let plan: RelatedPlan;
    try {
      plan = planRelated(loaded, value);
    } catch (err) {
      collector.ruleFailure(index, err);
      return;
    }
    if (plan.kind === 'no_seeds') {
      collector.fail(index, 'UNKNOWN_SEED_ITEMS', NO_SEEDS_MESSAGE);
      return;
    }
    positions.push(index);
    plans.push(plan);
  });
  if (plans.length > 0) {
    const jobs = plans.map((p) => p.job);
    let results: (TopK | Error)[];
    try {
      results = await ctx.executor.rankProfiles(entry.modelKey, model, jobs);
    } catch (err) {
      results = jobs.map(() => (err instanceof Error ? err : new Error(String(err))));
      if (isFatalRuntimeError(err)) throw err;
    }
    for (let j = 0; j < positions.length; j++) {
      const result = results[j];
      if (result instanceof Error) {
        collector.elementError(positions[j], result);
      } else if (noCandidates(plans[j], result)) {
        collector.fail(positions[j], 'NO_CANDIDATES', NO_CANDIDATES_MESSAGE);
      } else {
        const plan = plans[j];
        collector.succeed(positions[j], loaded, result, plan.exclude, body.include_metadata, plan.explainHistory);
      }
    }
  }
  return collector.respond(reply, loaded);
}
