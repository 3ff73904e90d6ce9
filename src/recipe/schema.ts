/**
 * The recipe document schema. One zod schema serves both the loader and
 * `recotem schema`; the `source` slot is supplied by the caller (already-typed config in the loader,
 * the union of plugin config schemas for the JSON Schema).
 */
import { z } from 'zod';
import {
  ALGORITHM_NAME_SOURCE,
  type CanonicalAlgorithm,
  resolveAlgorithmName,
  unknownAlgorithmMessage,
} from './algorithms.js';
import {
  choiceString,
  declaredJsonSchema,
  describeJsonSchema,
  laxBool,
  laxFloat,
  laxInt,
  patternString,
} from './coerce.js';
import { eventStoreProblem } from './events-store.js';
import { pyList } from './text.js';

export const NAME_PATTERN = /^[A-Za-z0-9_-]{1,64}$/;
export const SHA256_PATTERN = /^[0-9a-f]{64}$/;

/** A lower-case hex sha256 pin, or null. */
export function sha256Field() {
  return patternString(SHA256_PATTERN).nullable().default(null);
}

const ITEM_ID_BLANK = 'item_id_column must not be empty or whitespace-only';

export const schemaSectionSchema = z.strictObject({
  user_column: z.string(),
  item_column: z.string(),
  time_column: z.string().nullable().default(null),
  time_unit: choiceString(['s', 'ms', 'us', 'ns']).nullable().default(null),
});

export const cleansingSchema = z
  .strictObject({
    drop_null_ids: laxBool().default(true),
    dedup: choiceString(['keep_first', 'keep_last', 'none']).default('keep_last'),
    min_rows: laxInt({ min: 0 }).nullable().default(null),
    min_users: laxInt({ min: 0 }).nullable().default(null),
    min_items: laxInt({ min: 0 }).nullable().default(null),
  })
  .prefault({});

export const splitSchema = z
  .strictObject({
    scheme: choiceString(['random', 'time_global', 'time_user']).default('random'),
    heldout_ratio: laxFloat({ gt: 0, lt: 1 }).default(0.1),
    test_user_ratio: laxFloat({ gt: 0, le: 1 }).default(1.0),
    seed: laxInt().default(42),
  })
  .prefault({});

/** Entries resolve to canonical class names; duplicates (after resolution) are dropped, first wins. */
const algorithmListSchema = describeJsonSchema(
  z
    .array(z.string())
    .min(1)
    .transform((names, ctx): CanonicalAlgorithm[] => {
      const out: CanonicalAlgorithm[] = [];
      names.forEach((name, index) => {
        const resolved = resolveAlgorithmName(name);
        if (resolved === undefined) {
          ctx.issues.push({ code: 'custom', message: unknownAlgorithmMessage(name), input: name, path: [index] });
        } else if (!out.includes(resolved)) out.push(resolved);
      });
      return out;
    }),
  { type: 'array', minItems: 1, items: { type: 'string', pattern: ALGORITHM_NAME_SOURCE } },
);

const perAlgorithmTrialCount = laxInt();
const perAlgorithmTrialsSchema = describeJsonSchema(z.record(z.string(), perAlgorithmTrialCount), {
  type: 'object',
  // Keys that resolve to no algorithm always fail the cross-field check, so the schema may reject them.
  propertyNames: { type: 'string', pattern: ALGORITHM_NAME_SOURCE },
  additionalProperties: declaredJsonSchema(perAlgorithmTrialCount),
});

