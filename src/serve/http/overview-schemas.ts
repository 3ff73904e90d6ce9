/**
 * Response schemas of the read-only operator routes (`GET /v1/overview` and
 * `GET /v1/recipes/{name}/training`), which the console reads. Like the other response schemas
 * they document the API; serialisation stays a plain JSON.stringify.
 */
import { z } from 'zod';

// Nullable properties use schemas without an id: OpenAPI 3.0 has no nullable reference.
const DataCounts = z.object({ n_rows: z.number().int(), n_users: z.number().int(), n_items: z.number().int() });

export const RecipeState = z.enum(['loaded', 'stale', 'failed', 'loading']).meta({
  id: 'RecipeState',
  description:
    'loaded: serving its newest artifact; stale: serving an older model because the newest artifact failed to load; failed: no model, last load failed; loading: no model yet',
});

export const RecipeOverview = z
  .object({
    name: z.string(),
    state: RecipeState,
    error: z.string().nullable().meta({ description: 'Sanitised reason of the last failed load' }),
    model_version: z.string().nullable(),
    loaded_at: z.string().nullable(),
    trained_at: z.string().nullable(),
    best_class: z.string().nullable(),
    best_score: z.number().nullable(),
    metric: z.string().nullable(),
    cutoff: z.number().int().nullable(),
    data_stats: DataCounts.nullable(),
    kid: z.string().nullable(),
    swap_count: z.number().int().min(0).meta({ description: 'Hot swaps since the server started' }),
    last_swap_at: z.string().nullable(),
  })
  .meta({ id: 'RecipeOverview' });

export const OverviewResponse = z
  .object({
    server: z.object({
      version: z.string(),
      started_at: z.string(),
      uptime_seconds: z.number(),
      status: z.enum(['ok', 'degraded']),
      auth: z.boolean().meta({ description: 'Whether requests need an API key' }),
      request_metrics: z.boolean().meta({ description: 'Whether GET /v1/metrics serves request metrics' }),
      workers: z.string(),
    }),
    recipes: z.array(RecipeOverview),
  })
  .meta({ id: 'OverviewResponse' });

const SearchTrial = z
  .object({
    n: z.number().int(),
    algorithm: z.string(),
    state: z.string(),
    score: z.number().nullable(),
    t: z.number().meta({ description: 'Seconds since the search started when the trial finished' }),
  })
  .meta({ id: 'SearchTrial' });

const AlgorithmSearch = z
  .object({
    algorithm: z.string(),
    completed: z.number().int(),
    other: z.number().int().meta({ description: 'Trials that ended without a score (pruned, failed)' }),
    best_score: z.number().nullable(),
    best_trial: z.number().int().nullable(),
    best_params: z.record(z.string(), z.unknown()).nullable(),
  })
  .meta({ id: 'AlgorithmSearch' });

export const SearchSummary = z.object({
  started_at: z.string().nullable(),
  n_trials: z.number().int(),
  truncated: z.boolean().meta({ description: 'True when only a sample of the trials was kept' }),
  trials: z.array(SearchTrial),
  algorithms: z.array(AlgorithmSearch),
  split: z.record(z.string(), z.union([z.string(), z.number()])),
});

export const TrainingResponse = z
  .object({
    name: z.string(),
    model_version: z.string().nullable(),
    trained_at: z.string().nullable(),
    best_class: z.string().nullable(),
    best_params: z.record(z.string(), z.unknown()).nullable(),
    best_score: z.number().nullable(),
    metric: z.string().nullable(),
    cutoff: z.number().int().nullable(),
    data_stats: z.record(z.string(), z.union([z.string(), z.number()])).nullable(),
    tuning: z.record(z.string(), z.unknown()).nullable(),
    search: SearchSummary.nullable().meta({ description: 'Null for artifacts trained before summaries were kept' }),
    model: z.object({
      n_users: z.number().int(),
      n_items: z.number().int(),
      explains: z.boolean().meta({ description: 'Item-based model: `explain` adds `because` to items' }),
    }),
    item_metadata: z.object({ fields: z.array(z.string()), filterable: z.array(z.string()) }),
    serving: z.object({ unknown_user: z.enum(['error', 'popular']), max_history: z.number().int() }),
  })
  .meta({ id: 'TrainingResponse' });
