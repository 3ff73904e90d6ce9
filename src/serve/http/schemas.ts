/**
 * Request and response schemas of the v1 API. The zod objects are the
 * single source for validation and for the OpenAPI document. Types are strict JSON types: no
 * coercion of strings to numbers or of numbers to booleans; integral floats for `limit` are
 * accepted because JSON cannot tell `10.0` from `10`.
 */
import { z } from 'zod';
import { NAME_PATTERN } from '../../recipe/index.js';

/** The path's `{name}` is a recipe name, with the recipe loader's own pattern. */
export const RECIPE_NAME_PATTERN = NAME_PATTERN;
export const MAX_ID_CHARS = 256;
export const MAX_LIMIT = 1000;
export const MAX_EXCLUDE = 1000;
export const MAX_SEEDS = 100;
export const MAX_BATCH = 256;
/** Sum of the `limit` of the processed elements of one batch call. */
export const AGGREGATE_LIMIT_CAP = 5000;

export const ERROR_CODES = [
  'RECIPE_NOT_FOUND',
  'RECIPE_UNAVAILABLE',
  'UNKNOWN_USER',
  'UNKNOWN_SEED_ITEMS',
  'NO_CANDIDATES',
  'VALIDATION_ERROR',
  'MISSING_API_KEY',
  'INVALID_API_KEY',
  'INTERNAL_ERROR',
  'EVENTS_NOT_ENABLED',
  'EVENTS_UNAVAILABLE',
] as const;
export type ErrorCode = (typeof ERROR_CODES)[number];

export const VERBS = ['recommend', 'recommend-related', 'batch-recommend', 'batch-recommend-related'] as const;
/** The recommendation verbs plus `events` (writes events; its own key ring). */
export type Verb = (typeof VERBS)[number] | 'events';

const idString = z.string().min(1).max(MAX_ID_CHARS);
const limitField = z.number().int().min(1).max(MAX_LIMIT).default(10);
const excludeField = z.array(idString).max(MAX_EXCLUDE).nullable().default(null);

/** Schema-level cap on `history`; the recipe's `serving.max_history` (at most this) applies per recipe. */
export const MAX_HISTORY = 1000;

const filterScalar = z.union([z.string().max(MAX_ID_CHARS), z.number(), z.boolean()]);
const filterBound = z.union([z.string().max(MAX_ID_CHARS), z.number()]);
const FilterCondition = z
  .object({
    eq: filterScalar.optional(),
    in: z.array(filterScalar).min(1).max(MAX_EXCLUDE).optional(),
    nin: z.array(filterScalar).min(1).max(MAX_EXCLUDE).optional(),
    gte: filterBound.optional(),
    lte: filterBound.optional(),
  })
  .strict()
  .refine((c) => Object.keys(c).length > 0, { message: 'condition needs at least one of eq, in, nin, gte, lte' })
  .meta({ id: 'FilterCondition' });

/** Opt-in fields shared by the single verbs (all optional: a request without them behaves as before). */
const beyondFields = {
  filter: z.record(z.string().min(1).max(MAX_ID_CHARS), FilterCondition).optional().meta({
    description:
      'Item-metadata conditions applied before the top-limit cut; each field must be declared in item_metadata.filterable',
  }),
  exclude_mode: z.enum(['after_cut', 'before_cut']).optional().meta({
    description: 'after_cut (default): exclude_items removed from the top limit; before_cut: before the cut',
  }),
  explain: z
    .boolean()
    .optional()
    .meta({ description: 'Item-based models: add `because` (top 3 contributing history items) to each item' }),
};

export const RecommendRequest = z
  .object({
    user_id: idString,
    limit: limitField,
    exclude_items: excludeField,
    history: z
      .array(idString)
      .min(1)
      .max(MAX_HISTORY)
      .optional()
      .meta({ description: 'Recent items of this user, folded into the model (at most serving.max_history)' }),
    ...beyondFields,
  })
  .strict()
  .meta({ id: 'RecommendRequest' });
export type RecommendRequest = z.output<typeof RecommendRequest>;

export const RecommendRelatedRequest = z
  .object({
    seed_items: z.array(idString).min(1).max(MAX_SEEDS),
    limit: limitField,
    exclude_items: excludeField,
    ...beyondFields,
  })
  .strict()
  .meta({ id: 'RecommendRelatedRequest' });
export type RecommendRelatedRequest = z.output<typeof RecommendRelatedRequest>;

