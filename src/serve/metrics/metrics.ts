/**
 * Prometheus metrics of the server. Operational metrics exist in every server; the
 * per-request v1 metrics only when RECOTEM_METRICS_ENABLED is on. Every label with a value that
 * comes from outside is coerced into a closed set, and request metrics for names that are not in
 * the registry use `recipe="__unknown__"`, so callers cannot mint series.
 */
import { createRequire } from 'node:module';
import type * as PromClient from 'prom-client';
import { scrubString } from '../../log/index.js';
import type { ErrorCode, Verb } from '../http/schemas.js';

/**
 * prom-client's own modules rather than its index: the index also loads the default collectors
 * (and through them @opentelemetry/api), the push gateway and the cluster aggregator, about 70
 * modules a server without RECOTEM_METRICS_ENABLED never uses, all before it can bind. The classes
 * are the same objects the index exports.
 */
const promLib = createRequire(import.meta.url);
const Counter: typeof PromClient.Counter = promLib('prom-client/lib/counter');
const Gauge: typeof PromClient.Gauge = promLib('prom-client/lib/gauge');
const Histogram: typeof PromClient.Histogram = promLib('prom-client/lib/histogram');
const Registry: typeof PromClient.Registry = promLib('prom-client/lib/registry');
const globalRegistry: PromClient.Registry = promLib('prom-client/lib/registry').globalRegistry;
/** The default collectors, loaded only by a server that exports them. */
function collectDefaultMetrics(config: { register: PromClient.Registry }): void {
  (promLib('prom-client/lib/defaultMetrics') as typeof PromClient.collectDefaultMetrics)(config);
}
type Counter<T extends string> = PromClient.Counter<T>;
type Gauge<T extends string> = PromClient.Gauge<T>;
type Histogram<T extends string> = PromClient.Histogram<T>;

const LABEL_VALUE = /="((?:[^"\\\n]|\\.)*)"/g;

/** Label values leave the process: they get the same value redaction as log fields. */
export function scrubLabelValues(exposition: string): string {
  return exposition.replace(LABEL_VALUE, (_m, value: string) => `="${scrubString(value)}"`);
}

export const LOAD_FAILURE_REASONS = [
  'read',
  'parse',
  'hmac',
  'header_json',
  'deserialize',
  'metadata',
  'yaml',
  'unexpected',
  'dir_scan',
  'timeout',
  'version_skew',
  'recipe_mismatch',
] as const;
export type LoadFailureReason = (typeof LOAD_FAILURE_REASONS)[number];

export type RequestStatus =
  | 'ok'
  | 'unknown_user'
  | 'unknown_seed_items'
  | 'no_candidates'
  | 'unavailable'
  | 'recipe_not_found'
  | 'validation_error'
  | 'error';

export const UNKNOWN_RECIPE_LABEL = '__unknown__';

function coerceReason(reason: string): LoadFailureReason {
  return (LOAD_FAILURE_REASONS as readonly string[]).includes(reason) ? (reason as LoadFailureReason) : 'unexpected';
}

interface V1Metrics {
  requests: Counter<'recipe' | 'verb' | 'status'>;
  latency: Histogram<'recipe' | 'verb'>;
  batchSize: Histogram<'recipe' | 'verb'>;
  batchElementErrors: Counter<'recipe' | 'verb' | 'code'>;
  degradedItems: Counter<'recipe' | 'verb' | 'kind'>;
  validationOutsideVerb: Counter<string>;
}

