/**
 * The four built-in sources as plugin descriptors. Their implementations are imported lazily on
 * `create`, so that loading a recipe never pulls in database drivers or cloud SDKs.
 */
import {
  type BigQuerySourceConfig,
  bigQueryConfigSchema,
  type CsvSourceConfig,
  csvConfigSchema,
  type ParquetSourceConfig,
  parquetConfigSchema,
  type SqlSourceConfig,
  sqlConfigSchema,
} from './configs.js';
import type { DataSource, DataSourcePlugin } from './types.js';

/** A built-in plus what it needs installed to be usable at all. */
export interface BuiltinPlugin extends DataSourcePlugin {
  /** The module that implements it, for the skip warning. */
  readonly module: string;
  /** Packages of which at least one must be resolvable; empty = always available. */
  readonly requiresAnyOf: readonly string[];
  /** Install hint shown when none of them is. */
  readonly hint: string;
}

const csv: BuiltinPlugin = {
  typeName: 'csv',
  configSchema: csvConfigSchema,
  extrasRequired: [],
  noExpandFields: new Set<string>(),
  module: 'recotem/data/sources/csv',
  requiresAnyOf: [],
  hint: '',
  async create(config): Promise<DataSource> {
    const { createCsvSource } = await import('./csv.js');
    return createCsvSource(config as CsvSourceConfig);
  },
};

const parquet: BuiltinPlugin = {
  typeName: 'parquet',
  configSchema: parquetConfigSchema,
  extrasRequired: [],
  noExpandFields: new Set<string>(),
  module: 'recotem/data/sources/parquet',
  requiresAnyOf: [],
  hint: '',
  async create(config): Promise<DataSource> {
    const { createParquetSource } = await import('./parquet.js');
    return createParquetSource(config as ParquetSourceConfig);
  },
};

const bigquery: BuiltinPlugin = {
  typeName: 'bigquery',
  configSchema: bigQueryConfigSchema,
  extrasRequired: ['bigquery'],
  noExpandFields: new Set(['query', 'query_parameters']),
  module: 'recotem/data/sources/bigquery',
  requiresAnyOf: ['@google-cloud/bigquery'],
  hint: 'install @google-cloud/bigquery (npm install @google-cloud/bigquery)',
  async create(config): Promise<DataSource> {
    const { createBigQuerySource } = await import('./bigquery.js');
    return createBigQuerySource(config as BigQuerySourceConfig);
  },
};

const sql: BuiltinPlugin = {
  typeName: 'sql',
  configSchema: sqlConfigSchema,
  extrasRequired: ['postgres', 'mysql', 'sqlite'],
  noExpandFields: new Set(['query', 'dsn_env']),
  module: 'recotem/data/sources/sql',
  requiresAnyOf: ['pg', 'mysql2', 'better-sqlite3'],
  hint: 'install one of: pg, mysql2, better-sqlite3 (npm install <driver>)',
  async create(config): Promise<DataSource> {
    const { createSqlSource } = await import('./sql.js');
    return createSqlSource(config as SqlSourceConfig);
  },
};

/** In registration order (the order only shows in messages and in `recotem schema`). */
export const BUILTIN_PLUGINS: readonly BuiltinPlugin[] = [csv, parquet, bigquery, sql];
