/**
 * Everything the serve layer needs from the environment and the command line, in one plain
 * object. `src/config` parses and validates the environment; the CLI applies its overrides; this
 * module only defines the shape the server consumes and the serve-local knobs.
 */
import { availableParallelism } from 'node:os';
import type { ApiKeyEntry } from '../config/index.js';
import { getLogger } from '../log/index.js';

/** How scoring uses the CPU cores (RECOTEM_SERVE_WORKERS). */
export type WorkerModel =
  /** Score on the event loop. */
  | { kind: 'inline' }
  /** Score in `threads` worker threads over shared model memory. */
  | { kind: 'threads'; threads: number }
  /** Fork `processes` HTTP server processes, each holding every model. */
  | { kind: 'cluster'; processes: number };

export interface ServeSettings {
  /** Empty = no auth (the bind host is then forced to loopback unless `insecureNoAuth`). */
  apiKeys: readonly ApiKeyEntry[];
  /** Keys allowed to write events (and nothing else); empty with `apiKeys` set: events are refused. */
  eventApiKeys: readonly ApiKeyEntry[];
  host: string;
  port: number;
  watchIntervalSeconds: number;
  maxArtifactBytes: number;
  maxPayloadBytes: number;
  allowedHosts: readonly string[];
  allowedOrigins: readonly string[];
  /** RECOTEM_ENV, trimmed (comparisons lower-case it). */
  env: string;
  drainSeconds: number;
  /** Lower-cased field names removed from item metadata at index build. */
  metadataFieldDeny: readonly string[];
  /** null = auto (min(#recipes, 8)). */
  startupParallelism: number | null;
  metricsEnabled: boolean;
  insecureNoAuth: boolean;
  devAllowUnsigned: boolean;
  workers: WorkerModel;
  /** RECOTEM_ARTIFACT_ROOT: when set, every local artifact read must resolve inside it. */
  artifactRoot: string | null;
  /** Longest time to receive a whole request (headers and body) before a 408 and a closed connection. */
  requestTimeoutSeconds: number;
  /** Serve the operator console at /console/ (from `consoleDir`, default dist/console). */
  console: boolean;
  consoleDir?: string;
}

export const DEFAULT_SETTINGS: ServeSettings = {
  apiKeys: [],
  eventApiKeys: [],
  host: '127.0.0.1',
  port: 8080,
  watchIntervalSeconds: 5,
  maxArtifactBytes: 2 * 1024 ** 3,
  maxPayloadBytes: 512 * 1024 ** 2,
  allowedHosts: ['127.0.0.1', 'localhost'],
  allowedOrigins: [],
  env: '',
  drainSeconds: 30,
  metadataFieldDeny: [],
  startupParallelism: null,
  metricsEnabled: false,
  insecureNoAuth: false,
  devAllowUnsigned: false,
  workers: { kind: 'inline' },
  artifactRoot: null,
  requestTimeoutSeconds: 30,
  console: false,
};

const DEV_ENVS = new Set(['development', 'dev', 'test']);

/** `/docs`, `/openapi.json` and `--insecure-no-auth` are allowed only in these environments. */
export function isDevEnv(env: string): boolean {
  return DEV_ENVS.has(env.trim().toLowerCase());
}

const log = getLogger('recotem.serve');

/** 127.0.0.0/8, ::1 and localhost: the operator console is on by default only there. */
export function isLoopbackHost(host: string): boolean {
  const h = host
    .trim()
    .toLowerCase()
    .replace(/^\[(.*)\]$/, '$1');
  return h === 'localhost' || h === '::1' || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(h);
}

/** Upper bound on scoring threads or processes; more than the cores only adds contention. */
const MAX_WORKERS = 64;

/**
 * RECOTEM_SERVE_WORKERS: `auto` (default), `0`/`inline`, `<n>`/`threads:<n>`, `cluster`,
 * `cluster:<n>`. `auto` is the scoring-thread pool with one thread per core when there are two or
 * more cores, else inline: it scored `:recommend` faster than node:cluster on IALS models in the
 * serving benchmark (bench/serve/README.md), keeps a single copy of the registry, and keeps
 * `/v1/health` answering while batches score. Unparseable values fall back to auto with a warning.
 */
export function parseWorkerModel(raw: string | undefined, cores = availableParallelism()): WorkerModel {
  const auto = (): WorkerModel =>
    cores >= 2 ? { kind: 'threads', threads: Math.min(cores, MAX_WORKERS) } : { kind: 'inline' };
  const value = (raw ?? '').trim().toLowerCase();
  if (value === '' || value === 'auto') return auto();
  if (value === '0' || value === 'inline') return { kind: 'inline' };
  const match = /^(?:(threads|cluster):)?(\d+)$/.exec(value) ?? /^(cluster)$/.exec(value);
  if (match) {
    const kind = match[1] === 'cluster' ? 'cluster' : 'threads';
    const requested = match[2] === undefined ? cores : Number(match[2]);
    if (requested === 0) return kind === 'cluster' ? { kind: 'cluster', processes: cores } : { kind: 'inline' };
    const n = Math.min(requested, MAX_WORKERS);
    if (n !== requested)
      log.warn('env_var_clamped', { name: 'RECOTEM_SERVE_WORKERS', requested, clamped: n, lo: 0, hi: MAX_WORKERS });
    return kind === 'cluster' ? { kind: 'cluster', processes: n } : { kind: 'threads', threads: n };
  }
  const fallback = auto();
  log.warn('env_var_unparseable', {
    name: 'RECOTEM_SERVE_WORKERS',
    raw: value.slice(0, 64),
    fallback: describeWorkerModel(fallback),
  });
  return fallback;
}

export function describeWorkerModel(model: WorkerModel): string {
  if (model.kind === 'inline') return 'inline';
  if (model.kind === 'threads') return `threads:${model.threads}`;
  return `cluster:${model.processes}`;
}
