/** When the operator console is served: RECOTEM_CONSOLE, --console/--no-console, and the bind host. */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ServeCommandOptions } from '../../../src/cli/index.js';
import { loadServeConfig, parseConsoleSetting } from '../../../src/config/settings.js';
import { captureLogs } from '../../../src/log/index.js';
import { settingsFromConfig } from '../../../src/serve/index.js';
import { isLoopbackHost } from '../../../src/serve/settings.js';
import { runInProcess, tempDir } from '../../cli/helpers.js';
import { TEST_KEY_RING } from '../../helpers/artifacts.js';

function consoleFor(env: Record<string, string>, host?: string): boolean {
  const config = loadServeConfig(env);
  return settingsFromConfig({
    recipesDir: '/x',
    config: host === undefined ? config : { ...config, host },
    insecureNoAuth: false,
    devAllowUnsigned: false,
    keyRing: TEST_KEY_RING,
    env,
  }).console;
}

describe('console setting', () => {
  it('RECOTEM_CONSOLE: unset → auto, truthy → on, falsy → off, anything else → auto with a warning', () => {
    expect(parseConsoleSetting({})).toBe('auto');
    expect(parseConsoleSetting({ RECOTEM_CONSOLE: ' Yes ' })).toBe(true);
    expect(parseConsoleSetting({ RECOTEM_CONSOLE: '1' })).toBe(true);
    expect(parseConsoleSetting({ RECOTEM_CONSOLE: 'off' })).toBe(false);
    const logs = captureLogs();
    try {
      expect(parseConsoleSetting({ RECOTEM_CONSOLE: 'maybe' })).toBe('auto');
      expect(logs.records.find((r) => r.event === 'env_var_unparseable')).toMatchObject({ name: 'RECOTEM_CONSOLE' });
    } finally {
      logs.stop();
    }
  });

  it('auto is on when bound to loopback only; the variable overrides either way', () => {
    expect(['127.0.0.1', '127.1.2.3', 'localhost', '::1', '[::1]'].map(isLoopbackHost)).toEqual([
      true,
      true,
      true,
      true,
      true,
    ]);
    expect(['0.0.0.0', '10.0.0.1', '::', 'example.com'].map(isLoopbackHost)).toEqual([false, false, false, false]);
    expect(consoleFor({})).toBe(true);
    expect(consoleFor({}, '0.0.0.0')).toBe(false);
    expect(consoleFor({ RECOTEM_CONSOLE: '1' }, '0.0.0.0')).toBe(true);
    expect(consoleFor({ RECOTEM_CONSOLE: '0' })).toBe(false);
  });
});

describe('serve --console / --no-console', () => {
  let dir: ReturnType<typeof tempDir>;
  const received: ServeCommandOptions[] = [];
  const bodies = {
    serve: async (opts: ServeCommandOptions) => {
      received.push(opts);
      return 0;
    },
  };
  beforeAll(() => {
    dir = tempDir('recotem-console-flags-');
    writeFileSync(join(dir.path, 'a.yaml'), 'name: a\n');
  });
  afterAll(() => dir.remove());

  it('the flags override RECOTEM_CONSOLE; without them the variable decides', async () => {
    const env = { RECOTEM_SIGNING_KEYS: `k1:${'22'.repeat(32)}` };
    for (const [args, extra, expected] of [
      [['--console'], { RECOTEM_CONSOLE: '0' }, true],
      [['--no-console'], { RECOTEM_CONSOLE: '1' }, false],
      [[], { RECOTEM_CONSOLE: '0' }, false],
      [[], {}, 'auto'],
    ] as const) {
      received.length = 0;
      const r = await runInProcess(['serve', '--recipes', dir.path, ...args], { ...env, ...extra }, bodies);
      expect(r.code).toBe(0);
      expect(received[0]?.config.console).toBe(expected);
    }
  });
});
