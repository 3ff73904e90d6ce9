/**
 * Assembling a server: registry, metrics, scoring executor, recipe supervisor and watcher, and the
 * Fastify app over them. `buildServer` is what tests drive with `inject()`; the CLI path
 * (`runServer`, ./run.ts) adds listening, signals and draining.
 */
import { createRequire } from 'node:module';
import type { FastifyInstance } from 'fastify';
import { type ByteStore, type KeyRing, REMOTE_SCHEMES, type RemoteStoreFactory } from '../artifact/index.js';
import type { SourceTypeLookup } from '../recipe/types.js';
import { EventStores, type EventStoresOptions } from './events/stores.js';
import { buildApp } from './http/app.js';
import type { ServerContext, ServerState } from './http/context.js';
import type { DecodeMode } from './loading/decode-client.js';
import type { MetadataLoader } from './loading/load.js';
import { ServeMetrics } from './metrics/metrics.js';
import { ModelRegistry } from './registry/registry.js';
import { InlineExecutor, type ScoringExecutor } from './scoring/executor.js';
import { ThreadPoolExecutor } from './scoring/pool.js';
import { DEFAULT_SETTINGS, type ServeSettings } from './settings.js';
import { RecipeSupervisor } from './watch/supervisor.js';
import { ArtifactWatcher } from './watch/watcher.js';

/**
 * Artifacts may live in object stores: the artifact layer reaches them through the data layer.
 * That code (HTTP client, SDK loaders) is imported on the first remote artifact only; importing
 * it up front cost about a quarter of the start-up time of a server with local artifacts.
 */
let remoteStores: Promise<typeof import('../data/storage/artifact-store.js')> | null = null;
async function remoteStore(scheme: string): Promise<ByteStore> {
  remoteStores ??= import('../data/storage/artifact-store.js');
  const store = (await remoteStores).remoteArtifactStore(scheme);
  if (store === undefined) throw new Error(`no artifact store for ${scheme}://`);
  return store;
}
/** The server's remote artifact stores (reads, and the watcher's stats), handed to the loaders. */
const lazyRemoteStores: RemoteStoreFactory = (scheme) =>
  REMOTE_SCHEMES.has(scheme)
    ? {
        readBounded: async (uri, cap) => (await remoteStore(scheme)).readBounded(uri, cap),
        writeAtomic: async (uri, bytes) => (await remoteStore(scheme)).writeAtomic(uri, bytes),
        stat: async (uri) => (await remoteStore(scheme)).stat(uri),
      }
    : undefined;

export interface BuildServerOptions {
  settings?: Partial<ServeSettings>;
  /** Directory of recipe YAML files; omit to serve only what is put into `registry`. */
  recipesDir?: string;
  /** Verification keys for artifacts (required with `recipesDir`). */
  keyRing?: KeyRing;
  /** Registered data-source types, for parsing recipes. */
  sourceRegistry?: SourceTypeLookup;
  /** Reads a recipe's item metadata (defaults to the data layer's loader). */
  loadMetadata?: MetadataLoader;
  /** A pre-filled registry (tests). */
  registry?: ModelRegistry;
  executor?: ScoringExecutor;
  /** Where artifacts are decoded: by size (default), always in a worker thread, or always inline. */
  decodeMode?: DecodeMode;
  /**
   * `await` (default): resolve after the initial artifact loads. `deferred`: resolve at once and
   * load when `app.recotem.startLoading()` is called; `/v1/health` answers 503 until loading
   * finished (the CLI binds the port first, then loads).
   */
  initialLoad?: 'await' | 'deferred';
  /** Start the artifact watcher once loading finished (default false; the CLI turns it on). */
  watch?: boolean;
  /** Version in the OpenAPI document (default: the package version). */
  version?: string;
  /** Retention sweep timing of the event stores (tests shorten it). */
  events?: EventStoresOptions;
}

export interface ServeRuntime {
  readonly settings: ServeSettings;
  readonly registry: ModelRegistry;
  readonly metrics: ServeMetrics;
  readonly executor: ScoringExecutor;
  readonly state: ServerState;
  readonly supervisor: RecipeSupervisor | null;
  /** Null until started (after the initial load when `watch` is on). */
  watcher: ArtifactWatcher | null;
  /** Starts the initial load (once) and settles when it finished; later calls return the same promise. */
  startLoading(): Promise<void>;
}

