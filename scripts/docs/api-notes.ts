/**
 * Prose for the generated HTTP API reference: what each route does, and what each error code
 * means. Keys must match the OpenAPI document exactly (`METHOD path`, and the `ErrorCode` enum);
 * the generator fails on a missing or stale entry.
 */
export const ROUTE_NOTES: Readonly<Record<string, string>> = {
  'POST /v1/recipes/{name}:recommend': [
    'Top items for a user seen in training. Items the user interacted with are never returned.',
    '`exclude_items` is applied after the top `limit` cut, so fewer than `limit` items may come back.',
    'A user not seen in training gets 404 `UNKNOWN_USER`, or popular items when the recipe sets',
    '`serving.unknown_user: popular`. Opt-in fields: `history` (recent items, folded into the model:',
    'an unknown user with at least one known history item is answered from it; a known user is scored',
    'from the training row plus the history; history items are never returned); `filter` (conditions',
    'on `item_metadata.filterable` fields, applied before the cut, so `limit` items come back whenever',
    'that many pass; other fields: 422); `exclude_mode: before_cut` (exclude before the cut);',
    '`explain: true` (item-based models add `because`, the top 3 contributing history items; other',
    'models omit it). `:recommend-related` takes `filter`, `exclude_mode` and `explain` too.',
  ].join(' '),
  'POST /v1/recipes/{name}:recommend-related': [
    'Items related to `seed_items`, scored as for an anonymous user whose history is the seeds.',
    'Unknown seeds are ignored; when none is known the answer is 404 `UNKNOWN_SEED_ITEMS`. Seeds are',
    'never returned. At most `serving.max_history` seeds are accepted (422 above that).',
  ].join(' '),
  'POST /v1/recipes/{name}:batch-recommend': [
    'Up to 256 `:recommend` requests in one call. Each element of `requests` is a `:recommend` body',
    '(`user_id`, `limit`, `exclude_items`), validated and answered on its own; `results` has one entry per element, in order, with `status` `ok` or `error`. The call',
    'answers 200 even when every element failed. The `limit`s of the processed elements may add up to',
    'at most 5000; an element that would exceed it gets `VALIDATION_ERROR`. Metadata fields are joined',
    'only with `include_metadata: true`.',
  ].join(' '),
  'POST /v1/recipes/{name}:batch-recommend-related': [
    'Up to 256 `:recommend-related` requests in one call, with the same per-element results and limit',
    'rule as `:batch-recommend`.',
  ].join(' '),
  'POST /v1/recipes/{name}:events': [
    'Record what users did (recipes with an `events:` section). Up to 1000 events per call, each with',
    '`user_id`, `item_id` and optionally `timestamp` (ISO-8601 or epoch seconds; default: now), `event_type`',
    'and `event_id` (idempotency key: an event sent again with the same id is counted in `duplicates`, not',
    'stored twice). Each event is checked on its own: a bad one gets an entry in `errors` (`invalid_event`,',
    '`invalid_timestamp`, `unknown_event_type`) and the others are still stored. 200 means the accepted',
    'events are committed to the store. Needs a key from `RECOTEM_EVENT_API_KEYS` (read keys are refused',
    'here and event keys everywhere else). 404 `EVENTS_NOT_ENABLED` for a recipe without events, 503',
    '`EVENTS_UNAVAILABLE` with `Retry-After` when the store cannot take the write (nothing was stored).',
    "With `events.realtime`, the user's next `:recommend` folds these events in.",
  ].join(' '),
  'GET /v1/recipes': 'Every loaded recipe (recipes whose model failed to load are left out), sorted by name.',
  'GET /v1/recipes/{name}': [
    'One recipe and the training summary of its loaded model.',
    'Answers 404 `RECIPE_NOT_FOUND`, 503 `RECIPE_UNAVAILABLE` when the recipe has no loaded model,',
    '422 for a name that is not a valid recipe name, and 401 without a valid key.',
  ].join(' '),
  'GET /v1/health': [
    'Readiness probe, unauthenticated. `ok` (200) when every registered recipe has a loaded model,',
    'else `degraded` (503); also `degraded` while the models are still loading after start-up.',
    '`/health` is an alias.',
  ].join(' '),
  'GET /v1/health/details': [
    'Per-recipe state: `loaded`, and when known `trained_at`, `best_class`, the signing `kid` and the',
    'last load `error`. `degraded` (503) when any recipe is not loaded or has an error (a recipe still',
    'serving an older model after a failed reload counts). `/health/details` is an alias.',
  ].join(' '),
  'GET /v1/overview': [
    'The server (version, uptime, health, whether keys and request metrics are on) and every registered',
    'recipe, with or without a model: `state` (`loaded`, `stale` when a newer artifact failed to load and',
    'the older model still serves, `failed`, `loading`), the sanitised load `error`, the model version,',
    'training summary, data counts and the hot swaps since start-up. The operator console reads it.',
  ].join(' '),
  'GET /v1/recipes/{name}/training': [
    'How the served model was chosen: the search summary stored in the artifact (score of each trial',
    'over time, the best configuration per algorithm, the split; `null` for artifacts trained before',
    'summaries were kept), the data statistics, and what requests may use (metadata fields, filterable',
    'fields, whether `explain` adds `because`). Errors as for `GET /v1/recipes/{name}`.',
  ].join(' '),
};

export const ERROR_CODE_NOTES: Readonly<Record<string, string>> = {
  RECIPE_NOT_FOUND: '404: no recipe of that name is registered.',
  RECIPE_UNAVAILABLE: '503: the recipe is registered but its model is not loaded (see `/v1/health/details`).',
  UNKNOWN_USER: '404 (or a batch element): the user was not seen in training.',
  UNKNOWN_SEED_ITEMS: '404 (or a batch element): none of `seed_items` was seen in training.',
  NO_CANDIDATES: '404 (or a batch element): the model produced no item for these seeds.',
  VALIDATION_ERROR: '422 (or a batch element): the request does not match the schema; `errors` lists why.',
  MISSING_API_KEY: '401: the `X-API-Key` header is absent.',
  INVALID_API_KEY: '401: the key matches no configured key.',
  EVENTS_NOT_ENABLED: '404: the recipe has no `events:` section, so `:events` is not available for it.',
  EVENTS_UNAVAILABLE: '503: the event store cannot take the write right now; retry after `Retry-After` seconds.',
  INTERNAL_ERROR: '500 (or a batch element): an unexpected server error; the body carries `request_id` for the logs.',
};

/** Routes that exist but are left out of the OpenAPI document. */
export const UNDOCUMENTED_ROUTES: readonly string[] = [
  '`GET /v1/metrics`: Prometheus metrics, only when `RECOTEM_METRICS_ENABLED` is on; needs `X-API-Key` like the other routes.',
  '`GET /health` and `GET /health/details`: aliases of the `/v1` health routes.',
  '`GET /docs`, `/redoc`, `/openapi.json`: this document, only when `RECOTEM_ENV` is `development`, `dev` or `test`.',
  '`GET /console/`: the operator console (static files, no key needed for them), when enabled (see operations.md).',
];
