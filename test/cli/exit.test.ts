import { afterEach, describe, expect, it } from 'vitest';
import { type CliIo, ExitRequest, reportFailure, requestExit, runCli, runReporting } from '../../src/cli/index.js';
import { ConfigError, DataSourceError, HttpFetchError } from '../../src/errors/index.js';
import { resetLoggingForTests } from '../../src/log/index.js';
import { runInProcess } from './helpers.js';

function bufferIo(): CliIo & { lines: string[] } {
  const lines: string[] = [];
  return {
    env: {},
    lines,
    stdout: (l) => lines.push(`out:${l}`),
    stderr: (l) => lines.push(`err:${l}`),
    logStream: { write: () => true },
  };
}

afterEach(() => resetLoggingForTests());

describe('reportFailure', () => {
  it('prints "<prefix>: <message>" and returns the mapped code', () => {
    const io = bufferIo();
    const err = new DataSourceError('could not download', { cause: new HttpFetchError('refused private address') });
    expect(reportFailure(io, 'Training failed', err)).toBe(7);
    expect(io.lines).toEqual(['err:Training failed: could not download']);
  });

  it('rethrows fatal runtime errors instead of mapping them', () => {
    const io = bufferIo();
    const fatal = new RangeError('Maximum call stack size exceeded');
    expect(() => reportFailure(io, 'Training failed', fatal)).toThrow(fatal);
    expect(io.lines).toEqual([]);
  });

  it.each([
    [0, 0],
    [2, 2],
    [8, 8],
    [9, 9],
    [1, 1],
    [null, 1],
    [10, 1],
    ['3', 1],
  ])('an explicit exit request with code %j ends with %i, silently', (requested, expected) => {
    const io = bufferIo();
    let thrown: unknown;
    try {
      requestExit(requested);
    } catch (err) {
      thrown = err;
    }
    expect(thrown).toBeInstanceOf(ExitRequest);
    expect(reportFailure(io, 'Training failed', thrown)).toBe(expected);
    expect(io.lines).toEqual([]);
  });
});

describe('runReporting', () => {
  it('normalises returned codes and maps thrown errors', async () => {
    const io = bufferIo();
    expect(await runReporting(io, 'X', async () => 6)).toBe(6);
    expect(await runReporting(io, 'X', async () => 42)).toBe(1);
    expect(await runReporting(io, 'X', async () => Number.NaN)).toBe(1);
    expect(
      await runReporting(
        io,
        (err) => (err instanceof ConfigError ? 'Configuration error' : 'Other'),
        async () => {
          throw new ConfigError('bad');
        },
      ),
    ).toBe(8);
    expect(io.lines).toEqual(['err:Configuration error: bad']);
  });
});

describe('runCli and fatal errors', () => {
  it('propagates a stack overflow from a command body instead of exiting with a mapped code', async () => {
    const overflow = async (): Promise<number> => {
      const recurse = (n: number): number => recurse(n + 1) + 1;
      return recurse(0);
    };
    const env = { RECOTEM_SIGNING_KEYS: `k:${'00'.repeat(32)}` };
    await expect(runInProcess(['serve', '--recipes', '.'], env, { serve: overflow })).rejects.toThrow(
      /Maximum call stack size exceeded/,
    );
  });

  it('normalises an out-of-range code returned by a body', async () => {
    const r = await runInProcess(['inspect', 'x.recotem'], {}, { inspect: async () => 300 });
    expect(r.code).toBe(1);
  });

  it('does not touch the process exit code', async () => {
    const before = process.exitCode;
    await runCli(['keygen', '--type', 'bogus'], { io: bufferIo() });
    expect(process.exitCode).toBe(before);
  });
});
