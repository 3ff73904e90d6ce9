/** Collecting log output in tests (and scanning it for leaked secrets). */
import type { LogLevel } from './record.js';
import { onLogRecord, silenceStream } from './sink.js';

export interface LogCapture {
  /** Every captured record as its JSON line, in order. */
  readonly lines: string[];
  /** Every captured record (already redacted), in order. */
  readonly records: Readonly<Record<string, unknown>>[];
  /** Captured records with this event name. */
  events(event: string): Readonly<Record<string, unknown>>[];
  /** All lines joined with newlines: grep this for secrets. */
  text(): string;
  clear(): void;
  /** Stops capturing (and un-silences the stream). Safe to call twice. */
  stop(): void;
}

export interface CaptureOptions {
  /** Lowest level captured; default `debug` (captures everything emitted). */
  level?: LogLevel;
  /** Suppress the normal stream output while capturing; default true. */
  silent?: boolean;
}

/**
 * Starts collecting every record emitted from now on, whatever the configured format and stream.
 *
 * ```ts
 * const logs = captureLogs();
 * try { ...; expect(logs.events('train_done')).toHaveLength(1); } finally { logs.stop(); }
 * ```
 */
export function captureLogs(options: CaptureOptions = {}): LogCapture {
  const lines: string[] = [];
  const records: Readonly<Record<string, unknown>>[] = [];
  const unsubscribe = onLogRecord(
    (record, json) => {
      records.push(record);
      lines.push(json);
    },
    { level: options.level ?? 'debug' },
  );
  const unsilence = options.silent === false ? () => {} : silenceStream();
  return {
    lines,
    records,
    events: (event) => records.filter((r) => r.event === event),
    text: () => lines.join('\n'),
    clear: () => {
      lines.length = 0;
      records.length = 0;
    },
    stop: () => {
      unsubscribe();
      unsilence();
    },
  };
}
