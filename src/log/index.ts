/**
 * Structured event logging. Every record is `{event, level, logger, timestamp, ...fields}`
 * written to stderr, redacted just before serialisation.
 *
 * This is the contract every layer uses; the implementation lives in ./logger.ts.
 */
export type { CaptureOptions, LogCapture } from './capture.js';
export { captureLogs } from './capture.js';
export type {
  LogFields,
  LogFormat,
  Logger,
  LoggingOptions,
  LogLevel,
  LogListener,
  LogRecord,
  LogStream,
} from './logger.js';
export {
  addLogContext,
  configureLogging,
  getLogContext,
  getLogger,
  isLevelEnabled,
  onLogRecord,
  resetLoggingForTests,
  withLogContext,
} from './logger.js';
// The pino bridge (./pino.ts) is imported from its own module: re-exported here, it loaded pino and
// its dependencies (about 20 modules) at the start of every command, which none of them uses.
export { renderException } from './record.js';
export {
  isSensitiveFieldName,
  REDACTED,
  redactRecord,
  redactValue,
  SAFE_FIELD_NAMES,
  safeKid,
  scrubString,
} from './redact.js';
