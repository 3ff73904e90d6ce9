/** Worker-model setting, unsafe-mode banners, and a log sweep for leaked secrets. */
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { hashApiKey } from '../../src/config/index.js';
import { captureLogs } from '../../src/log/index.js';
import { buildServer, DEFAULT_SETTINGS, parseWorkerModel } from '../../src/serve/index.js';
import { startBanners } from '../../src/serve/runtime/banners.js';
import { buildArtifact, OTHER_KEY_RING, TEST_KEY_RING, writeArtifactFile } from '../helpers/artifacts.js';
import { csvOnlyLookup, writeRecipe } from './helpers/recipes.js';
import { tempDir } from './helpers/server.js';

describe('RECOTEM_SERVE_WORKERS', () => {
  it.each([
    [undefined, 4, { kind: 'threads', threads: 4 }],
    ['', 1, { kind: 'inline' }],
    ['auto', 2, { kind: 'threads', threads: 2 }],
    ['0', 8, { kind: 'inline' }],
    ['inline', 8, { kind: 'inline' }],
    ['3', 8, { kind: 'threads', threads: 3 }],
    ['threads:2', 8, { kind: 'threads', threads: 2 }],
    ['cluster', 4, { kind: 'cluster', processes: 4 }],
    [' Cluster:2 ', 8, { kind: 'cluster', processes: 2 }],
    ['500', 8, { kind: 'threads', threads: 64 }],
  ])('%j on %i cores → %j', (raw, cores, expected) => {
    expect(parseWorkerModel(raw, cores)).toEqual(expected);
  });

  it('falls back to auto with a warning for nonsense', () => {
    const logs = captureLogs();
    try {
      expect(parseWorkerModel('lots', 2)).toEqual({ kind: 'threads', threads: 2 });
      expect(logs.events('env_var_unparseable')[0]).toMatchObject({
        name: 'RECOTEM_SERVE_WORKERS',
        fallback: 'threads:2',
      });
    } finally {
      logs.stop();
    }
  });
});

describe('unsafe-mode banners', () => {
  afterEach(() => vi.useRealTimers());

  it('repeat every interval, first after one interval, and stop', () => {
    vi.useFakeTimers();
    const logs = captureLogs();
    try {
      const banners = startBanners(
        { ...DEFAULT_SETTINGS, insecureNoAuth: true, devAllowUnsigned: true, env: 'development' },
        300,
      );
      expect(logs.records).toHaveLength(0);
      vi.advanceTimersByTime(300_000);
      expect(logs.events('INSECURE_NO_AUTH_ACTIVE')).toHaveLength(1);
      expect(logs.events('DEV_ALLOW_UNSIGNED_ACTIVE')).toHaveLength(1);
      vi.advanceTimersByTime(600_000);
      expect(logs.events('INSECURE_NO_AUTH_ACTIVE')).toHaveLength(3);
      banners.stop();
      vi.advanceTimersByTime(900_000);
      expect(logs.events('INSECURE_NO_AUTH_ACTIVE')).toHaveLength(3);
      expect(logs.events('INSECURE_NO_AUTH_ACTIVE')[0]).toMatchObject({
        level: 'warning',
        env: 'development',
        bind_host: '127.0.0.1',
      });
    } finally {
      logs.stop();
    }
  });

  it('are silent when no unsafe flag is set', () => {
    vi.useFakeTimers();
    const logs = captureLogs();
    try {
      startBanners(DEFAULT_SETTINGS, 1).stop();
      vi.advanceTimersByTime(10_000);
      expect(logs.records).toHaveLength(0);
    } finally {
      logs.stop();
    }
  });
});

describe('secrets never reach the logs', () => {
  it('across startup, authenticated and rejected requests, a failed load and shutdown', async () => {
    const { dir, cleanup } = await tempDir();
    const plaintext = 'Zk3-9fQeXAMPLEbase64urlKEYzzzzzzzzzzzzzzzzz';
    const digest = hashApiKey(plaintext);
    const logs = captureLogs();
    try {
      await writeArtifactFile(join(dir, 'ok.recotem'), buildArtifact());
      await writeRecipe(dir, 'ok.yaml', 'ok', { artifactPath: join(dir, 'ok.recotem') });
      await writeArtifactFile(join(dir, 'bad.recotem'), buildArtifact({ keyRing: OTHER_KEY_RING }));
      await writeRecipe(dir, 'bad.yaml', 'bad', { artifactPath: join(dir, 'bad.recotem') });
      const app = await buildServer({
        settings: { apiKeys: [{ kid: 'ops', digestHex: digest }], metricsEnabled: true },
        recipesDir: dir,
        keyRing: TEST_KEY_RING,
        sourceRegistry: csvOnlyLookup,
        decodeMode: 'inline',
      });
      for (const key of [plaintext, `${plaintext}x`, 'short', plaintext.slice(0, 40)]) {
        await app.inject({
          method: 'POST',
          url: '/v1/recipes/ok:recommend',
          headers: { 'content-type': 'application/json', 'x-api-key': key },
          payload: JSON.stringify({ user_id: 'person@example.com' }),
        });
      }
      await app.inject({ method: 'GET', url: '/v1/metrics', headers: { 'x-api-key': plaintext } });
      await app.close();
      const text = logs.text();
      expect(logs.records.length).toBeGreaterThan(5);
      expect(text).not.toContain(plaintext);
      expect(text).not.toContain(plaintext.slice(0, 40));
      expect(text).not.toContain(digest);
      for (const key of [...TEST_KEY_RING, ...OTHER_KEY_RING]) expect(text).not.toContain(key.key.toString('hex'));
      expect(text).not.toContain('person@example.com');
      expect(logs.events('auth_invalid_key').length).toBeGreaterThan(0);
    } finally {
      logs.stop();
      await cleanup();
    }
  });
});
