/**
 * The `parquet` source (data-sources.md §3): same fetch rules as CSV, types from the Parquet
 * schema, no empty-table check.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DataSourceError, isFatalRuntimeError } from '../../errors/index.js';
import { getLogger } from '../../log/index.js';
import { readParquetTable } from '../duckdb/parquet.js';
import { DuckSession } from '../duckdb/session.js';
import type { InteractionTable } from '../table.js';
import { redactUrl } from '../uri.js';
import type { ParquetSourceConfig } from './configs.js';
import { probeFile } from './csv.js';
import { requireSchemaColumns, schemaColumnsOf } from './required-columns.js';
import { obtainSourceFile, schemeLabel } from './source-file.js';
import type { DataSource, FetchContext } from './types.js';

const log = getLogger('recotem.data.parquet');

export function createParquetSource(config: ParquetSourceConfig): DataSource {
  return {
    fetch: (ctx) => fetchParquet(config, ctx),
    probe: () => probeFile(config.path, 'Parquet'),
  };
}

async function fetchParquet(config: ParquetSourceConfig, ctx: FetchContext): Promise<InteractionTable> {
  const shown = redactUrl(config.path);
  const logContext = { recipe: ctx.recipeName, run_id: ctx.runId };
  log.info('parquet_source_fetch_start', { ...logContext, path: shown, scheme: schemeLabel(config.path) });
  const obtained = await obtainSourceFile(config.path, {
    label: 'Parquet',
    sha256: config.sha256,
    logPrefix: 'parquet_source',
    logContext,
  });
  const scratch = await mkdtemp(join(tmpdir(), 'recotem-parquet-'));
  let table: InteractionTable;
  try {
    let file: string;
    if ('file' in obtained.input) file = obtained.input.file;
    else {
      file = join(scratch, 'input.parquet');
      await writeFile(file, obtained.input.bytes, { mode: 0o600 });
    }
    const cols = schemaColumnsOf(ctx);
    const session = await DuckSession.open();
    try {
      table = await readParquetTable(session, file, new Set([cols.user, cols.item].filter((c): c is string => !!c)));
    } catch (err) {
      if (err instanceof DataSourceError || isFatalRuntimeError(err)) throw err;
      const detail = (err instanceof Error ? err.message : String(err)).split('\n')[0];
      throw new DataSourceError(`Failed to parse Parquet from '${shown}': ${detail}`, { cause: err });
    } finally {
      session.close();
    }
  } finally {
    await obtained.release();
    await rm(scratch, { recursive: true, force: true });
  }
  requireSchemaColumns(table, ctx, shown);
  log.info('parquet_source_fetch_done', {
    ...logContext,
    path: shown,
    rows: table.rowCount,
    bytes: obtained.size,
    sha256_verified: obtained.sha256Verified,
    columns: [...table.columnNames],
  });
  return table;
}