/**
 * Batch envelope. Elements are any JSON value here: a non-object element is reported in its own
 * result entry (`request must be an object`) instead of failing the whole call.
 */
export const BatchRequest = z
  .object({ requests: z.array(z.unknown()).min(1).max(MAX_BATCH), include_metadata: z.boolean().default(false) })
  .strict();
export const BatchRecommendRequest = BatchRequest.meta({ id: 'BatchRecommendRequest' });
export const BatchRecommendRelatedRequest = BatchRequest.meta({ id: 'BatchRecommendRelatedRequest' });
export type BatchRequest = z.output<typeof BatchRequest>;

export const RecipeNameParam = z.string().regex(RECIPE_NAME_PATTERN);

export const RecommendItem = z
  .object({
    item_id: idString,
    score: z.number(),
    because: z
      .array(z.object({ item_id: z.string(), weight: z.number() }))
      .optional()
      .meta({ description: 'With explain on item-based models: the history items contributing most to the score' }),
  })
  .catchall(z.unknown())
  .meta({ id: 'RecommendItem', description: 'item_id and score, then the recipe metadata fields' });

export const RecommendResponse = z
  .object({
    request_id: z.string(),
    recipe: z.string(),
    model_version: z.string(),
    items: z.array(RecommendItem),
  })
  .meta({ id: 'RecommendResponse' });

const ErrorCodeSchema = z.enum(ERROR_CODES).meta({ id: 'ErrorCode' });

export const BatchResultOk = z
  .object({ index: z.number().int().min(0), status: z.literal('ok'), items: z.array(RecommendItem) })
  .strict();
export const BatchResultError = z
  .object({
    index: z.number().int().min(0),
    status: z.literal('error'),
    error: z.object({ code: ErrorCodeSchema, message: z.string().min(1) }).strict(),
  })
  .strict();
export const BatchResponse = z
  .object({
    request_id: z.string(),
    recipe: z.string(),
    model_version: z.string(),
    results: z.array(z.discriminatedUnion('status', [BatchResultOk, BatchResultError])),
  })
  .meta({ id: 'BatchResponse' });

export const ErrorResponse = z
  .object({ detail: z.string(), code: ErrorCodeSchema, request_id: z.string().optional() })
  .meta({ id: 'ErrorResponse' });

export const ValidationErrorResponse = z
  .object({
    request_id: z.string(),
    detail: z.string(),
    code: z.literal('VALIDATION_ERROR'),
    errors: z.array(z.object({ type: z.string(), loc: z.array(z.union([z.string(), z.number()])), msg: z.string() })),
  })
  .meta({ id: 'ValidationErrorResponse' });

const RecipeSummaryShape = {
  name: z.string(),
  model_version: z.string().nullable(),
  loaded_at: z.string(),
  supported_verbs: z.array(z.enum(VERBS)),
  kind: z.literal('user-item'),
};
export const RecipeSummary = z.object(RecipeSummaryShape).meta({ id: 'RecipeSummary' });
export const RecipeList = z.object({ recipes: z.array(RecipeSummary) }).meta({ id: 'RecipeList' });
export const RecipeDetail = z
  .object({
    ...RecipeSummaryShape,
    config_digest: z.string().nullable(),
    algorithms: z.array(z.string()),
    best_algorithm: z.string(),
    trained_at: z.string().nullable(),
    best_class: z.string().nullable(),
    best_params: z.record(z.string(), z.unknown()).nullable(),
    best_score: z.number().nullable(),
    metric: z.enum(['ndcg', 'map', 'recall', 'hit']).nullable(),
    cutoff: z.number().int().min(1).nullable(),
    tuning: z.record(z.string(), z.unknown()).nullable(),
    data_stats: z.record(z.string(), z.unknown()).nullable(),
    recotem_version: z.string().nullable(),
    irspack_version: z.string().nullable(),
    recipe_hash: z.string().nullable(),
  })
  .meta({ id: 'RecipeDetail' });

export const HealthResponse = z
  .object({ status: z.enum(['ok', 'degraded']), total: z.number().int(), loaded: z.number().int() })
  .meta({ id: 'HealthResponse' });
export const HealthDetailsResponse = z
  .object({
    status: z.enum(['ok', 'degraded']),
    recipes: z.record(
      z.string(),
      z.object({
        loaded: z.boolean(),
        trained_at: z.string().optional(),
        best_class: z.string().optional(),
        kid: z.string().optional(),
        error: z.string().optional(),
      }),
    ),
  })
  .meta({ id: 'HealthDetailsResponse' });
