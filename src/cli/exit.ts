/**
 * The one place that turns outcomes into process exit codes: error mapping, the
 * stderr summary lines, explicit exit requests, and the final process exit.
 */
import { ExitCode, errorMessage, exitCodeFor, isFatalRuntimeError, normalizeExitCode } from '../errors/index.js';
import type { CliIo } from './io.js';

/** The documented stderr prefixes, one per failure site. */
export const FailurePrefix = {
  RECIPE: 'Recipe error',
  TRAINING: 'Training failed',
  CONFIG: 'Configuration error',
  SERVER_STARTUP: 'Server startup failed',
  SERVER_BIND: 'Server bind failed',
  VALIDATION: 'Recipe validation failed',
  PROBE: 'DataSource probe failed',
  METADATA: 'Item metadata check failed',
  SCHEMA: 'Schema generation failed',
  INSPECT: 'Inspect failed',
  EXPORT: 'Export failed',
} as const;

/**
 * Thrown by `requestExit`: a layer asking the process to end with a given code. Codes 0 and 2–9
 * are kept, anything else (null, 1, 10+, strings) becomes 1.
 */
export class ExitRequest extends Error {
  override name = 'ExitRequest';
  constructor(readonly requestedCode: unknown) {
    super(`exit requested with code ${String(requestedCode)}`);
  }
}

/** Ends the current command with `code`, through the same normalisation as every other exit. */
export function requestExit(code: unknown): never {
  throw new ExitRequest(code);
}

/**
 * Reports a failure as `<prefix>: <message>` on stderr and returns its exit code. Fatal runtime
 * errors (stack overflow, allocation failure) are rethrown, never turned into a tidy code.
 */
export function reportFailure(io: CliIo, prefix: string, err: unknown): number {
  if (isFatalRuntimeError(err)) throw err;
  if (err instanceof ExitRequest) return normalizeExitCode(err.requestedCode);
  io.stderr(`${prefix}: ${errorMessage(err)}`);
  return exitCodeFor(err);
}

/**
 * Runs a command body; a returned code is normalised, a throw becomes `reportFailure` with the
 * prefix (or the prefix chosen for that error).
 */
export async function runReporting(
  io: CliIo,
  prefix: string | ((err: unknown) => string),
  body: () => Promise<number>,
): Promise<number> {
  try {
    return normalizeExitCode(await body());
  } catch (err) {
    return reportFailure(io, typeof prefix === 'string' ? prefix : prefix(err), err);
  }
}

function flush(stream: NodeJS.WriteStream): Promise<void> {
  return new Promise((resolve) => {
    try {
      if (!stream.writable) {
        resolve();
        return;
      }
      stream.write('', () => resolve());
    } catch {
      resolve();
    }
  });
}

/**
 * Ends the process with a normalised code once stdout/stderr have drained, so open handles (pools,
 * timers) left by a command cannot keep it alive and piped output is not cut short.
 */
export async function exitProcess(code: unknown): Promise<never> {
  const normalized = normalizeExitCode(code);
  await Promise.all([flush(process.stdout), flush(process.stderr)]);
  process.exit(normalized);
}

export { ExitCode };
