/**
 * Typed views of the environment for each command: I/O limits shared by train and serve, the
 * train-side settings and the serve settings.
 */
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigError } from '../errors/index.js';
import { getLogger } from '../log/index.js';
import { type ApiKeyEntry, parseApiKeys } from './apiKeys.js';
import {
  type Env,
  isTruthy,
  parseClampedFloatOrThrow,
  parseClampedInt,
  parseCsvList,
  parseIntStrict,
  quoteForMessage,
  readTrimmed,
} from './parse.js';

const log = getLogger('recotem.config');

export const MiB = 1024 * 1024;
export const GiB = 1024 * MiB;

export type LogFormatSetting = 'auto' | 'json' | 'console';

/** Limits of the shared file/HTTP reader (train sources and serve-side item metadata). */
export interface FetchLimits {
  maxDownloadBytes: number;
  httpTimeoutSeconds: number;
  httpAllowPrivate: boolean;
}

export function loadFetchLimits(env: Env = process.env): FetchLimits {
  return {
    maxDownloadBytes: parseClampedInt(env, 'RECOTEM_MAX_DOWNLOAD_BYTES', 256 * MiB, MiB, 16 * GiB),
    httpTimeoutSeconds: parseClampedInt(env, 'RECOTEM_HTTP_TIMEOUT_SECONDS', 30, 1, 600),
    httpAllowPrivate: isTruthy(env.RECOTEM_HTTP_ALLOW_PRIVATE),
  };
}

/** I/O limits read by every command that fetches data. */
export interface IoConfig extends FetchLimits {
  sqlAllowPrivate: boolean;
  maxSqlRows: number;
  bqRequireStorageApi: boolean;
}

export function loadIoConfig(env: Env = process.env): IoConfig {
  return {
    ...loadFetchLimits(env),
    sqlAllowPrivate: isTruthy(env.RECOTEM_SQL_ALLOW_PRIVATE),
    maxSqlRows: parseClampedInt(env, 'RECOTEM_MAX_SQL_ROWS', 50_000_000, 1_000, 500_000_000),
    bqRequireStorageApi: isTruthy(env.RECOTEM_BQ_REQUIRE_STORAGE_API),
  };
}

/** Lenient log format (train, validate, inspect, schema): anything unknown means `auto`. */
export function parseLogFormatLenient(raw: string | undefined): LogFormatSetting {
  const f = (raw ?? '').trim().toLowerCase();
  return f === 'json' || f === 'console' ? f : 'auto';
}

/** Strict log format (serve): unknown values are a ConfigError. */
export function parseLogFormatStrict(raw: string | undefined): LogFormatSetting {
  const f = (raw ?? '').trim().toLowerCase();
  if (f === '' || f === 'auto' || f === 'json' || f === 'console') return f === '' ? 'auto' : f;
  throw new ConfigError(`RECOTEM_LOG_FORMAT must be one of auto, json, console; got ${quoteForMessage(raw ?? '')}`);
}

export interface TrainConfig extends IoConfig {
  /** RECOTEM_ENV, trimmed (compare with `.toLowerCase()`). */
  env: string;
  /** RECOTEM_ARTIFACT_ROOT, trimmed; null when unset (no containment). */
  artifactRoot: string | null;
  logFormat: LogFormatSetting;
  /** RECOTEM_LOCK_DIR, trimmed; default `<os tmpdir>/recotem-locks`. */
  lockDir: string;
}

export function loadTrainConfig(env: Env = process.env): TrainConfig {
  const artifactRoot = readTrimmed(env, 'RECOTEM_ARTIFACT_ROOT');
  return {
    ...loadIoConfig(env),
    env: readTrimmed(env, 'RECOTEM_ENV'),
    artifactRoot: artifactRoot.length > 0 ? artifactRoot : null,
    logFormat: parseLogFormatLenient(env.RECOTEM_LOG_FORMAT),
    lockDir: readTrimmed(env, 'RECOTEM_LOCK_DIR') || join(tmpdir(), 'recotem-locks'),
  };
}

export interface ArtifactCaps {
  maxArtifactBytes: number;
  maxPayloadBytes: number;
}

/** RECOTEM_MAX_ARTIFACT_BYTES / RECOTEM_MAX_PAYLOAD_BYTES; payload > artifact is a ConfigError. */
export function loadArtifactCaps(env: Env = process.env): ArtifactCaps {
  const maxArtifactBytes = parseClampedInt(env, 'RECOTEM_MAX_ARTIFACT_BYTES', 2 * GiB, MiB, 16 * GiB);
  const maxPayloadBytes = parseClampedInt(env, 'RECOTEM_MAX_PAYLOAD_BYTES', 512 * MiB, MiB, 16 * GiB);
  if (maxPayloadBytes > maxArtifactBytes) {
    throw new ConfigError(
      `RECOTEM_MAX_PAYLOAD_BYTES (${maxPayloadBytes}) must not exceed RECOTEM_MAX_ARTIFACT_BYTES (${maxArtifactBytes})`,
    );
  }
  return { maxArtifactBytes, maxPayloadBytes };
}

