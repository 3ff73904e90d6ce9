import { afterEach, describe, expect, it } from 'vitest';
import type { InspectCommandOptions } from '../../src/cli/index.js';
import { resetLoggingForTests } from '../../src/log/index.js';
import { runInProcess } from './helpers.js';

let received: InspectCommandOptions[] = [];
const bodies = {
  inspect: async (opts: InspectCommandOptions) => {
    received.push(opts);
    return 0;
  },
};

afterEach(() => {
  received = [];
  resetLoggingForTests();
});

describe('inspect gating', () => {
  it('passes the raw artifact string and the caps to the body', async () => {
    const r = await runInProcess(
      ['inspect', 's3:/bucket/m.recotem'],
      { RECOTEM_MAX_ARTIFACT_BYTES: '4194304', RECOTEM_MAX_PAYLOAD_BYTES: '2097152' },
      bodies,
    );
    expect(r.code).toBe(0);
    expect(received).toEqual([
      expect.objectContaining({
        artifact: 's3:/bucket/m.recotem',
        devAllowUnsigned: false,
        maxArtifactBytes: 4194304,
        maxPayloadBytes: 2097152,
      }),
    ]);
  });

  it('the dev flag needs RECOTEM_ENV=development but no companion flag', async () => {
    const refused = await runInProcess(
      ['inspect', 'x.recotem', '--dev-allow-unsigned'],
      { RECOTEM_ENV: 'test' },
      bodies,
    );
    expect(refused.code).toBe(8);
    expect(refused.stderr).toEqual([
      "--dev-allow-unsigned requires RECOTEM_ENV=development. Current RECOTEM_ENV='test'.",
    ]);
    expect(received).toEqual([]);
    const allowed = await runInProcess(
      ['inspect', 'x.recotem', '--dev-allow-unsigned'],
      { RECOTEM_ENV: 'Development' },
      bodies,
    );
    expect(allowed.code).toBe(0);
    expect(received[0]?.devAllowUnsigned).toBe(true);
  });

  it('an invalid serve configuration is exit 8, not a crash', async () => {
    const r = await runInProcess(['inspect', 'x.recotem'], { RECOTEM_API_KEYS: 'garbage' }, bodies);
    expect(r.code).toBe(8);
    expect(r.stderr[0]).toMatch(/^Configuration error: RECOTEM_API_KEYS entry #1 is malformed/);
    expect(received).toEqual([]);
  });
});
