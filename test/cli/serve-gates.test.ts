import { writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { ServeCommandOptions } from '../../src/cli/index.js';
import { ConfigError } from '../../src/errors/index.js';
import { resetLoggingForTests } from '../../src/log/index.js';
import { runInProcess, tempDir } from './helpers.js';

const HEX = '22'.repeat(32);
const DIGEST = 'd'.repeat(64);
const KEYS = { RECOTEM_SIGNING_KEYS: `k1:${HEX}` };
const DEV_FLAGS = ['--dev-allow-unsigned', '--i-understand-this-loads-arbitrary-code'];

let dir: ReturnType<typeof tempDir>;
let received: ServeCommandOptions[] = [];
const bodies = {
  serve: async (opts: ServeCommandOptions) => {
    received.push(opts);
    return 0;
  },
};

beforeAll(() => {
  dir = tempDir('recotem-cli-serve-');
  writeFileSync(join(dir.path, 'a.yaml'), 'name: a\n');
});
afterAll(() => dir.remove());
afterEach(() => {
  received = [];
  resetLoggingForTests();
});

function serve(args: string[], env: Record<string, string>) {
  return runInProcess(['serve', '--recipes', dir.path, ...args], env, bodies);
}

describe('serve start-up gating', () => {
  it('hands the body the env config with overrides, forced loopback and the key ring', async () => {
    const r = await serve(['--host', '0.0.0.0', '-p', '9001'], { ...KEYS, RECOTEM_PORT: '8000' });
    expect(r.code).toBe(0);
    expect(received).toHaveLength(1);
    const opts = received[0]!;
    expect(opts.recipesDir).toBe(resolve(dir.path));
    expect(opts.requestedHost).toBe('0.0.0.0');
    expect(opts.config.host).toBe('127.0.0.1');
    expect(opts.config.port).toBe(9001);
    expect(opts.authEnabled).toBe(false);
    expect(opts.signingKeyStatus).toBe('configured');
    expect(opts.keyRing.map((k) => k.kid)).toEqual(['k1']);
    const events = r.logs.map((l) => l.event);
    expect(events.indexOf('host_forced_to_loopback')).toBeLessThan(events.indexOf('security.posture'));
    const posture = r.logs.find((l) => l.event === 'security.posture');
    expect(posture).toMatchObject({
      auth_enabled: false,
      bind_host: '127.0.0.1',
      signing_key_status: 'configured',
      signing_kids: ['k1'],
    });
  });

  it('keeps the requested host when API keys are configured', async () => {
    const r = await serve([], { ...KEYS, RECOTEM_API_KEYS: `web:sha256:${DIGEST}`, RECOTEM_HOST: '0.0.0.0' });
    expect(r.code).toBe(0);
    expect(received[0]?.config.host).toBe('0.0.0.0');
    expect(received[0]?.config.port).toBe(8080);
    expect(received[0]?.authEnabled).toBe(true);
  });

  it('--insecure-no-auth in a dev env: no keys, no forced loopback', async () => {
    const r = await serve(['--insecure-no-auth', '-H', '0.0.0.0'], {
      ...KEYS,
      RECOTEM_ENV: 'test',
      RECOTEM_API_KEYS: `web:sha256:${DIGEST}`,
    });
    expect(r.code).toBe(0);
    expect(received[0]?.config.apiKeys).toEqual([]);
    expect(received[0]?.config.host).toBe('0.0.0.0');
    expect(received[0]?.authEnabled).toBe(false);
    expect(received[0]?.insecureNoAuth).toBe(true);
  });

  it('step 2: the companion flag is checked before the environment', async () => {
    const r = await serve(['--dev-allow-unsigned'], { RECOTEM_PORT: 'bad' });
    expect(r.code).toBe(8);
    expect(r.stderr).toEqual([
      '--dev-allow-unsigned requires --i-understand-this-loads-arbitrary-code to also be passed.',
    ]);
    expect(received).toEqual([]);
  });

  it.each([
    [{ RECOTEM_PORT: 'eighty' }, /^Configuration error: RECOTEM_PORT must be an integer between 1 and 65535/],
    [{ RECOTEM_PORT: '70000' }, /^Configuration error: RECOTEM_PORT/],
    [{ RECOTEM_WATCH_INTERVAL: 'often' }, /^Configuration error: RECOTEM_WATCH_INTERVAL/],
    [{ RECOTEM_LOG_FORMAT: 'pretty' }, /^Configuration error: RECOTEM_LOG_FORMAT must be one of/],
    [{ RECOTEM_API_KEYS: 'web:sha256:short' }, /^Configuration error: RECOTEM_API_KEYS entry #1/],
    [
      { RECOTEM_MAX_ARTIFACT_BYTES: '2000000', RECOTEM_MAX_PAYLOAD_BYTES: '3000000' },
      /^Configuration error: RECOTEM_MAX_PAYLOAD_BYTES/,
    ],
  ])('step 3: invalid env %j → exit 8', async (env, message) => {
    const r = await serve([], { ...KEYS, ...env });
    expect(r.code).toBe(8);
    expect(r.stderr).toHaveLength(1);
    expect(r.stderr[0]).toMatch(message);
    expect(received).toEqual([]);
  });

  it('step 4: --port out of range → exit 8', async () => {
    const r = await serve(['--port', '0'], KEYS);
    expect(r.code).toBe(8);
    expect(r.stderr).toEqual(["Configuration error: --port must be an integer between 1 and 65535; got '0'"]);
  });

  it('step 5: --insecure-no-auth outside dev/test → posture line first, then exit 8', async () => {
    const r = await serve(['--insecure-no-auth'], { ...KEYS, RECOTEM_ENV: 'production' });
    expect(r.code).toBe(8);
    expect(r.stderr).toEqual([
      "Configuration error: --insecure-no-auth requires RECOTEM_ENV to be one of development, dev, test. Current RECOTEM_ENV='production'.",
    ]);
    expect(r.logs.some((l) => l.event === 'security.posture')).toBe(true);
    expect(received).toEqual([]);
  });

  it('step 5: --dev-allow-unsigned outside development → exit 8 (dev and test are not enough)', async () => {
    const r = await serve(DEV_FLAGS, { RECOTEM_ENV: 'dev' });
    expect(r.code).toBe(8);
    expect(r.stderr).toEqual([
      "Configuration error: --dev-allow-unsigned requires RECOTEM_ENV=development. Current RECOTEM_ENV='dev'.",
    ]);
  });

  it('dev mode verifies with the dev key when no keys are configured', async () => {
    const r = await serve(DEV_FLAGS, { RECOTEM_ENV: 'development' });
    expect(r.code).toBe(0);
    expect(received[0]?.signingKeyStatus).toBe('dev_allow_unsigned');
    expect(received[0]?.keyRing.map((k) => k.kid)).toEqual(['dev']);
    expect(received[0]?.devAllowUnsigned).toBe(true);
  });

  it('step 7: missing signing keys → posture (status missing) then exit 8', async () => {
    const r = await serve([], {});
    expect(r.code).toBe(8);
    expect(r.stderr[0]).toMatch(/^Configuration error: RECOTEM_SIGNING_KEYS is not set/);
    expect(r.logs.find((l) => l.event === 'security.posture')).toMatchObject({ signing_key_status: 'missing' });
  });

  it('step 7: malformed signing keys → posture (construction_failed) then exit 5', async () => {
    const r = await serve([], { RECOTEM_SIGNING_KEYS: `k1:${HEX.slice(2)}` });
    expect(r.code).toBe(5);
    expect(r.stderr[0]).toMatch(/^Server startup failed: RECOTEM_SIGNING_KEYS key for kid 'k1' is 31 bytes/);
    const events = r.logs.map((l) => l.event);
    expect(events).toContain('signing_key_construction_failed');
    expect(r.logs.find((l) => l.event === 'security.posture')).toMatchObject({
      signing_key_status: 'construction_failed',
      signing_keys: [],
    });
    expect(JSON.stringify(r.logs)).not.toContain(HEX.slice(2));
  });

  it('maps a failing body: ConfigError → "Configuration error", others → "Server startup failed"', async () => {
    const configFail = await runInProcess(['serve', '--recipes', dir.path], KEYS, {
      serve: async () => {
        throw new ConfigError('port in use');
      },
    });
    expect(configFail.code).toBe(8);
    expect(configFail.stderr).toEqual(['Configuration error: port in use']);
    const other = await runInProcess(['serve', '--recipes', dir.path], KEYS, {
      serve: async () => {
        throw new Error('app construction broke');
      },
    });
    expect(other.code).toBe(1);
    expect(other.stderr).toEqual(['Server startup failed: app construction broke']);
  });

  it("returns the body's exit code", async () => {
    const r = await runInProcess(['serve', '--recipes', dir.path], KEYS, { serve: async () => 8 });
    expect(r.code).toBe(8);
  });
});