export class ServeMetrics {
  readonly registry = new Registry();
  readonly requestMetricsEnabled: boolean;
  private readonly v1: V1Metrics | null;
  readonly modelLoaded: Gauge<'recipe'>;
  readonly loadFailures: Counter<'recipe' | 'reason'>;
  readonly activeRecipes: Gauge<string>;
  readonly swaps: Counter<'recipe' | 'result'>;
  readonly statFailures: Counter<'recipe'>;
  readonly watcherUnhandled: Counter<string>;
  readonly metadataIndexBuildErrors: Counter<'recipe'>;
  readonly metadataSerializationErrors: Counter<'recipe' | 'verb'>;
  readonly rescanErrors: Counter<'recipe'>;
  /** Events by outcome: `accepted`, `duplicate`, `rejected` (element error). */
  readonly eventsIngested: Counter<'recipe' | 'outcome'>;
  /** Event store failures by operation: `write`, `read`, `retention`. */
  readonly eventStoreErrors: Counter<'recipe' | 'operation'>;
  readonly eventsExpired: Counter<'recipe'>;
  readonly dirScanFailures: Counter<'error_class'>;
  readonly layoutUnexpected: Counter<'recipe'>;
  readonly stateDivergence: Counter<string>;

  constructor(opts: { requestMetrics: boolean; defaultMetrics?: boolean }) {
    const registers = [this.registry];
    this.requestMetricsEnabled = opts.requestMetrics;
    if (opts.defaultMetrics ?? opts.requestMetrics) collectDefaultMetrics({ register: this.registry });
    this.modelLoaded = new Gauge({
      name: 'recotem_model_loaded',
      help: '1 if the recipe serves a model',
      labelNames: ['recipe'],
      registers,
    });
    this.loadFailures = new Counter({
      name: 'recotem_artifact_load_failures_total',
      help: 'Artifact load failures by reason',
      labelNames: ['recipe', 'reason'],
      registers,
    });
    this.activeRecipes = new Gauge({ name: 'recotem_active_recipes', help: 'Number of loaded recipes', registers });
    this.swaps = new Counter({
      name: 'recotem_swap_total',
      help: 'Watcher load attempts',
      labelNames: ['recipe', 'result'],
      registers,
    });
    this.statFailures = new Counter({
      name: 'recotem_artifact_stat_failures_total',
      help: 'Artifact stat errors other than not-found',
      labelNames: ['recipe'],
      registers,
    });
    this.watcherUnhandled = new Counter({
      name: 'recotem_watcher_unhandled_errors_total',
      help: 'Watcher cycles that failed',
      registers,
    });
    this.metadataIndexBuildErrors = new Counter({
      name: 'recotem_metadata_index_build_errors_total',
      help: 'Metadata rows skipped while building the index',
      labelNames: ['recipe'],
      registers,
    });
    this.metadataSerializationErrors = new Counter({
      name: 'recotem_metadata_serialization_errors_total',
      help: 'Items served without metadata because the record was not serialisable',
      labelNames: ['recipe', 'verb'],
      registers,
    });
    this.rescanErrors = new Counter({
      name: 'recotem_recipe_rescan_errors_total',
      help: 'Recipe YAML parse errors on rescan of a known recipe',
      labelNames: ['recipe'],
      registers,
    });
    this.eventsIngested = new Counter({
      name: 'recotem_events_ingested_total',
      help: 'Events received on :events, by outcome (accepted, duplicate, rejected)',
      labelNames: ['recipe', 'outcome'],
      registers,
    });
    this.eventStoreErrors = new Counter({
      name: 'recotem_event_store_errors_total',
      help: 'Event store failures by operation (write, read, retention)',
      labelNames: ['recipe', 'operation'],
      registers,
    });
    this.eventsExpired = new Counter({
      name: 'recotem_events_expired_total',
      help: 'Events deleted by retention',
      labelNames: ['recipe'],
      registers,
    });
    this.dirScanFailures = new Counter({
      name: 'recotem_recipes_dir_scan_failures_total',
      help: 'Recipes directory scan failures',
      labelNames: ['error_class'],
      registers,
    });
    this.layoutUnexpected = new Counter({
      name: 'recotem_recommender_layout_unexpected_total',
      help: 'Model invariant violations found while scoring',
      labelNames: ['recipe'],
      registers,
    });
    this.stateDivergence = new Counter({
      name: 'recotem_watcher_state_divergence_total',
      help: 'Load-error annotations for recipes missing from the registry',
      registers,
    });
    this.v1 = opts.requestMetrics
      ? {
          requests: new Counter({
            name: 'recotem_v1_requests_total',
            help: 'v1 verb requests by outcome',
            labelNames: ['recipe', 'verb', 'status'],
            registers,
          }),
          latency: new Histogram({
            name: 'recotem_v1_request_latency_seconds',
            help: 'v1 verb request latency',
            labelNames: ['recipe', 'verb'],
            buckets: [0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.25, 0.5, 0.75, 1, 2.5, 5, 7.5, 10],
            registers,
          }),
          batchSize: new Histogram({
            name: 'recotem_v1_batch_size',
            help: 'Elements per batch call',
            labelNames: ['recipe', 'verb'],
            buckets: [1, 2, 4, 8, 16, 32, 64, 128, 256],
            registers,
          }),
          batchElementErrors: new Counter({
            name: 'recotem_v1_batch_element_errors_total',
            help: 'Batch elements that failed, by error code',
            labelNames: ['recipe', 'verb', 'code'],
            registers,
          }),
          degradedItems: new Counter({
            name: 'recotem_v1_metadata_degraded_items_total',
            help: 'Items degraded during metadata enrichment',
            labelNames: ['recipe', 'verb', 'kind'],
            registers,
          }),
          validationOutsideVerb: new Counter({
            name: 'recotem_v1_validation_errors_outside_verb_total',
            help: '422 responses on paths that are not v1 verbs',
            registers,
          }),
        }
      : null;
  }

