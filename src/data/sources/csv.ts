/** The `csv` source (data-sources.md §2). */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DataSourceError, HttpFetchError, isFatalRuntimeError } from '../../errors/index.js';
import { getLogger } from '../../log/index.js';
import { CsvFormatError } from '../csv/errors.js';
import { parseCsv } from '../csv/parse.js';
import { prepareCsv } from '../csv/prepare.js';
import { DuckSession } from '../duckdb/session.js';
import { checkHost } from '../http/index.js';
import { httpAllowPrivate } from '../limits.js';
import { openStore, StoreError } from '../storage/index.js';
import type { InteractionTable } from '../table.js';
import { isHttpUrl, redactUrl } from '../uri.js';
import type { CsvSourceConfig } from './configs.js';
import { requireSchemaColumns, schemaColumnsOf } from './required-columns.js';
import { obtainSourceFile, schemeLabel } from './source-file.js';
import type { DataSource, FetchContext } from './types.js';

const log = getLogger('recotem.data.csv');

export function createCsvSource(config: CsvSourceConfig): DataSource {
  return {
    fetch: (ctx) => fetchCsv(config, ctx),
    probe: () => probeFile(config.path, 'CSV'),
  };
}

async function fetchCsv(config: CsvSourceConfig, ctx: FetchContext): Promise<InteractionTable> {
  const shown = redactUrl(config.path);
  const logContext = { recipe: ctx.recipeName, run_id: ctx.runId };
  log.info('csv_source_fetch_start', { ...logContext, path: shown, scheme: schemeLabel(config.path) });
  const obtained = await obtainSourceFile(config.path, {
    label: 'CSV',
    sha256: config.sha256,
    logPrefix: 'csv_source',
    logContext,
  });
  const scratch = await mkdtemp(join(tmpdir(), 'recotem-csv-'));
  let table: InteractionTable;
  try {
    const schemaColumns = schemaColumnsOf(ctx);
    const session = await DuckSession.open();
    try {
      const prepared = await prepareCsv(obtained.input, config.path, config.encoding, scratch);
      table = await parseCsv(session, prepared, {
        delimiter: config.delimiter,
        header: config.header,
        dtype: config.dtype,
        idColumns: new Set([schemaColumns.user, schemaColumns.item].filter((c): c is string => Boolean(c))),
        timeColumn: schemaColumns.time,
      });
    } catch (err) {
      throw parseError(err, shown);
    } finally {
      session.close();
    }
  } finally {
    await obtained.release();
    await rm(scratch, { recursive: true, force: true });
  }
  if (table.rowCount === 0) throw new DataSourceError(`CSV file '${shown}' is empty (no data rows after header).`);
  requireSchemaColumns(table, ctx, shown);
  log.info('csv_source_fetch_done', {
    ...logContext,
    path: shown,
    rows: table.rowCount,
    bytes: obtained.size,
    sha256_verified: obtained.sha256Verified,
    columns: [...table.columnNames],
  });
  return table;
}

function parseError(err: unknown, shown: string): Error {
  if (err instanceof DataSourceError || isFatalRuntimeError(err)) return err as Error;
  const detail =
    err instanceof CsvFormatError
      ? err.message
      : firstLines(err instanceof Error ? err.message : String(err)).replace(/^Invalid Input Error: /, '');
  return new DataSourceError(`Failed to parse CSV from '${shown}': ${detail}`, { cause: err });
}

function firstLines(text: string): string {
  return text.split('\n').slice(0, 3).join(' ').trim();
}

/**
 * Probe (data-sources.md §2.4): http(s) → only the SSRF host check; other paths → existence.
 * `label` is `CSV` or `Parquet`.
 */
export async function probeFile(path: string, label: 'CSV' | 'Parquet'): Promise<void> {
  const shown = redactUrl(path);
  if (isHttpUrl(path)) {
    if (httpAllowPrivate()) return;
    let host: string;
    try {
      host = new URL(path).hostname;
    } catch {
      host = '';
    }
    try {
      if (!host) throw new HttpFetchError(`Refusing fetch to URL without a host: ${shown}`);
      await checkHost(host, shown);
    } catch (err) {
      if (err instanceof HttpFetchError) {
        throw new DataSourceError(`${label} HTTP probe refused: ${err.message}`, { cause: err });
      }
      throw err;
    }
    return;
  }
  let store: ReturnType<typeof openStore>;
  try {
    store = openStore(path);
  } catch (err) {
    if (err instanceof DataSourceError && /optional package/.test(err.message)) throw err;
    throw new DataSourceError(`${label} path '${shown}' could not be resolved: ${(err as Error).message}`, {
      cause: err,
    });
  }
  let exists: boolean;
  try {
    exists = await store.exists();
  } catch (err) {
    if (err instanceof DataSourceError) throw err;
    const detail = err instanceof StoreError ? err.message : (err as Error).message;
    throw new DataSourceError(`Failed to probe ${label} path '${shown}': ${detail}`, { cause: err });
  }
  if (!exists) throw new DataSourceError(`${label} file not found: ${shown}`);
}
