/** Building one log record: level ranks, reserved fields, exception rendering. */

export type LogLevel = 'debug' | 'info' | 'warning' | 'error' | 'critical';
export type LogFields = Record<string, unknown>;
export type LogRecord = Record<string, unknown> & {
  event: string;
  level: LogLevel;
  logger: string;
  timestamp: string;
};

export const LEVEL_RANK: Readonly<Record<LogLevel, number>> = {
  debug: 10,
  info: 20,
  warning: 30,
  error: 40,
  critical: 50,
};

export function isLogLevel(value: unknown): value is LogLevel {
  return typeof value === 'string' && Object.hasOwn(LEVEL_RANK, value);
}

/** Standard fields keep their meaning; a caller's field with the same name is kept under `field_<name>`. */
const RESERVED = new Set(['event', 'level', 'logger', 'timestamp']);
/** Fields whose Error value is rendered, with stack and causes, into the `exception` string. */
const EXCEPTION_FIELDS = ['err', 'exception'];
const MAX_CAUSES = 5;

function stackOf(err: unknown): string {
  if (err instanceof Error) {
    const head = `${err.name}: ${err.message}`;
    if (typeof err.stack === 'string' && err.stack.length > 0) {
      // V8 stacks start with "Name: message" computed at construction; keep the current head.
      const firstFrame = err.stack.indexOf('\n    at ');
      return firstFrame >= 0 ? head + err.stack.slice(firstFrame) : head;
    }
    return head;
  }
  if (err !== null && typeof err === 'object') {
    // Already-serialised errors (pino's `{type, message, stack}`).
    const o = err as { stack?: unknown; type?: unknown; message?: unknown };
    if (typeof o.stack === 'string') return o.stack;
    if (typeof o.message === 'string') return `${typeof o.type === 'string' ? o.type : 'Error'}: ${o.message}`;
  }
  return String(err);
}

/** Full text of an error: stack plus the explicit cause chain. */
export function renderException(err: unknown): string {
  let text = stackOf(err);
  let cur: unknown = (err as { cause?: unknown } | null)?.cause;
  const seen = new Set<unknown>([err]);
  for (let i = 0; i < MAX_CAUSES && cur !== undefined && cur !== null && !seen.has(cur); i++) {
    seen.add(cur);
    text += `\nCaused by: ${stackOf(cur)}`;
    cur = (cur as { cause?: unknown }).cause;
  }
  return text;
}

function isErrorLike(value: unknown): boolean {
  if (value instanceof Error) return true;
  return value !== null && typeof value === 'object' && typeof (value as { stack?: unknown }).stack === 'string';
}

function assignFields(target: Record<string, unknown>, source: LogFields | undefined): void {
  if (!source) return;
  for (const key of Object.keys(source)) {
    const value = source[key];
    if (value === undefined) continue;
    target[RESERVED.has(key) ? `field_${key}` : key] = value;
  }
}

/**
 * `{event, level, logger, timestamp, ...bindings, ...context, ...fields}` with any Error given as
 * `err`/`exception` rendered into the `exception` string. Redaction happens afterwards, over this.
 */
export function buildRecord(
  level: LogLevel,
  logger: string,
  event: string,
  bindings: LogFields | undefined,
  context: LogFields | undefined,
  fields: LogFields | undefined,
): LogRecord {
  const record: LogRecord = { event, level, logger, timestamp: new Date().toISOString() };
  assignFields(record, bindings);
  assignFields(record, context);
  assignFields(record, fields);
  for (const name of EXCEPTION_FIELDS) {
    const value = record[name];
    if (isErrorLike(value)) {
      delete record[name];
      record.exception = renderException(value);
    }
  }
  return record;
}
