/** The `sql` source: PostgreSQL, MySQL/MariaDB and SQLite. */
import { DataSourceError, isFatalRuntimeError } from '../../errors/index.js';
import { getLogger } from '../../log/index.js';
import { dedupeColumnNames } from '../csv/header.js';
import type { LookupFn } from '../http/index.js';
import { maxSqlRows, sqlAllowPrivate } from '../limits.js';
import { driverErrorLabel, type SqlDriver, SqlSessionError } from '../sql/driver.js';
import { type ParsedDsn, parseDsn, renderDsnForLog, type SqlDialect } from '../sql/dsn.js';
import { adviseTls, type DsnPins, guardDsn, recheckRebinding } from '../sql/guard.js';
import { bindValues, translateNamedParams } from '../sql/params.js';
import { chunkSize, RowSink } from '../sql/rows.js';
import { isModuleNotFound } from '../storage/sdk.js';
import type { InteractionTable } from '../table.js';
import type { SqlSourceConfig } from './configs.js';
import type { DataSource, FetchContext } from './types.js';

const log = getLogger('recotem.data.sql');

export interface SqlSourceOptions {
  /** Environment holding the DSN variable (default `process.env`). */
  env?: Readonly<Record<string, string | undefined>>;
  /** Resolver for the host checks (tests inject changing answers). */
  lookup?: LookupFn;
  /** Address classifier of the host check (tests treat their loopback server as public). */
  isInternal?: (ip: string) => boolean;
}

const DRIVER_PACKAGES: Record<SqlDialect, { pkg: string; extra: string }> = {
  postgres: { pkg: 'pg', extra: 'postgres' },
  mysql: { pkg: 'mysql2', extra: 'mysql' },
  mariadb: { pkg: 'mysql2', extra: 'mysql' },
  sqlite: { pkg: 'better-sqlite3', extra: 'sqlite' },
};

async function loadDriver(dsn: ParsedDsn): Promise<SqlDriver> {
  const { pkg } = DRIVER_PACKAGES[dsn.dialect];
  try {
    switch (dsn.dialect) {
      case 'postgres': {
        const pg = await import('pg');
        const { postgresDriver } = await import('../sql/postgres.js');
        return postgresDriver(((pg as unknown as { default?: typeof pg }).default ?? pg) as typeof pg);
      }
      case 'mysql':
      case 'mariadb': {
        const mysql = await import('mysql2');
        const { mysqlDriver } = await import('../sql/mysql.js');
        return mysqlDriver(
          ((mysql as unknown as { default?: typeof mysql }).default ?? mysql) as typeof mysql,
          dsn.dialect,
        );
      }
      default: {
        const sqlite = await import('better-sqlite3');
        const { sqliteDriver } = await import('../sql/sqlite.js');
        return sqliteDriver(sqlite.default);
      }
    }
  } catch (err) {
    if (isModuleNotFound(err)) {
      throw new DataSourceError(
        `${pkg} driver is required for dialect '${dsn.backend}'. Install it with: npm install ${pkg}`,
        { cause: err },
      );
    }
    throw err;
  }
}

/** Construction: DSN from the environment, dialect, driver, SSRF guard, TLS advisory. */
export async function createSqlSource(config: SqlSourceConfig, options: SqlSourceOptions = {}): Promise<DataSource> {
  const env = options.env ?? process.env;
  const raw = (env[config.dsn_env] ?? '').trim();
  if (raw === '') {
    throw new DataSourceError(
      `env var ${config.dsn_env} is not set or is empty; set it to the database DSN (e.g. postgresql://user:pass@host/db)`,
    );
  }
  const dsn = parseDsn(raw, config.dsn_env);
  const driver = await loadDriver(dsn);
  const pins = await guardDsn(dsn, sqlAllowPrivate(env), { lookup: options.lookup, isInternal: options.isInternal });
  adviseTls(dsn);
  log.debug('sql_source_initialized', {
    dialect: dsn.dialect,
    host: dsn.dialect === 'sqlite' ? '(local)' : (dsn.host ?? '(local)'),
    dsn: renderDsnForLog(dsn),
  });
  const query = translateNamedParams(config.query, dsn.dialect);
  const settings = {
    dsn,
    connectTimeoutSeconds: config.connect_timeout_seconds,
    statementTimeoutSeconds: config.statement_timeout_seconds,
  };
  return {
    async probe() {
      await recheck(pins, options.lookup);
      try {
        await driver.probe(settings);
      } catch (err) {
        throw new DataSourceError(`probe failed for dialect '${dsn.dialect}': ${driverErrorLabel(err)}`, {
          cause: err,
        });
      }
    },
    async columns() {
      await recheck(pins, options.lookup);
      const values = bindValues(query, config.query_parameters ?? {});
      try {
        // The names come from the recipe's own query, not from data: shown as for a filled table.
        return { columnNames: dedupeColumnNames(await driver.columns(settings, query.text, values)), rowCount: 1 };
      } catch (err) {
        if (err instanceof DataSourceError || isFatalRuntimeError(err)) throw err;
        throw new DataSourceError(`query failed on dialect '${dsn.dialect}': ${driverErrorLabel(err)}`, { cause: err });
      }
    },
    async fetch(ctx: FetchContext): Promise<InteractionTable> {
      const values = bindValues(query, config.query_parameters ?? {});
      await recheck(pins, options.lookup);
      const cap = maxSqlRows(env);
      const sink = new RowSink(cap);
      try {
        await driver.fetch(settings, query.text, values, sink, chunkSize(cap));
      } catch (err) {
        if (err instanceof SqlSessionError || err instanceof DataSourceError) throw err;
        if (isFatalRuntimeError(err)) throw err;
        throw new DataSourceError(`query failed on dialect '${dsn.dialect}': ${driverErrorLabel(err)}`, { cause: err });
      }
      const table = sink.finish();
      log.info('sql_fetch_complete', {
        recipe: ctx.recipeName,
        run_id: ctx.runId,
        dialect: dsn.dialect,
        rows_loaded: table.rowCount,
      });
      return table;
    },
  };
}

async function recheck(pins: DsnPins, lookup: LookupFn | undefined): Promise<void> {
  await recheckRebinding(pins, lookup);
}
