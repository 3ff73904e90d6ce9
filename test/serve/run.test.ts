/** runServer: the CLI path's bind failure and settings mapping. */
import { createServer } from 'node:net';
import { describe, expect, it } from 'vitest';
import { loadServeConfig } from '../../src/config/index.js';
import { captureLogs } from '../../src/log/index.js';
import { runServer, settingsFromConfig } from '../../src/serve/index.js';
import { TEST_KEY_RING } from '../helpers/artifacts.js';
import { tempDir } from './helpers/server.js';

describe('runServer', () => {
  it('maps the environment config and flags onto the server settings', () => {
    const env = {
      RECOTEM_PORT: '9000',
      RECOTEM_WATCH_INTERVAL: '2',
      RECOTEM_STARTUP_PARALLELISM: '3',
      RECOTEM_METRICS_ENABLED: 'yes',
      RECOTEM_METADATA_FIELD_DENY: 'Secret, PII',
      RECOTEM_SERVE_WORKERS: 'cluster:3',
    };
    const s = settingsFromConfig({
      recipesDir: '/x',
      config: loadServeConfig(env),
      insecureNoAuth: true,
      devAllowUnsigned: false,
      keyRing: TEST_KEY_RING,
      env,
    });
    expect(s).toMatchObject({
      port: 9000,
      watchIntervalSeconds: 2,
      startupParallelism: 3,
      metricsEnabled: true,
      metadataFieldDeny: ['secret', 'pii'],
      insecureNoAuth: true,
      workers: { kind: 'cluster', processes: 3 },
    });
    expect(
      settingsFromConfig({
        recipesDir: '/x',
        config: loadServeConfig({}),
        insecureNoAuth: false,
        devAllowUnsigned: false,
        keyRing: TEST_KEY_RING,
        env: {},
      }).startupParallelism,
    ).toBeNull();
  });

  it('a port already in use → serve_bind_failed, "Server bind failed: …" and exit 8', async () => {
    const blocker = createServer();
    await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
    const port = (blocker.address() as { port: number }).port;
    const { dir, cleanup } = await tempDir();
    const lines: string[] = [];
    const logs = captureLogs();
    try {
      const env = { RECOTEM_PORT: String(port), RECOTEM_SERVE_WORKERS: 'inline' };
      const code = await runServer({
        recipesDir: dir,
        config: loadServeConfig(env),
        insecureNoAuth: false,
        devAllowUnsigned: false,
        keyRing: TEST_KEY_RING,
        env,
        stderr: (l) => lines.push(l),
      });
      expect(code).toBe(8);
      expect(lines).toEqual([expect.stringMatching(/^Server bind failed: .*EADDRINUSE/)]);
      expect(logs.events('serve_bind_failed')[0]).toMatchObject({ port, code: 'EADDRINUSE' });
    } finally {
      logs.stop();
      blocker.close();
      await cleanup();
    }
  });
});