declare module 'fastify' {
  interface FastifyInstance {
    recotem: ServeRuntime;
  }
}

export function packageVersion(): string {
  try {
    const pkg = createRequire(import.meta.url)('../../package.json') as { version?: string };
    return pkg.version ?? '0.0.0';
  } catch {
    return '0.0.0';
  }
}

export function createExecutor(settings: ServeSettings): ScoringExecutor {
  return settings.workers.kind === 'threads' ? new ThreadPoolExecutor(settings.workers.threads) : new InlineExecutor();
}

/** The data layer's metadata reader, imported on first use (most recipes have no metadata). */
const defaultMetadataLoader: MetadataLoader = async (meta, recipeName) => {
  const { loadMetadataTable } = await import('./loading/metadata-source.js');
  return loadMetadataTable(meta, recipeName);
};

function defaultSourceRegistry(): Promise<SourceTypeLookup> {
  const pending = import('./loading/source-registry.js').then((m) => m.serveSourceRegistry());
  // The initial load awaits (and reports) a failure; until then it must not count as unhandled.
  pending.catch(() => undefined);
  return pending;
}

export async function buildServer(opts: BuildServerOptions = {}): Promise<FastifyInstance> {
  const settings: ServeSettings = { ...DEFAULT_SETTINGS, ...opts.settings };
  const registry = opts.registry ?? new ModelRegistry();
  const metrics = new ServeMetrics({ requestMetrics: settings.metricsEnabled });
  const executor = opts.executor ?? createExecutor(settings);
  const state: ServerState = { startupComplete: opts.recipesDir === undefined };
  const events = new EventStores(metrics, opts.events);

  let supervisor: RecipeSupervisor | null = null;
  if (opts.recipesDir !== undefined) {
    if (!opts.keyRing) throw new Error('buildServer: keyRing is required with recipesDir');
    supervisor = new RecipeSupervisor({
      registry,
      metrics,
      recipesDir: opts.recipesDir,
      // Built concurrently with the app; the initial load awaits it.
      sourceRegistry: opts.sourceRegistry ?? defaultSourceRegistry(),
      startupParallelism: settings.startupParallelism,
      deps: {
        keyRing: opts.keyRing,
        artifactCap: settings.maxArtifactBytes,
        artifactRoot: settings.artifactRoot,
        payloadCap: settings.maxPayloadBytes,
        metadataFieldDeny: settings.metadataFieldDeny,
        executor,
        decodeMode: opts.decodeMode ?? 'auto',
        remoteStores: lazyRemoteStores,
        loadMetadata: opts.loadMetadata ?? defaultMetadataLoader,
        metrics,
      },
    });
  }

  const ctx: ServerContext = {
    settings,
    registry,
    metrics,
    executor,
    events,
    state,
    version: opts.version ?? packageVersion(),
  };
  const app = await buildApp(ctx);

  const runtime: ServeRuntime = {
    settings,
    registry,
    metrics,
    executor,
    state,
    supervisor,
    watcher: null,
    startLoading: () => loading,
  };
  const loading: Promise<void> = Promise.resolve();
  const sup = supervisor;
  if (sup !== null) {
    let started: Promise<void> | null = null;
    runtime.startLoading = () => {
      started ??= (async () => {
        await sup.initialLoad();
        state.startupComplete = true;
        if (opts.watch) {
          runtime.watcher = new ArtifactWatcher(sup, settings.watchIntervalSeconds);
          await runtime.watcher.start();
        }
      })();
      return started;
    };
    if ((opts.initialLoad ?? 'await') === 'await') await runtime.startLoading();
  }
  app.decorate('recotem', runtime);
  app.addHook('onClose', async () => {
    await runtime.watcher?.close(Math.min(5, Math.max(1, settings.drainSeconds)));
    // After the drain: requests still waiting for a commit have been answered; flush and close.
    await events.close();
    if (opts.executor === undefined) await executor.close();
  });
  return app;
}
