/**
 * A pino logger (for fastify's `loggerInstance`) whose output re-enters our pipeline, so HTTP
 * framework records get the same shape, request context and redaction as everything else.
 */
import { type Logger as PinoLogger, pino } from 'pino';
import { LEVEL_RANK, type LogLevel } from './record.js';
import { currentMinLevel, emit } from './sink.js';

const PINO_LEVEL: Record<LogLevel, string> = {
  debug: 'debug',
  info: 'info',
  warning: 'warn',
  error: 'error',
  critical: 'fatal',
};

function fromPinoLevel(value: unknown): LogLevel {
  const n = typeof value === 'number' ? value : 30;
  if (n <= 20) return 'debug';
  if (n <= 30) return 'info';
  if (n <= 40) return 'warning';
  if (n <= 50) return 'error';
  return 'critical';
}

/** Turns one pino JSON line into a record of ours and emits it. Exported for tests. */
export function forwardPinoLine(line: string, loggerName: string): void {
  let parsed: Record<string, unknown>;
  try {
    parsed = JSON.parse(line) as Record<string, unknown>;
  } catch {
    emit('info', loggerName, 'log', undefined, { message: line.trimEnd() });
    return;
  }
  const { level, msg, time: _time, pid: _pid, hostname: _hostname, name, event, ...fields } = parsed;
  let eventName = 'log';
  if (typeof event === 'string') {
    eventName = event;
    if (msg !== undefined) fields.message = msg;
  } else if (typeof msg === 'string' && msg.length > 0) {
    eventName = msg;
  }
  emit(fromPinoLevel(level), typeof name === 'string' ? name : loggerName, eventName, undefined, fields);
}

export interface PinoLoggerOptions {
  /** The `logger` field of the records; default `recotem.http`. */
  name?: string;
  /** Default: the level configured with configureLogging at creation time. */
  level?: LogLevel;
}

export function createPinoLogger(options: PinoLoggerOptions = {}): PinoLogger {
  const loggerName = options.name ?? 'recotem.http';
  const level = options.level && Object.hasOwn(LEVEL_RANK, options.level) ? options.level : currentMinLevel();
  const destination = {
    write(line: string): void {
      forwardPinoLine(line, loggerName);
    },
  };
  return pino({ level: PINO_LEVEL[level], base: null, timestamp: false }, destination);
}
