/**
 * Structured event logging. Every record is `{event, level, logger, timestamp, ...fields}`
 * written to stderr, redacted just before serialisation (serving-runtime.md §12).
 *
 * This is the contract every layer uses; the implementation lives in ./logger.ts.
 */
export type { Logger, LogFields, LogFormat, LogLevel } from './logger.js';
export { configureLogging, getLogger, withLogContext, resetLoggingForTests } from './logger.js';
export { redactRecord, redactValue, safeKid } from './redact.js';
