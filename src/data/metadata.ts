/**
 * Item metadata for serving: CSV or Parquet from a local path, an object store
 * or http(s) (guarded fetcher + sha256 pin), reduced to `[item id, ...fields]` with one row per item.
 * Values keep their types (Parquet numbers stay numbers); storage is columnar.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DataSourceError, HttpFetchError, isFatalRuntimeError, RecotemError } from '../errors/index.js';
import { getLogger } from '../log/index.js';
import { availableColumnsText } from './column-list.js';
import { parseCsvAsText } from './csv/parse.js';
import { prepareCsv } from './csv/prepare.js';
import { readParquetTable } from './duckdb/parquet.js';
import { DuckSession } from './duckdb/session.js';
import { idCodes } from './ids.js';
import { verifySha256 } from './integrity.js';
import { maxDownloadBytes } from './limits.js';
import { checkSizeCap, openStore, SizeCheckError, StoreError } from './storage/index.js';
import { type Column, cellAt, gatherColumn, type InteractionTable } from './table.js';
import { isHttpUrl, redactUrl } from './uri.js';

const log = getLogger('recotem.data.metadata');

export type MetadataErrorReason = 'http_fetch' | 'parse' | 'field_missing' | 'io' | 'unknown';

/** Item-metadata loading failure; `reason` is the spec's `cause` label (the real cause is `cause`). */
export class MetadataError extends RecotemError {
  override name = 'MetadataError';
  constructor(
    message: string,
    readonly reason: MetadataErrorReason,
    opts: { cause?: unknown } = {},
  ) {
    super(message, opts.cause === undefined ? undefined : { cause: opts.cause });
  }
}

export interface ItemMetadataSource {
  readonly type: string;
  readonly path: string;
  readonly item_id_column: string;
  readonly sha256?: string | null;
}

export interface LoadItemMetadataOptions {
  /** `error` (default): missing fields fail; `null`: they are added filled with nulls. */
  onFieldMissing?: 'error' | 'null';
  recipeName?: string;
  /** Lower-cased field names to leave out (e.g. from `RECOTEM_METADATA_FIELD_DENY`). */
  deny?: Iterable<string>;
}

export type MetadataValue = string | number | boolean | null;

/** One row per item; fields stored as typed columns. */
export class ItemMetadata {
  private readonly index: Map<string, number>;

  constructor(
    readonly itemIdColumn: string,
    readonly itemIds: readonly string[],
    readonly fields: readonly string[],
    private readonly columns: readonly Column[],
  ) {
    this.index = new Map(itemIds.map((id, r) => [id, r]));
  }

  get size(): number {
    return this.itemIds.length;
  }

  rowOf(itemId: string): number | undefined {
    return this.index.get(itemId);
  }

  /** The typed column of a field (for filters). */
  column(field: string): Column {
    const f = this.fields.indexOf(field);
    if (f < 0) throw new RangeError(`no metadata field '${field}'`);
    return this.columns[f];
  }

  valueAt(row: number, fieldIndex: number): MetadataValue {
    return toMetadataValue(cellAt(this.columns[fieldIndex], row));
  }

  /** `{field: value}` for one item, or undefined for an unknown id. */
  get(itemId: string): Record<string, MetadataValue> | undefined {
    const row = this.index.get(itemId);
    if (row === undefined) return undefined;
    const out: Record<string, MetadataValue> = {};
    for (let f = 0; f < this.fields.length; f++) out[this.fields[f]] = this.valueAt(row, f);
    return out;
  }

  /** Item id → values in `fields` order. */
  toRowMap(): Map<string, MetadataValue[]> {
    const map = new Map<string, MetadataValue[]>();
    for (let r = 0; r < this.itemIds.length; r++) {
      map.set(
        this.itemIds[r],
        this.fields.map((_, f) => this.valueAt(r, f)),
      );
    }
    return map;
  }
}

function toMetadataValue(v: ReturnType<typeof cellAt>): MetadataValue {
  if (v === null) return null;
  if (typeof v === 'number') return Number.isNaN(v) ? null : v;
  if (typeof v === 'bigint') return Number.isSafeInteger(Number(v)) ? Number(v) : v.toString();
  if (v instanceof Date) return Number.isNaN(v.getTime()) ? null : v.toISOString();
  return v;
}