export interface ServeConfig extends ArtifactCaps, FetchLimits {
  /** Empty = no auth (and the bind host is forced to loopback). */
  apiKeys: ApiKeyEntry[];
  /** RECOTEM_EVENT_API_KEYS: the separate ring allowed to write events (and only that). */
  eventApiKeys: ApiKeyEntry[];
  host: string;
  port: number;
  watchIntervalSeconds: number;
  logFormat: LogFormatSetting;
  allowedHosts: string[];
  allowedOrigins: string[];
  /** RECOTEM_ENV, trimmed. */
  env: string;
  drainSeconds: number;
  /** Lower-cased field names removed from item metadata. */
  metadataFieldDeny: string[];
  /** 'auto' = min(number of recipes, 8), at least 1 (see resolveStartupParallelism). */
  startupParallelism: number | 'auto';
  metricsEnabled: boolean;
  allowVersionSkew: boolean;
  /** RECOTEM_CONSOLE: operator console on, off, or 'auto' (on when bound to loopback). */
  console: boolean | 'auto';
}

export const DEFAULT_HOST = '127.0.0.1';
export const DEFAULT_PORT = 8080;
export const DEFAULT_ALLOWED_HOSTS: readonly string[] = ['127.0.0.1', 'localhost'];

/** A TCP port 1..65535, else ConfigError naming `source` (an env var or a flag). */
export function parsePort(raw: string, source: string): number {
  const port = parseIntStrict(raw);
  if (port === undefined || port < 1 || port > 65535) {
    throw new ConfigError(`${source} must be an integer between 1 and 65535; got ${quoteForMessage(raw)}`);
  }
  return port;
}

function parseStartupParallelism(env: Env): number | 'auto' {
  const raw = env.RECOTEM_STARTUP_PARALLELISM;
  if (raw === undefined || raw.trim() === '') return 'auto';
  if (parseIntStrict(raw) === undefined) {
    log.warn('env_var_unparseable', { name: 'RECOTEM_STARTUP_PARALLELISM', raw, fallback: 'auto' });
    return 'auto';
  }
  return parseClampedInt(env, 'RECOTEM_STARTUP_PARALLELISM', 1, 1, 32);
}

/** RECOTEM_CONSOLE: unset → auto, `1/true/yes/on` → on, `0/false/no/off` → off, else auto with a warning. */
export function parseConsoleSetting(env: Env): boolean | 'auto' {
  const raw = (env.RECOTEM_CONSOLE ?? '').trim().toLowerCase();
  if (raw === '' || raw === 'auto') return 'auto';
  if (isTruthy(raw)) return true;
  if (['0', 'false', 'no', 'off'].includes(raw)) return false;
  log.warn('env_var_unparseable', { name: 'RECOTEM_CONSOLE', raw: raw.slice(0, 64), fallback: 'auto' });
  return 'auto';
}

export function resolveStartupParallelism(setting: number | 'auto', recipeCount: number): number {
  return setting === 'auto' ? Math.max(1, Math.min(recipeCount, 8)) : setting;
}

/**
 * Every serve variable, parsed once at start-up. Throws ConfigError (exit 8) for a malformed
 * RECOTEM_API_KEYS, a bad RECOTEM_PORT / RECOTEM_WATCH_INTERVAL / RECOTEM_LOG_FORMAT, or a
 * payload cap above the artifact cap. RECOTEM_SIGNING_KEYS is resolved separately (posture.ts).
 */
export function loadServeConfig(env: Env = process.env): ServeConfig {
  const apiKeys = parseApiKeys(env.RECOTEM_API_KEYS);
  const eventApiKeys = parseApiKeys(env.RECOTEM_EVENT_API_KEYS, 'RECOTEM_EVENT_API_KEYS');
  const portRaw = env.RECOTEM_PORT;
  const port = portRaw === undefined || portRaw === '' ? DEFAULT_PORT : parsePort(portRaw, 'RECOTEM_PORT');
  const watchIntervalSeconds = parseClampedFloatOrThrow(env, 'RECOTEM_WATCH_INTERVAL', 5, 1, 30);
  const logFormat = parseLogFormatStrict(env.RECOTEM_LOG_FORMAT);
  const caps = loadArtifactCaps(env);
  return {
    apiKeys,
    eventApiKeys,
    host: readTrimmed(env, 'RECOTEM_HOST', DEFAULT_HOST),
    port,
    watchIntervalSeconds,
    logFormat,
    ...caps,
    allowedHosts: parseCsvList(env.RECOTEM_ALLOWED_HOSTS, DEFAULT_ALLOWED_HOSTS),
    allowedOrigins: parseCsvList(env.RECOTEM_ALLOWED_ORIGINS),
    env: readTrimmed(env, 'RECOTEM_ENV'),
    drainSeconds: parseClampedInt(env, 'RECOTEM_DRAIN_SECONDS', 30, 1, 300),
    metadataFieldDeny: parseCsvList(env.RECOTEM_METADATA_FIELD_DENY).map((f) => f.toLowerCase()),
    startupParallelism: parseStartupParallelism(env),
    metricsEnabled: isTruthy(env.RECOTEM_METRICS_ENABLED),
    allowVersionSkew: isTruthy(env.RECOTEM_ALLOW_IRSPACK_VERSION_SKEW),
    console: parseConsoleSetting(env),
    ...loadFetchLimits(env),
  };
}
