/**
 * `recotem serve`: the v1 HTTP API over signed artifacts, with hot-swap, metrics and draining.
 *
 * - `buildServer(opts)` → a ready Fastify instance (drive it with `inject()` or `listen()`);
 *   `app.recotem` exposes the registry, metrics, executor and watcher.
 * - `runServer(opts)` → the CLI path: bind, load, watch, serve until a signal, drain; resolves
 *   to the exit code.
 */

export { ServeMetrics } from './metrics/metrics.js';
export type { ModelEntry } from './registry/entry.js';
export { ModelRegistry } from './registry/registry.js';
export type { RunServerOptions } from './run.js';
export { runServer, settingsFromConfig } from './run.js';
export { runCluster } from './runtime/cluster.js';
export { DrainController } from './runtime/drain.js';
export type { BuildServerOptions, ServeRuntime } from './server.js';
export { buildServer, createExecutor, packageVersion } from './server.js';
export type { ServeSettings, WorkerModel } from './settings.js';
export { DEFAULT_SETTINGS, describeWorkerModel, isDevEnv, parseWorkerModel } from './settings.js';