export async function loadItemMetadata(
  config: ItemMetadataSource,
  fields: readonly string[],
  options: LoadItemMetadataOptions = {},
): Promise<ItemMetadata> {
  if (fields.length === 0) throw new MetadataError('item_metadata.fields must name at least one field', 'unknown');
  if (config.type !== 'csv' && config.type !== 'parquet') {
    throw new MetadataError(`item_metadata.type must be 'csv' or 'parquet', got '${config.type}'`, 'unknown');
  }
  const shown = redactUrl(config.path);
  const bytes = await readMetadataBytes(config, shown, options.recipeName);
  const table = await parseMetadata(config, bytes, shown);

  const idColumn = config.item_id_column;
  if (!table.hasColumn(idColumn)) {
    throw new MetadataError(
      `item_id_column '${idColumn}' not found in metadata file '${shown}'; ${availableColumnsText(table)}`,
      'field_missing',
    );
  }
  // Rows whose id is null or blank go; the rest are string-coerced.
  const ids = idCodes(table.column(idColumn), false);
  const blank = ids.strings.map((s) => s.trim() === '');
  const kept: number[] = [];
  const seen = new Set<number>();
  let nullDrops = 0;
  let duplicateDrops = 0;
  for (let r = 0; r < table.rowCount; r++) {
    const code = ids.codes[r];
    if (code < 0 || blank[code]) {
      nullDrops++;
      continue;
    }
    if (seen.has(code)) {
      duplicateDrops++;
      continue;
    }
    seen.add(code);
    kept.push(r);
  }
  if (nullDrops > 0) log.warn('metadata_null_item_ids_dropped', { path: shown, drop_count: nullDrops });

  const missing = fields.filter((f) => !table.hasColumn(f));
  if (missing.length > 0 && options.onFieldMissing !== 'null') {
    throw new MetadataError(
      `item_metadata fields not found in '${shown}': [${missing.map((f) => `'${f}'`).join(', ')}]; ${availableColumnsText(table)}`,
      'field_missing',
    );
  }
  for (const f of missing) log.warn('metadata_field_missing_filled_null', { path: shown, field: f });
  if (duplicateDrops > 0) log.warn('metadata_duplicate_item_ids_dropped', { path: shown, drop_count: duplicateDrops });

  const rows = Int32Array.from(kept);
  const deny = new Set([...(options.deny ?? [])].map((d) => d.toLowerCase()));
  const outFields = fields.filter((f) => !deny.has(f.toLowerCase()));
  const columns = outFields.map(
    (f): Column =>
      table.hasColumn(f)
        ? gatherColumn(table.column(f), rows)
        : { encoding: 'dict', type: 'mixed', codes: new Int32Array(rows.length).fill(-1), dictionary: [] },
  );
  const itemIds = kept.map((r) => ids.strings[ids.codes[r]]);
  log.info('metadata_loaded', { path: shown, n_items: itemIds.length, fields: [...fields], item_id_column: idColumn });
  return new ItemMetadata(idColumn, itemIds, outFields, columns);
}

async function readMetadataBytes(config: ItemMetadataSource, shown: string, recipeName?: string): Promise<Buffer> {
  const cap = maxDownloadBytes();
  let bytes: Buffer;
  if (isHttpUrl(config.path)) {
    try {
      // The HTTP client (undici, about 110 modules) only for metadata that is fetched: a server
      // reading local metadata would otherwise load it before it can answer health.
      const { httpFetch } = await import('./http/index.js');
      ({ bytes } = await httpFetch(config.path, {
        capBytes: cap,
        logPrefix: 'metadata_source',
        logContext: recipeName ? { recipe: recipeName } : {},
      }));
    } catch (err) {
      if (err instanceof HttpFetchError) throw new MetadataError(err.message, 'http_fetch', { cause: err });
      throw err;
    }
  } else {
    try {
      await checkSizeCap(config.path, cap, 'Metadata');
    } catch (err) {
      if (err instanceof SizeCheckError) throw new MetadataError(err.message, 'io', { cause: err });
      if (err instanceof DataSourceError) throw new MetadataError(err.message, 'io', { cause: err });
      throw err;
    }
    try {
      bytes = await openStore(config.path).readAll(cap);
    } catch (err) {
      if (err instanceof StoreError) {
        const message =
          err.kind === 'not_found'
            ? `Metadata file not found: ${shown}`
            : err.kind === 'permission'
              ? `Permission denied reading metadata file: ${shown}`
              : err.kind === 'too_large'
                ? `Metadata file '${shown}' exceeds RECOTEM_MAX_DOWNLOAD_BYTES (${cap}) — increase the cap or split the file.`
                : `Failed to read metadata from '${shown}': ${err.message}`;
        throw new MetadataError(message, 'io', { cause: err });
      }
      if (err instanceof DataSourceError) throw new MetadataError(err.message, 'io', { cause: err });
      throw err;
    }
  }
  if (config.sha256) {
    try {
      verifySha256(bytes, config.sha256);
    } catch (err) {
      if (err instanceof HttpFetchError) throw new MetadataError(err.message, 'http_fetch', { cause: err });
      throw err;
    }
  }
  return bytes;
}

async function parseMetadata(config: ItemMetadataSource, bytes: Buffer, shown: string): Promise<InteractionTable> {
  const scratch = await mkdtemp(join(tmpdir(), 'recotem-metadata-'));
  try {
    const session = await DuckSession.open();
    try {
      if (config.type === 'parquet') {
        const file = join(scratch, 'metadata.parquet');
        await writeFile(file, bytes, { mode: 0o600 });
        return await readParquetTable(session, file, new Set([config.item_id_column]));
      }
      // Compressed metadata CSVs are not decompressed (as in the original): read as plain text.
      const file = join(scratch, 'metadata.csv');
      await writeFile(file, bytes, { mode: 0o600 });
      const prepared = await prepareCsv({ file }, file, 'utf-8', scratch);
      return await parseCsvAsText(session, prepared, { delimiter: ',', header: 0 });
    } finally {
      session.close();
    }
  } catch (err) {
    if (err instanceof MetadataError || isFatalRuntimeError(err)) throw err;
    const detail = (err instanceof Error ? err.message : String(err)).split('\n')[0];
    throw new MetadataError(
      `Failed to parse ${config.type === 'csv' ? 'CSV' : 'Parquet'} metadata from '${shown}': ${detail}`,
      'parse',
      {
        cause: err,
      },
    );
  } finally {
    await rm(scratch, { recursive: true, force: true });
  }
}