export const trainingSchema = z
  .strictObject({
    algorithms: algorithmListSchema,
    metric: choiceString(['ndcg', 'map', 'recall', 'hit']).default('ndcg'),
    cutoff: laxInt({ min: 1 }).default(20),
    n_trials: laxInt({ min: 1 }).default(40),
    per_algorithm_trials: perAlgorithmTrialsSchema.nullable().default(null),
    per_trial_timeout_seconds: laxInt({ min: 1 }).nullable().default(null),
    timeout_seconds: laxInt({ min: 1 }).nullable().default(null),
    parallelism: laxInt({ min: 1 }).default(1),
    storage_path: z.string().default(''),
    split: splitSchema,
  })
  .superRefine((training, ctx) => {
    const pat = training.per_algorithm_trials;
    if (!pat || Object.keys(pat).length === 0) return;
    const classes = new Set<string>(training.algorithms);
    const stray = Object.keys(pat).filter((key) => {
      const resolved = resolveAlgorithmName(key);
      return resolved === undefined || !classes.has(resolved);
    });
    if (stray.length > 0) {
      ctx.addIssue({
        code: 'custom',
        path: ['per_algorithm_trials'],
        message:
          `per_algorithm_trials contains keys that are not in algorithms: ${pyList(stray)}.  ` +
          'Keys must match (or be aliases for) entries in training.algorithms.',
      });
    }
  });

export const promotionGateSchema = z.strictObject({
  max_regression: laxFloat({ ge: 0, le: 1 }).default(0),
  compare_to_toppop: laxBool().default(true),
});

export const outputSchema = z.strictObject({
  path: z.string(),
  versioning: choiceString(['always_overwrite', 'append_sha']).default('append_sha'),
  promotion_gate: promotionGateSchema.nullable().default(null),
});

const itemIdColumnSchema = describeJsonSchema(
  z.string().refine((value) => /\S/.test(value), { message: ITEM_ID_BLANK }),
  { type: 'string', pattern: '\\S' },
);

export const itemMetadataSchema = z
  .strictObject({
    type: choiceString(['csv', 'parquet']),
    path: z.string(),
    sha256: sha256Field(),
    fields: z.array(z.string()).min(1),
    on_field_missing: choiceString(['error', 'null']).default('error'),
    item_id_column: itemIdColumnSchema.default('item_id'),
    filterable: z.array(z.string()).default([]),
  })
  .superRefine((meta, ctx) => {
    meta.filterable.forEach((field, index) => {
      if (!meta.fields.includes(field)) {
        ctx.addIssue({
          code: 'custom',
          path: ['filterable', index],
          message: `'${field}' is not one of item_metadata.fields ${pyList(meta.fields)}`,
        });
      }
    });
  });

export const servingSchema = z
  .strictObject({
    unknown_user: choiceString(['error', 'popular']).default('error'),
    max_history: laxInt({ min: 1, max: 1000 }).default(100),
  })
  .prefault({});

const EVENT_TYPE_PATTERN = /^[A-Za-z0-9_.:-]{1,64}$/;
const eventTypesSchema = z.record(z.string().regex(EVENT_TYPE_PATTERN), z.number().min(0).max(1000));

/** Real-time events: where they are stored, how long they are kept, and who reads them. */
export const eventsSchema = z.strictObject({
  store: z.string().nullable().default(null),
  retention_days: laxInt({ min: 1, max: 3650 }).default(30),
  realtime: laxBool().default(true),
  include_in_training: laxBool().default(false),
  event_types: eventTypesSchema.nullable().default(null),
});

/** The whole document with `source` validated by `sourceSchema`. */
export function buildRecipeSchema<S extends z.ZodType>(sourceSchema: S) {
  return z
    .strictObject({
      name: patternString(NAME_PATTERN),
      source: sourceSchema,
      schema: schemaSectionSchema,
      cleansing: cleansingSchema,
      item_metadata: itemMetadataSchema.nullable().default(null),
      training: trainingSchema,
      output: outputSchema,
      serving: servingSchema,
      events: eventsSchema.nullable().default(null),
    })
    .superRefine((recipe, ctx) => {
      const scheme = recipe.training.split.scheme;
      if ((scheme === 'time_user' || scheme === 'time_global') && recipe.schema.time_column == null) {
        ctx.addIssue({
          code: 'custom',
          path: ['training', 'split', 'scheme'],
          message: `training.split.scheme='${scheme}' requires schema.time_column to be set.`,
        });
      }
      if (recipe.events !== null) {
        const problem = eventStoreProblem(recipe.events.store, recipe.output.path);
        if (problem !== null) ctx.addIssue({ code: 'custom', path: ['events', 'store'], message: problem });
      }
    });
}