  recordRequest(recipe: string, verb: Verb, status: RequestStatus, seconds: number): void {
    if (!this.v1) return;
    this.v1.requests.inc({ recipe, verb, status });
    this.v1.latency.observe({ recipe, verb }, seconds);
  }

  recordBatchSize(recipe: string, verb: Verb, size: number): void {
    this.v1?.batchSize.observe({ recipe, verb }, size);
  }

  recordBatchElementError(recipe: string, verb: Verb, code: ErrorCode): void {
    this.v1?.batchElementErrors.inc({ recipe, verb, code });
  }

  recordDegraded(recipe: string, verb: Verb, kind: string, count: number): void {
    if (!this.v1 || count <= 0) return;
    const k = kind === 'fallback' || kind === 'dropped' ? kind : 'unexpected';
    this.v1.degradedItems.inc({ recipe, verb, kind: k }, count);
  }

  recordValidationOutsideVerb(): void {
    this.v1?.validationOutsideVerb.inc();
  }

  recordLoadFailure(recipe: string, reason: string): void {
    this.loadFailures.inc({ recipe, reason: coerceReason(reason) });
  }

  /** Drop every series of a removed recipe so the exposition does not keep dead recipes. */
  forgetRecipe(recipe: string): void {
    for (const metric of this.registry.getMetricsAsArray()) {
      const labelled = metric as unknown as {
        remove?: (labels: Record<string, string>) => void;
        labelNames?: string[];
      };
      if (!(labelled.labelNames ?? []).includes('recipe')) continue;
      // prom-client removes by exact label set; walk the current values to find every set.
      const hashMap =
        (metric as unknown as { hashMap?: Record<string, { labels: Record<string, string> }> }).hashMap ?? {};
      for (const { labels } of Object.values(hashMap)) {
        if (labels.recipe === recipe) labelled.remove?.(labels);
      }
    }
  }

  /** This server's metrics plus anything other layers recorded in prom-client's global registry. */
  async exposition(): Promise<string> {
    const own = await this.registry.metrics();
    const shared = await globalRegistry.metrics();
    return scrubLabelValues(shared.trim() === '' ? own : `${own}\n${shared}`);
  }

  get contentType(): string {
    return 'text/plain; version=0.0.4; charset=utf-8';
  }
}
