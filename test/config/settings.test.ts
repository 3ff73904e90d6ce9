import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  GiB,
  loadArtifactCaps,
  loadIoConfig,
  loadServeConfig,
  loadTrainConfig,
  MiB,
  parseLogFormatLenient,
  parseLogFormatStrict,
  parsePort,
  resolveStartupParallelism,
} from '../../src/config/index.js';
import { ConfigError, ExitCode, exitCodeFor } from '../../src/errors/index.js';
import { captureLogs, type LogCapture } from '../../src/log/index.js';

const DIGEST = 'c'.repeat(64);

let logs: LogCapture;
beforeEach(() => {
  logs = captureLogs();
});
afterEach(() => logs.stop());

function configError(fn: () => unknown): ConfigError {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    expect(exitCodeFor(err)).toBe(ExitCode.CONFIG);
    return err as ConfigError;
  }
  throw new Error('expected a ConfigError');
}

describe('loadIoConfig / loadTrainConfig', () => {
  it('has the documented defaults', () => {
    expect(loadIoConfig({})).toEqual({
      maxDownloadBytes: 268_435_456,
      httpTimeoutSeconds: 30,
      httpAllowPrivate: false,
      sqlAllowPrivate: false,
      maxSqlRows: 50_000_000,
      bqRequireStorageApi: false,
    });
    expect(loadTrainConfig({})).toMatchObject({
      env: '',
      artifactRoot: null,
      logFormat: 'auto',
      lockDir: join(tmpdir(), 'recotem-locks'),
    });
    expect(logs.records).toHaveLength(0);
  });

  it('reads and clamps every variable', () => {
    const cfg = loadTrainConfig({
      RECOTEM_ENV: ' Development ',
      RECOTEM_ARTIFACT_ROOT: ' /srv/artifacts ',
      RECOTEM_LOG_FORMAT: 'JSON',
      RECOTEM_LOCK_DIR: ' /var/lock/recotem ',
      RECOTEM_MAX_DOWNLOAD_BYTES: '1',
      RECOTEM_HTTP_TIMEOUT_SECONDS: '601',
      RECOTEM_HTTP_ALLOW_PRIVATE: 'yes',
      RECOTEM_SQL_ALLOW_PRIVATE: 'on',
      RECOTEM_MAX_SQL_ROWS: 'many',
      RECOTEM_BQ_REQUIRE_STORAGE_API: '1',
    });
    expect(cfg).toEqual({
      env: 'Development',
      artifactRoot: '/srv/artifacts',
      logFormat: 'json',
      lockDir: '/var/lock/recotem',
      maxDownloadBytes: MiB,
      httpTimeoutSeconds: 600,
      httpAllowPrivate: true,
      sqlAllowPrivate: true,
      maxSqlRows: 50_000_000,
      bqRequireStorageApi: true,
    });
    expect(logs.events('env_var_clamped').map((r) => r.name)).toEqual([
      'RECOTEM_MAX_DOWNLOAD_BYTES',
      'RECOTEM_HTTP_TIMEOUT_SECONDS',
    ]);
    expect(logs.events('env_var_unparseable')).toEqual([
      expect.objectContaining({ name: 'RECOTEM_MAX_SQL_ROWS', raw: 'many', fallback: 50_000_000 }),
    ]);
  });

  it('clamps the download cap at 16 GiB and SQL rows at [1000, 500M]', () => {
    const io = loadIoConfig({
      RECOTEM_MAX_DOWNLOAD_BYTES: String(32 * GiB),
      RECOTEM_MAX_SQL_ROWS: '10',
    });
    expect(io.maxDownloadBytes).toBe(16 * GiB);
    expect(io.maxSqlRows).toBe(1000);
  });
});

