/**
 * Column names of a local CSV or Parquet file without reading its data: the CSV header record, or
 * the Parquet footer's schema. The row count is only whether a data row exists (0 or 1) for a CSV,
 * the footer's count for Parquet: the missing-column message lists names only for real tables. `recotem validate` checks a recipe's columns with them, so a wrong
 * column name fails in seconds instead of after a long download in `recotem train`. Files behind
 * http(s) or in object stores give null: their header is not cheap to reach.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DataSourceError, isFatalRuntimeError } from '../../errors/index.js';
import type { TableShape } from '../column-list.js';
import { CsvFormatError } from '../csv/errors.js';
import { dedupeColumnNames, readHeader } from '../csv/header.js';
import { headerDecoder, prepareCsv } from '../csv/prepare.js';
import { DuckSession, quoteLiteral } from '../duckdb/session.js';
import { isLocalPath, localPathOf, redactUrl } from '../uri.js';

export interface CsvHeaderOptions {
  delimiter: string;
  encoding: string;
  /** 0-based index of the header record. */
  header: number;
  /** Read the file as plain text whatever its suffix (item-metadata files are never decompressed). */
  plainText?: boolean;
}

/** The header names of a local CSV, named as the parser names them (`Unnamed: i`, `a.1`). */
export async function csvFileColumns(path: string, opts: CsvHeaderOptions, label = 'CSV'): Promise<TableShape | null> {
  if (!isLocalPath(path)) return null;
  const shown = redactUrl(path);
  const scratch = await mkdtemp(join(tmpdir(), 'recotem-header-'));
  try {
    if (opts.delimiter.length === 0) throw new CsvFormatError('delimiter must not be empty');
    // Plain and gzip files are read in place; only zip or a foreign encoding is unpacked first.
    const suffixed = opts.plainText ? 'plain.csv' : path;
    const prepared = await prepareCsv({ file: localPathOf(path) }, suffixed, opts.encoding, scratch);
    const read = (record: number) =>
      readHeader(
        prepared.file,
        prepared.compression === 'gzip',
        opts.delimiter,
        record,
        headerDecoder(prepared.encoding),
      );
    const scan = await read(opts.header);
    if (!scan.fields) {
      throw new CsvFormatError(
        opts.header === 0
          ? 'No columns to parse from file'
          : `Passed header=${opts.header}, but the file has fewer non-blank rows`,
      );
    }
    const firstRow = await read(opts.header + 1);
    return { columnNames: dedupeColumnNames(scan.fields), rowCount: firstRow.fields ? 1 : 0 };
  } catch (err) {
    if (err instanceof DataSourceError || isFatalRuntimeError(err)) throw err;
    const detail = (err instanceof Error ? err.message : String(err)).split('\n')[0];
    throw new DataSourceError(`Failed to parse ${label} from '${shown}': ${detail}`, { cause: err });
  } finally {
    await rm(scratch, { recursive: true, force: true });
  }
}

/** The column names in a local Parquet file's schema (DuckDB reads only the footer for this). */
export async function parquetFileColumns(path: string, label = 'Parquet'): Promise<TableShape | null> {
  if (!isLocalPath(path)) return null;
  const session = await DuckSession.open();
  try {
    const file = quoteLiteral(localPathOf(path));
    const described = await session.rows(`DESCRIBE SELECT * FROM read_parquet(${file})`);
    const rows = await session.rows(`SELECT num_rows FROM parquet_file_metadata(${file})`);
    return { columnNames: described.map((r) => String(r[0])), rowCount: Number(rows[0]?.[0] ?? 0) };
  } catch (err) {
    if (isFatalRuntimeError(err)) throw err;
    const detail = (err instanceof Error ? err.message : String(err)).split('\n')[0];
    throw new DataSourceError(`Failed to parse ${label} from '${redactUrl(path)}': ${detail}`, { cause: err });
  } finally {
    session.close();
  }
}
