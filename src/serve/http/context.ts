/** What the HTTP layer reads: settings, the registry, metrics, the scorer and lifecycle flags. */
import type { EventStores } from '../events/stores.js';
import type { ServeMetrics } from '../metrics/metrics.js';
import type { ModelRegistry } from '../registry/registry.js';
import type { ScoringExecutor } from '../scoring/executor.js';
import type { ServeSettings } from '../settings.js';

export interface ServerState {
  /** False until the initial artifact loads finished (only matters when listening early). */
  startupComplete: boolean;
}

export interface ServerContext {
  readonly settings: ServeSettings;
  readonly registry: ModelRegistry;
  readonly metrics: ServeMetrics;
  readonly executor: ScoringExecutor;
  /** Stores of the recipes that take events (opened on first use). */
  readonly events: EventStores;
  readonly state: ServerState;
  /** Package version for the OpenAPI document. */
  readonly version: string;
}

declare module 'fastify' {
  interface FastifyRequest {
    /** Resolved X-Request-ID. */
    requestId: string;
    /** Authenticated principal; `anonymous` in bypass mode. */
    kid: string | null;
    /** performance.now() at arrival, for the latency histogram. */
    startedAt: number;
  }
}