describe('log format', () => {
  it('lenient: unknown values mean auto', () => {
    expect(parseLogFormatLenient(undefined)).toBe('auto');
    expect(parseLogFormatLenient('Console')).toBe('console');
    expect(parseLogFormatLenient('yaml')).toBe('auto');
  });
  it('strict: unknown values are a ConfigError', () => {
    expect(parseLogFormatStrict(' JSON ')).toBe('json');
    expect(parseLogFormatStrict('')).toBe('auto');
    expect(configError(() => parseLogFormatStrict('yaml')).message).toMatch(/RECOTEM_LOG_FORMAT must be one of/);
  });
});

describe('loadArtifactCaps', () => {
  it('defaults to 2 GiB / 512 MiB', () => {
    expect(loadArtifactCaps({})).toEqual({ maxArtifactBytes: 2 * GiB, maxPayloadBytes: 512 * MiB });
  });
  it('clamps both to [1 MiB, 16 GiB]', () => {
    expect(loadArtifactCaps({ RECOTEM_MAX_ARTIFACT_BYTES: String(20 * GiB), RECOTEM_MAX_PAYLOAD_BYTES: '5' })).toEqual({
      maxArtifactBytes: 16 * GiB,
      maxPayloadBytes: MiB,
    });
  });
  it('rejects a payload cap above the artifact cap (after clamping)', () => {
    const err = configError(() =>
      loadArtifactCaps({ RECOTEM_MAX_ARTIFACT_BYTES: String(2 * MiB), RECOTEM_MAX_PAYLOAD_BYTES: String(3 * MiB) }),
    );
    expect(err.message).toMatch(/RECOTEM_MAX_PAYLOAD_BYTES .* must not exceed RECOTEM_MAX_ARTIFACT_BYTES/);
    expect(
      loadArtifactCaps({ RECOTEM_MAX_ARTIFACT_BYTES: String(2 * MiB), RECOTEM_MAX_PAYLOAD_BYTES: String(2 * MiB) }),
    ).toEqual({ maxArtifactBytes: 2 * MiB, maxPayloadBytes: 2 * MiB });
  });
});

