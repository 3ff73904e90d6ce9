/**
 * `--to DEST` → the sink that writes there. Database URLs (`postgresql://`, `mysql://`,
 * `mariadb://`, `sqlite:///path`) write tables; anything else is a file path or object-store URI
 * whose suffix (`.csv`, `.csv.gz`, `.parquet`) or `--format` picks the format. `env:NAME` reads the
 * destination from an environment variable, so a database password stays out of the process list.
 */
import { schemeOf } from '../../data/uri.js';
import { ConfigError } from '../../errors/index.js';
import { CsvSink } from './csv.js';
import { MysqlSink } from './mysql.js';
import { ParquetSink } from './parquet.js';
import { PostgresSink } from './postgres.js';
import type { ExportSink } from './sink.js';
import { parseDestinationDsn } from './sql-connect.js';
import { SqliteSink } from './sqlite.js';
import { parseTableName } from './table-name.js';

export type FileFormat = 'csv' | 'csv.gz' | 'parquet';
export const FILE_FORMATS: readonly FileFormat[] = ['csv', 'csv.gz', 'parquet'];

export interface DestinationOptions {
  /** `--format`; null: from the destination's suffix. */
  format: FileFormat | null;
  /** `--table` (database destinations). */
  table: string;
  env: NodeJS.ProcessEnv;
}

const ENV_NAME = /^env:([A-Za-z_][A-Za-z0-9_]*)$/;

function formatFromSuffix(dest: string): FileFormat | null {
  const path = dest.split('?')[0].toLowerCase();
  if (path.endsWith('.csv.gz')) return 'csv.gz';
  if (path.endsWith('.csv')) return 'csv';
  if (path.endsWith('.parquet')) return 'parquet';
  return null;
}

/** The destination string, with `env:NAME` resolved. */
export function resolveDestination(dest: string, env: NodeJS.ProcessEnv): string {
  const m = ENV_NAME.exec(dest.trim());
  if (m === null) return dest;
  const value = env[m[1]]?.trim();
  if (!value) throw new ConfigError(`--to ${dest}: environment variable ${m[1]} is not set`);
  return value;
}

export function openDestination(rawDest: string, opts: DestinationOptions): ExportSink {
  const dest = resolveDestination(rawDest, opts.env);
  const scheme = schemeOf(dest);
  const backend = /^([a-z][a-z0-9]*)(\+[a-z0-9]+)?:/i.exec(dest)?.[1]?.toLowerCase() ?? '';
  if (backend === 'sqlite') {
    const dsn = parseDestinationDsn(dest);
    if (dsn.database === null || dsn.database === '' || dsn.database === ':memory:') {
      throw new ConfigError('--to sqlite:///PATH needs a database file path');
    }
    return new SqliteSink(dsn.database, parseTableName(opts.table));
  }
  if (['postgresql', 'postgres', 'mysql', 'mariadb'].includes(backend)) {
    const dsn = parseDestinationDsn(dest);
    if (dsn.database === null || dsn.database === '') {
      throw new ConfigError(`--to ${dsn.backend}://…: the URL names no database`);
    }
    const table = parseTableName(opts.table);
    return dsn.dialect === 'postgres' ? new PostgresSink(dsn, table) : new MysqlSink(dsn, table);
  }
  if (scheme === 'http' || scheme === 'https') {
    throw new ConfigError('--to cannot be an http(s) URL; use a path, an object-store URI or a database URL');
  }
  const format = opts.format ?? formatFromSuffix(dest);
  if (format === null) {
    throw new ConfigError(
      `--to '${dest.split('?')[0]}': cannot tell the format from the name; end it in .csv, .csv.gz or .parquet, or pass --format`,
    );
  }
  return format === 'parquet' ? new ParquetSink(dest) : new CsvSink(dest, format === 'csv.gz');
}

export type { ExportBatch, ExportLayout, ExportSink } from './sink.js';
export { columnNames } from './sink.js';
