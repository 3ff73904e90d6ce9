/** Named loggers: thin handles over the shared sink, so configuring logging later still applies. */
import type { LogFields, LogLevel } from './record.js';
import { emit, isLevelEnabled } from './sink.js';

export { addLogContext, getLogContext, withLogContext } from './context.js';
export type { LogFields, LogLevel, LogRecord } from './record.js';
export type { LogFormat, LoggingOptions, LogListener, LogStream } from './sink.js';
export { configureLogging, isLevelEnabled, onLogRecord, resetLoggingForTests } from './sink.js';

export interface Logger {
  readonly name: string;
  debug(event: string, fields?: LogFields): void;
  info(event: string, fields?: LogFields): void;
  /** Level `warning`. */
  warn(event: string, fields?: LogFields): void;
  error(event: string, fields?: LogFields): void;
  critical(event: string, fields?: LogFields): void;
  log(level: LogLevel, event: string, fields?: LogFields): void;
  /** A logger whose records all carry `bindings` (the event's own fields win on a clash). */
  child(bindings: LogFields): Logger;
  /** Lets hot paths skip building fields for records nobody will see. */
  isLevelEnabled(level: LogLevel): boolean;
}

class EventLogger implements Logger {
  constructor(
    readonly name: string,
    private readonly bindings: LogFields | undefined,
  ) {}

  debug(event: string, fields?: LogFields): void {
    emit('debug', this.name, event, this.bindings, fields);
  }
  info(event: string, fields?: LogFields): void {
    emit('info', this.name, event, this.bindings, fields);
  }
  warn(event: string, fields?: LogFields): void {
    emit('warning', this.name, event, this.bindings, fields);
  }
  error(event: string, fields?: LogFields): void {
    emit('error', this.name, event, this.bindings, fields);
  }
  critical(event: string, fields?: LogFields): void {
    emit('critical', this.name, event, this.bindings, fields);
  }
  log(level: LogLevel, event: string, fields?: LogFields): void {
    emit(level, this.name, event, this.bindings, fields);
  }
  child(bindings: LogFields): Logger {
    return new EventLogger(this.name, { ...this.bindings, ...bindings });
  }
  isLevelEnabled(level: LogLevel): boolean {
    return isLevelEnabled(level);
  }
}

const roots = new Map<string, Logger>();

/** The logger for a module, e.g. `getLogger('recotem.train')`. */
export function getLogger(name: string): Logger {
  let logger = roots.get(name);
  if (!logger) {
    logger = new EventLogger(name, undefined);
    roots.set(name, logger);
  }
  return logger;
}