describe('loadServeConfig', () => {
  it('has the documented defaults', () => {
    expect(loadServeConfig({})).toEqual({
      apiKeys: [],
      eventApiKeys: [],
      host: '127.0.0.1',
      port: 8080,
      watchIntervalSeconds: 5,
      logFormat: 'auto',
      maxArtifactBytes: 2 * GiB,
      maxPayloadBytes: 512 * MiB,
      allowedHosts: ['127.0.0.1', 'localhost'],
      allowedOrigins: [],
      env: '',
      drainSeconds: 30,
      metadataFieldDeny: [],
      startupParallelism: 'auto',
      metricsEnabled: false,
      allowVersionSkew: false,
      console: 'auto',
      maxDownloadBytes: 256 * MiB,
      httpTimeoutSeconds: 30,
      httpAllowPrivate: false,
    });
  });

  it('reads every variable', () => {
    const cfg = loadServeConfig({
      RECOTEM_API_KEYS: `web:sha256:${DIGEST}`,
      RECOTEM_HOST: ' 0.0.0.0 ',
      RECOTEM_PORT: ' 9000 ',
      RECOTEM_WATCH_INTERVAL: '2.5',
      RECOTEM_LOG_FORMAT: 'console',
      RECOTEM_ALLOWED_HOSTS: 'api.example.com, localhost',
      RECOTEM_ALLOWED_ORIGINS: 'https://app.example.com',
      RECOTEM_ENV: 'test',
      RECOTEM_DRAIN_SECONDS: '500',
      RECOTEM_METADATA_FIELD_DENY: 'Email, phone',
      RECOTEM_STARTUP_PARALLELISM: '4',
      RECOTEM_METRICS_ENABLED: 'true',
      RECOTEM_ALLOW_IRSPACK_VERSION_SKEW: '1',
      RECOTEM_HTTP_ALLOW_PRIVATE: 'true',
    });
    expect(cfg).toMatchObject({
      apiKeys: [{ kid: 'web', digestHex: DIGEST }],
      host: '0.0.0.0',
      port: 9000,
      watchIntervalSeconds: 2.5,
      logFormat: 'console',
      allowedHosts: ['api.example.com', 'localhost'],
      allowedOrigins: ['https://app.example.com'],
      env: 'test',
      drainSeconds: 300,
      metadataFieldDeny: ['email', 'phone'],
      startupParallelism: 4,
      metricsEnabled: true,
      allowVersionSkew: true,
      httpAllowPrivate: true,
    });
  });

  it('falls back to the default allowed hosts when the list is blank', () => {
    expect(loadServeConfig({ RECOTEM_ALLOWED_HOSTS: ' , ' }).allowedHosts).toEqual(['127.0.0.1', 'localhost']);
  });

  it.each(['abc', '0', '65536', '80.5', '-1'])('rejects RECOTEM_PORT=%j', (port) => {
    expect(configError(() => loadServeConfig({ RECOTEM_PORT: port })).message).toMatch(
      /^RECOTEM_PORT must be an integer between 1 and 65535/,
    );
  });

  it('accepts the port bounds', () => {
    expect(loadServeConfig({ RECOTEM_PORT: '1' }).port).toBe(1);
    expect(loadServeConfig({ RECOTEM_PORT: '65535' }).port).toBe(65535);
  });

  it('rejects a non-numeric RECOTEM_WATCH_INTERVAL and clamps with a warning', () => {
    expect(configError(() => loadServeConfig({ RECOTEM_WATCH_INTERVAL: 'fast' })).message).toMatch(
      /RECOTEM_WATCH_INTERVAL/,
    );
    expect(loadServeConfig({ RECOTEM_WATCH_INTERVAL: '120' }).watchIntervalSeconds).toBe(30);
    expect(logs.events('env_var_clamped')).toEqual([
      expect.objectContaining({ name: 'RECOTEM_WATCH_INTERVAL', requested: 120, clamped: 30, lo: 1, hi: 30 }),
    ]);
  });

  it('rejects an unknown RECOTEM_LOG_FORMAT, malformed API keys and payload > artifact', () => {
    configError(() => loadServeConfig({ RECOTEM_LOG_FORMAT: 'pretty' }));
    configError(() => loadServeConfig({ RECOTEM_API_KEYS: 'broken' }));
    configError(() => loadServeConfig({ RECOTEM_API_KEYS: `a:sha256:${DIGEST},a:sha256:${DIGEST}` }));
    configError(() =>
      loadServeConfig({ RECOTEM_MAX_ARTIFACT_BYTES: String(MiB), RECOTEM_MAX_PAYLOAD_BYTES: String(2 * MiB) }),
    );
  });

  it('startup parallelism: 0 clamps to 1 with a warning, non-integers mean auto', () => {
    expect(loadServeConfig({ RECOTEM_STARTUP_PARALLELISM: '0' }).startupParallelism).toBe(1);
    expect(loadServeConfig({ RECOTEM_STARTUP_PARALLELISM: '64' }).startupParallelism).toBe(32);
    expect(loadServeConfig({ RECOTEM_STARTUP_PARALLELISM: 'lots' }).startupParallelism).toBe('auto');
    expect(logs.events('env_var_clamped').map((r) => r.clamped)).toEqual([1, 32]);
    expect(logs.events('env_var_unparseable')).toEqual([
      expect.objectContaining({ name: 'RECOTEM_STARTUP_PARALLELISM', fallback: 'auto' }),
    ]);
    expect(resolveStartupParallelism('auto', 0)).toBe(1);
    expect(resolveStartupParallelism('auto', 3)).toBe(3);
    expect(resolveStartupParallelism('auto', 50)).toBe(8);
    expect(resolveStartupParallelism(12, 3)).toBe(12);
  });
});

describe('parsePort', () => {
  it('names the flag or variable at fault', () => {
    expect(parsePort('443', '--port')).toBe(443);
    expect(configError(() => parsePort('99999', '--port')).message).toMatch(/^--port must be/);
  });
});
