/**
 * The single output pipeline every record goes through (our loggers and the pino adapter alike):
 * build → redact (last) → listeners → render → synchronous write to the configured stream.
 */
import { currentContext } from './context.js';
import { buildRecord, LEVEL_RANK, type LogFields, type LogLevel } from './record.js';
import { redactionFailureRecord, redactRecord } from './redact.js';
import { renderConsoleLine, renderJsonLine } from './render.js';

export type LogFormat = 'auto' | 'json' | 'console';

/** Anything with a synchronous-enough `write`: process.stderr, a test buffer, a file stream. */
export interface LogStream {
  write(chunk: string): unknown;
  isTTY?: boolean;
}

export interface LoggingOptions {
  /** `json`, `console`, or `auto` (console on a TTY, else json). Any other value means `auto`. */
  format?: LogFormat | string;
  /** Defaults to process.stderr. */
  stream?: LogStream;
  /** Minimum level written to the stream; default `info`. */
  level?: LogLevel;
}

/** Receives every emitted record after redaction, with its JSON line (whatever the format). */
export type LogListener = (record: Readonly<Record<string, unknown>>, jsonLine: string) => void;

interface SinkState {
  stream: LogStream;
  format: 'json' | 'console';
  colours: boolean;
  minLevel: LogLevel;
}

interface ListenerEntry {
  listener: LogListener;
  minRank: number;
}

const listeners = new Set<ListenerEntry>();
let silenced = 0;
let stderrGuarded = false;

function resolveFormat(format: string | undefined, stream: LogStream): 'json' | 'console' {
  const f = typeof format === 'string' ? format.trim().toLowerCase() : 'auto';
  if (f === 'json' || f === 'console') return f;
  return stream.isTTY === true ? 'console' : 'json';
}

function coloursFor(stream: LogStream, format: 'json' | 'console'): boolean {
  if (format !== 'console' || stream.isTTY !== true) return false;
  return process.env.NO_COLOR === undefined || process.env.NO_COLOR === '';
}

function guardStderr(): void {
  // A closed stderr pipe surfaces as an async 'error' event; logging must never crash the process.
  if (stderrGuarded) return;
  stderrGuarded = true;
  process.stderr.on('error', () => {});
}

function defaultState(): SinkState {
  const stream = process.stderr;
  const format = resolveFormat(undefined, stream);
  return { stream, format, colours: coloursFor(stream, format), minLevel: 'info' };
}

let state: SinkState = defaultState();

function isIoOrMissingDependency(err: unknown): boolean {
  const code = (err as { code?: unknown } | null)?.code;
  if (typeof code !== 'string') return false;
  return /^E[A-Z]+$/.test(code) || code === 'ERR_MODULE_NOT_FOUND' || code === 'MODULE_NOT_FOUND';
}

function reportConfigFailure(err: unknown): void {
  if (isIoOrMissingDependency(err)) return;
  try {
    const cls = err instanceof Error ? err.name || err.constructor.name : typeof err;
    const msg = err instanceof Error ? err.message : String(err);
    process.stderr.write(`[recotem] log config failed: ${cls}: ${msg}\n`);
  } catch {
    // nothing left to report to
  }
}

/**
 * Sets the output format, stream and level. Never throws: I/O and missing-dependency
 * problems are ignored silently, anything else prints one `[recotem] log config failed:` line.
 * Returns the effective format.
 */
export function configureLogging(options: LoggingOptions = {}): 'json' | 'console' {
  try {
    const stream = options.stream ?? process.stderr;
    if (stream === process.stderr) guardStderr();
    const format = resolveFormat(options.format, stream);
    const minLevel = options.level && Object.hasOwn(LEVEL_RANK, options.level) ? options.level : 'info';
    state = { stream, format, colours: coloursFor(stream, format), minLevel };
  } catch (err) {
    reportConfigFailure(err);
  }
  return state.format;
}

/** Restores the unconfigured defaults (stderr, auto format, level info). Listeners are kept. */
export function resetLoggingForTests(): void {
  state = defaultState();
}

export function isLevelEnabled(level: LogLevel): boolean {
  const rank = LEVEL_RANK[level];
  if (rank >= LEVEL_RANK[state.minLevel]) return true;
  for (const entry of listeners) if (rank >= entry.minRank) return true;
  return false;
}

/** Registers a listener for every record at or above `level` (default debug). Returns an unsubscribe. */
export function onLogRecord(listener: LogListener, options: { level?: LogLevel } = {}): () => void {
  const entry: ListenerEntry = { listener, minRank: LEVEL_RANK[options.level ?? 'debug'] };
  listeners.add(entry);
  return () => {
    listeners.delete(entry);
  };
}

/** While the returned function has not been called, nothing is written to the stream. */
export function silenceStream(): () => void {
  silenced++;
  let released = false;
  return () => {
    if (!released && silenced > 0) silenced--;
    released = true;
  };
}

function safeRecord(
  level: LogLevel,
  logger: string,
  event: string,
  bindings: LogFields | undefined,
  fields: LogFields | undefined,
): Record<string, unknown> {
  try {
    return redactRecord(buildRecord(level, logger, event, bindings, currentContext(), fields));
  } catch (err) {
    return redactionFailureRecord({ event, level, logger, timestamp: new Date().toISOString() }, err);
  }
}

/** Emits one record through the pipeline. */
export function emit(
  level: LogLevel,
  logger: string,
  event: string,
  bindings: LogFields | undefined,
  fields: LogFields | undefined,
): void {
  if (!isLevelEnabled(level)) return;
  const record = safeRecord(level, logger, event, bindings, fields);
  const json = renderJsonLine(record);
  const rank = LEVEL_RANK[level];
  for (const entry of listeners) {
    if (rank < entry.minRank) continue;
    try {
      entry.listener(record, json);
    } catch {
      // a faulty listener must not break logging for everyone else
    }
  }
  if (silenced > 0 || rank < LEVEL_RANK[state.minLevel]) return;
  const line = state.format === 'json' ? json : renderConsoleLine(record, state.colours);
  try {
    state.stream.write(`${line}\n`);
  } catch {
    // stream gone (EPIPE, closed): drop the line rather than crash the caller
  }
}

export function currentMinLevel(): LogLevel {
  return state.minLevel;
}
