import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts', 'src/**/*.test.ts', 'examples/**/*.test.ts'],
    globalSetup: ['test/setup/servers.global.ts'],
    setupFiles: ['test/security/log-secrets.setup.ts'],
    // CI reads the pass/fail counts from the JSON report; locally the default reporter is enough.
    reporters: process.env.CI === 'true' ? ['default', 'json'] : ['default'],
    outputFile: { json: '.vitest.json' },
    testTimeout: 30_000,
    hookTimeout: 60_000,
    pool: 'forks',
    maxWorkers: 2,
  },
});
