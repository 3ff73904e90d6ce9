/**
 * The `recotem serve` process after the CLI's gating steps: bind first, load artifacts while `/v1/health` answers 503, start the watcher and the
 * unsafe-mode banners, then serve until SIGTERM/SIGINT and drain. Resolves to the exit code.
 */

import type { KeyRing, ServeConfig } from '../config/index.js';
import { errorMessage, isFatalRuntimeError } from '../errors/index.js';
import { getLogger } from '../log/index.js';
import { startBanners } from './runtime/banners.js';
import { DrainController } from './runtime/drain.js';
import { buildServer } from './server.js';
import { DEFAULT_SETTINGS, isLoopbackHost, parseWorkerModel, type ServeSettings } from './settings.js';

const log = getLogger('recotem.serve');

/** What the CLI hands over (structurally the CLI's ServeCommandOptions). */
export interface RunServerOptions {
  recipesDir: string;
  /** Environment config with CLI overrides applied (effective host, port, API keys). */
  config: ServeConfig;
  insecureNoAuth: boolean;
  devAllowUnsigned: boolean;
  keyRing: KeyRing;
  env: NodeJS.ProcessEnv;
  /** Writes a line to stderr (defaults to process.stderr). */
  stderr?: (line: string) => void;
}

const BIND_ERRORS = new Set(['EADDRINUSE', 'EACCES', 'EADDRNOTAVAIL']);

export function settingsFromConfig(opts: RunServerOptions): ServeSettings {
  const c = opts.config;
  return {
    apiKeys: c.apiKeys,
    eventApiKeys: c.eventApiKeys,
    host: c.host,
    port: c.port,
    watchIntervalSeconds: c.watchIntervalSeconds,
    maxArtifactBytes: c.maxArtifactBytes,
    maxPayloadBytes: c.maxPayloadBytes,
    allowedHosts: c.allowedHosts,
    allowedOrigins: c.allowedOrigins,
    env: c.env,
    drainSeconds: c.drainSeconds,
    metadataFieldDeny: c.metadataFieldDeny,
    startupParallelism: c.startupParallelism === 'auto' ? null : c.startupParallelism,
    metricsEnabled: c.metricsEnabled,
    insecureNoAuth: opts.insecureNoAuth,
    devAllowUnsigned: opts.devAllowUnsigned,
    workers: parseWorkerModel(opts.env.RECOTEM_SERVE_WORKERS),
    artifactRoot: opts.env.RECOTEM_ARTIFACT_ROOT?.trim() || null,
    requestTimeoutSeconds: DEFAULT_SETTINGS.requestTimeoutSeconds,
    console: c.console === 'auto' ? isLoopbackHost(c.host) : c.console,
  };
}

export async function runServer(opts: RunServerOptions): Promise<number> {
  const stderr = opts.stderr ?? ((line: string) => process.stderr.write(`${line}\n`));
  const settings = settingsFromConfig(opts);
  if (settings.workers.kind === 'cluster') {
    const { runCluster } = await import('./runtime/cluster.js');
    const outcome = await runCluster(settings.workers.processes);
    if (outcome !== 'worker') return outcome;
    settings.workers = { kind: 'inline' };
  }
  const app = await buildServer({
    settings,
    recipesDir: opts.recipesDir,
    keyRing: opts.keyRing,
    initialLoad: 'deferred',
    watch: true,
  });
  const drain = new DrainController(app, settings.drainSeconds);
  try {
    await app.listen({ host: settings.host, port: settings.port });
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    await app.close().catch(() => undefined);
    if (code !== undefined && BIND_ERRORS.has(code)) {
      log.error('serve_bind_failed', { host: settings.host, port: settings.port, error: errorMessage(err), code });
      stderr(`Server bind failed: ${errorMessage(err)}`);
      return 8;
    }
    throw err;
  }
  const address = app.server.address();
  log.info('serve_listening', {
    host: settings.host,
    port: typeof address === 'object' && address !== null ? address.port : settings.port,
    workers: settings.workers.kind === 'threads' ? settings.workers.threads : 0,
  });
  if (settings.console) {
    const port = typeof address === 'object' && address !== null ? address.port : settings.port;
    const host = settings.host.includes(':') ? `[${settings.host}]` : settings.host;
    log.info('console_available', { url: `http://${host}:${port}/console/` });
  }
  const banners = startBanners(settings);
  drain.install();
  try {
    await app.recotem.startLoading();
  } catch (err) {
    if (isFatalRuntimeError(err)) throw err;
    // A directory that vanished after the CLI checked it: keep serving (health reports it).
    log.error('startup_load_failed', { error: errorMessage(err) });
  }
  const exitCode = await drain.finished;
  banners.stop();
  return exitCode;
}
