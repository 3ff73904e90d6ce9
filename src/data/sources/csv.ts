/** The `csv` source. */
import { DataSourceError, HttpFetchError, isFatalRuntimeError } from '../../errors/index.js';
import { getLogger } from '../../log/index.js';
import { CsvFormatError } from '../csv/errors.js';
import { parseCsv } from '../csv/parse.js';
import { prepareCsv } from '../csv/prepare.js';
import { checkHost } from '../http/index.js';
import { httpAllowPrivate } from '../limits.js';
import { openStore, StoreError } from '../storage/index.js';
import type { InteractionTable } from '../table.js';
import { isHttpUrl, redactUrl } from '../uri.js';
import type { CsvSourceConfig } from './configs.js';
import { csvFileColumns } from './file-columns.js';
import { schemaColumnsOf } from './required-columns.js';
import { fetchFileTable } from './source-file.js';
import type { DataSource, FetchContext } from './types.js';

const log = getLogger('recotem.data.csv');

export function createCsvSource(config: CsvSourceConfig): DataSource {
  return {
    fetch: (ctx) => fetchCsv(config, ctx),
    probe: () => probeFile(config.path, 'CSV'),
    columns: () => csvColumns(config),
  };
}

/** The header's columns; a file without data rows fails as its fetch would. */
async function csvColumns(config: CsvSourceConfig) {
  const shape = await csvFileColumns(config.path, config);
  if (shape?.rowCount === 0) throw emptyCsv(redactUrl(config.path));
  return shape;
}

function emptyCsv(shown: string): DataSourceError {
  return new DataSourceError(`CSV file '${shown}' is empty (no data rows after header).`);
}

function fetchCsv(config: CsvSourceConfig, ctx: FetchContext): Promise<InteractionTable> {
  return fetchFileTable({
    path: config.path,
    sha256: config.sha256,
    label: 'CSV',
    eventPrefix: 'csv_source',
    log,
    ctx,
    async read({ input, scratch, session, shown }) {
      const schemaColumns = schemaColumnsOf(ctx);
      try {
        const prepared = await prepareCsv(input, config.path, config.encoding, scratch);
        return await parseCsv(session, prepared, {
          delimiter: config.delimiter,
          header: config.header,
          dtype: config.dtype,
          idColumns: new Set([schemaColumns.user, schemaColumns.item].filter((c): c is string => Boolean(c))),
          timeColumn: schemaColumns.time,
        });
      } catch (err) {
        throw parseError(err, shown);
      }
    },
    check(table, shown) {
      if (table.rowCount === 0) throw emptyCsv(shown);
    },
  });
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
 * Probe: http(s) → only the SSRF host check; other paths → existence.
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
