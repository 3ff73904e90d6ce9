/**
 * A real `recotem serve` child process in the production posture (API keys, signing keys,
 * RECOTEM_ENV=production, loopback), for attacks that need the real process: its own environment
 * (what `/proc/self/environ` shows), its real sockets and timeouts. The signing ring holds the
 * fixed test key (which signs the test artifacts) and a fresh random key the attack tries to steal.
 */
import { randomBytes } from 'node:crypto';
import { createServer } from 'node:net';
import { hashApiKey } from '../../../src/config/index.js';
import { type CliProcess, startCli } from '../../faults/helpers.js';
import { TEST_SIGNING_KEYS } from '../../helpers/artifacts.js';
import { registerSecret } from '../../helpers/secrets.js';

export interface ServeChild {
  origin: string;
  port: number;
  apiKey: string;
  /** Hex of the random signing key that must never leave the process. */
  stolenKeyHex: string;
  cli: CliProcess;
  /** Sends SIGTERM and waits for the exit (SIGKILL after 10 s). */
  stop(): Promise<void>;
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const address = srv.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      srv.close(() => resolve(port));
    });
  });
}

export async function startServeChild(recipesDir: string, extraEnv: NodeJS.ProcessEnv = {}): Promise<ServeChild> {
  const stolenKeyHex = registerSecret(randomBytes(32).toString('hex'), 'attack target signing key');
  const apiKey = registerSecret(randomBytes(32).toString('base64url'), 'attack api key');
  const digest = registerSecret(hashApiKey(apiKey), 'attack api key digest');
  const port = await freePort();
  // The signing keys come first in the environment block, as the original report found them.
  const env: NodeJS.ProcessEnv = {
    RECOTEM_SIGNING_KEYS: `${TEST_SIGNING_KEYS},loot:${stolenKeyHex}`,
    ...process.env,
  };
  env.RECOTEM_SIGNING_KEYS = `${TEST_SIGNING_KEYS},loot:${stolenKeyHex}`;
  Object.assign(env, {
    RECOTEM_API_KEYS: `attack:sha256:${digest}`,
    RECOTEM_HOST: '127.0.0.1',
    RECOTEM_PORT: String(port),
    RECOTEM_ENV: 'production',
    RECOTEM_WATCH_INTERVAL: '1',
    RECOTEM_DRAIN_SECONDS: '2',
    ...extraEnv,
  });
  const cli = startCli(['serve', '--recipes', recipesDir], env);
  await cli.waitForEvent('serve_listening', 60_000);
  await cli.waitForEvent('startup_artifact_load_complete', 60_000);
  return {
    origin: `http://127.0.0.1:${port}`,
    port,
    apiKey,
    stolenKeyHex,
    cli,
    async stop() {
      if (cli.child.exitCode !== null || cli.child.signalCode !== null) return;
      cli.child.kill('SIGTERM');
      const timer = setTimeout(() => cli.child.kill('SIGKILL'), 10_000);
      await cli.exited;
      clearTimeout(timer);
    },
  };
}
