/** What the SQL source needs from each database driver. */
import { DataSourceError } from '../../errors/index.js';
import type { ParsedDsn, SqlDialect } from './dsn.js';
import type { BindValue } from './params.js';
import type { RowSink } from './rows.js';

export interface ConnectSettings {
  readonly dsn: ParsedDsn;
  readonly connectTimeoutSeconds: number;
  readonly statementTimeoutSeconds: number;
}

export interface SqlDriver {
  /** `SELECT 1` on a fresh connection. */
  probe(settings: ConnectSettings): Promise<void>;
  /**
   * Runs `text` with positional `values` in a read-only session under the statement timeout,
   * streaming rows into `sink` in chunks of `chunk` rows.
   */
  fetch(
    settings: ConnectSettings,
    text: string,
    values: readonly BindValue[],
    sink: RowSink,
    chunk: number,
  ): Promise<void>;
  /**
   * The names of the columns `text` would return, from the server's description of the statement:
   * the query is prepared (or opened as a cursor) but no row is read.
   */
  columns(settings: ConnectSettings, text: string, values: readonly BindValue[]): Promise<string[]>;
}

/** An error raised on purpose by a driver adapter (already phrased; passes through unchanged). */
export class SqlSessionError extends DataSourceError {}

/** Class name (plus SQLSTATE or driver code when present): never the driver message, which may hold the DSN. */
export function driverErrorLabel(err: unknown): string {
  const ctor = (err as { constructor?: { name?: string } })?.constructor?.name;
  const name = err instanceof Error ? (ctor && ctor !== 'Error' ? ctor : err.name) : typeof err;
  const code = (err as { code?: unknown })?.code;
  if (typeof code === 'string' && /^[A-Z0-9_]{2,40}$/.test(code)) return `${name} (${code})`;
  const errno = (err as { errno?: unknown })?.errno;
  return typeof errno === 'number' ? `${name} (errno ${errno})` : name;
}

export function readOnlyFailure(dialect: SqlDialect, err: unknown): SqlSessionError {
  return new SqlSessionError(
    dialect === 'sqlite'
      ? `failed to enforce read-only mode on sqlite (${driverErrorLabel(err)}); refusing to run the query`
      : `failed to enforce READ ONLY transaction on '${dialect}': ${driverErrorLabel(err)}; refusing to run the query`,
  );
}

export function timeoutFailure(dialect: SqlDialect, err: unknown): SqlSessionError {
  return new SqlSessionError(
    `failed to enforce statement_timeout on '${dialect}': ${driverErrorLabel(err)}; refusing to run the query`,
  );
}
