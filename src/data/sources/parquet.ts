/**
 * The `parquet` source: same fetch rules as CSV, types from the Parquet
 * schema, no empty-table check.
 */
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { DataSourceError, isFatalRuntimeError } from '../../errors/index.js';
import { getLogger } from '../../log/index.js';
import { readParquetTable } from '../duckdb/parquet.js';
import type { InteractionTable } from '../table.js';
import type { ParquetSourceConfig } from './configs.js';
import { probeFile } from './csv.js';
import { parquetFileColumns } from './file-columns.js';
import { schemaColumnsOf } from './required-columns.js';
import { fetchFileTable } from './source-file.js';
import type { DataSource, FetchContext } from './types.js';

const log = getLogger('recotem.data.parquet');

export function createParquetSource(config: ParquetSourceConfig): DataSource {
  return {
    fetch: (ctx) => fetchParquet(config, ctx),
    probe: () => probeFile(config.path, 'Parquet'),
    columns: () => parquetFileColumns(config.path),
  };
}

function fetchParquet(config: ParquetSourceConfig, ctx: FetchContext): Promise<InteractionTable> {
  return fetchFileTable({
    path: config.path,
    sha256: config.sha256,
    label: 'Parquet',
    eventPrefix: 'parquet_source',
    log,
    ctx,
    async read({ input, scratch, session, shown }) {
      let file: string;
      if ('file' in input) file = input.file;
      else {
        file = join(scratch, 'input.parquet');
        await writeFile(file, input.bytes, { mode: 0o600 });
      }
      const cols = schemaColumnsOf(ctx);
      try {
        return await readParquetTable(session, file, new Set([cols.user, cols.item].filter((c): c is string => !!c)));
      } catch (err) {
        if (err instanceof DataSourceError || isFatalRuntimeError(err)) throw err;
        const detail = (err instanceof Error ? err.message : String(err)).split('\n')[0];
        throw new DataSourceError(`Failed to parse Parquet from '${shown}': ${detail}`, { cause: err });
      }
    },
  });
}
