/**
 * The fetch algorithm shared by the CSV and Parquet sources: download
 * http(s) through the guarded fetcher, or pre-check the size and read a local/object-store path
 * with the byte cap, then verify the sha256 pin. Messages name the format (`CSV` / `Parquet`).
 */
import { promises as fs } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { NotRegularFileError, openRegularFile } from '../../config/index.js';
import { DataSourceError, HttpFetchError } from '../../errors/index.js';
import type { LogFields, Logger } from '../../log/index.js';
import { DuckSession } from '../duckdb/session.js';
import { httpFetch } from '../http/index.js';
import { verifySha256 } from '../integrity.js';
import { maxDownloadBytes } from '../limits.js';
import { checkSizeCap, openStore, SizeCheckError, StoreError } from '../storage/index.js';
import type { InteractionTable } from '../table.js';
import { isHttpUrl, localPathOf, redactUrl, schemeOf } from '../uri.js';
import { requireSchemaColumns } from './required-columns.js';
import type { FetchContext } from './types.js';

export interface ObtainedFile {
  /** A readable file path (local input read in place) or the bytes read. */
  readonly input: { file: string } | { bytes: Buffer };
  readonly size: number;
  readonly sha256Verified: boolean;
  /** Releases the open file handle of an in-place local read. */
  release(): Promise<void>;
}

export interface ObtainOptions {
  label: 'CSV' | 'Parquet';
  sha256: string | null | undefined;
  logPrefix: string;
  logContext: LogFields;
}

/** Log field `scheme`: the URI scheme or `local`. */
export function schemeLabel(path: string): string {
  const s = schemeOf(path);
  return s === '' || s === 'file' ? 'local' : s;
}

export async function obtainSourceFile(path: string, opts: ObtainOptions): Promise<ObtainedFile> {
  const cap = maxDownloadBytes();
  const shown = redactUrl(path);
  const noop = async () => undefined;
  if (isHttpUrl(path)) {
    let bytes: Buffer;
    try {
      ({ bytes } = await httpFetch(path, { capBytes: cap, logPrefix: opts.logPrefix, logContext: opts.logContext }));
    } catch (err) {
      if (err instanceof HttpFetchError) throw new DataSourceError(err.message, { cause: err });
      throw err;
    }
    if (opts.sha256) verifyPin(bytes, opts.sha256);
    return { input: { bytes }, size: bytes.length, sha256Verified: Boolean(opts.sha256), release: noop };
  }

  try {
    await checkSizeCap(path, cap, opts.label);
  } catch (err) {
    if (err instanceof SizeCheckError) {
      if (err.kind === 'exceeded') throw new DataSourceError(err.message);
      throw new DataSourceError(`Size probe for ${opts.label} source failed: ${err.message}`, { cause: err });
    }
    throw err;
  }

  const local = schemeOf(path) === '' || schemeOf(path) === 'file';
  if (local && !opts.sha256) {
    // Parse in place: keep the file open so the parser reads the very file that was size-checked.
    const file = localPathOf(path);
    let handle: fs.FileHandle;
    try {
      // Regular files only: /proc, /sys, /dev entries, FIFOs and sockets are never data.
      handle = await openRegularFile(file);
    } catch (err) {
      throw readError(err, shown, opts.label, cap);
    }
    const { size } = await handle.stat();
    if (size > cap) {
      await handle.close();
      throw tooLarge(shown, opts.label, cap);
    }
    const procPath = `/proc/self/fd/${handle.fd}`;
    const readable = await fs
      .access(procPath)
      .then(() => procPath)
      .catch(() => file);
    return { input: { file: readable }, size, sha256Verified: false, release: () => handle.close() };
  }

  let bytes: Buffer;
  try {
    bytes = await openStore(path).readAll(cap);
  } catch (err) {
    throw readError(err, shown, opts.label, cap);
  }
  if (opts.sha256) verifyPin(bytes, opts.sha256);
  return { input: { bytes }, size: bytes.length, sha256Verified: Boolean(opts.sha256), release: noop };
}

function verifyPin(bytes: Buffer, pin: string): void {
  try {
    verifySha256(bytes, pin);
  } catch (err) {
    if (err instanceof HttpFetchError) throw new DataSourceError(err.message, { cause: err });
    throw err;
  }
}

function tooLarge(shown: string, label: string, cap: number): DataSourceError {
  return new DataSourceError(
    `${label} file '${shown}' exceeds RECOTEM_MAX_DOWNLOAD_BYTES (${cap}) — increase the cap or split the file.`,
  );
}

function readError(err: unknown, shown: string, label: string, cap: number): Error {
  if (err instanceof DataSourceError) return err; // e.g. a missing SDK with its install hint
  if (err instanceof NotRegularFileError)
    return new DataSourceError(`${label} source '${shown}' is not a regular file (${err.what})`, { cause: err });
  const kind = err instanceof StoreError ? err.kind : storeKindOfErrno(err);
  if (kind === 'not_found') return new DataSourceError(`${label} file not found: ${shown}`, { cause: err });
  if (kind === 'permission')
    return new DataSourceError(`Permission denied reading ${label} file: ${shown}`, { cause: err });
  if (kind === 'too_large') return tooLarge(shown, label, cap);
  const detail = err instanceof Error ? err.message : String(err);
  return new DataSourceError(`Failed to read ${label} from '${shown}': ${detail}`, { cause: err });
}

function storeKindOfErrno(err: unknown): string {
  const code = (err as NodeJS.ErrnoException)?.code;
  if (code === 'ENOENT' || code === 'ENOTDIR') return 'not_found';
  if (code === 'EACCES' || code === 'EPERM') return 'permission';
  return 'other';
}

export interface FileReadStep {
  /** The obtained file: a path read in place, or bytes to write into `scratch` first. */
  input: ObtainedFile['input'];
  /** A private temp directory, removed after the read. */
  scratch: string;
  session: DuckSession;
  /** The path with URL userinfo redacted, for messages. */
  shown: string;
}

export interface FileFetchOptions {
  path: string;
  sha256: string | null | undefined;
  label: 'CSV' | 'Parquet';
  /** `csv_source` / `parquet_source`: prefix of the fetch events. */
  eventPrefix: string;
  log: Logger;
  ctx: FetchContext;
  /** Parse the obtained file into a table; maps its own failures to DataSourceError. */
  read(step: FileReadStep): Promise<InteractionTable>;
  /** Format-specific checks on the table before the schema columns are required. */
  check?(table: InteractionTable, shown: string): void;
}

/**
 * The skeleton both file sources share: fetch-start event, obtain (download or bounded read, sha256
 * pin), a scratch directory and a DuckDB session around `read`, cleanup, the schema-column check and
 * the fetch-done event.
 */
export async function fetchFileTable(opts: FileFetchOptions): Promise<InteractionTable> {
  const { ctx, log } = opts;
  const shown = redactUrl(opts.path);
  const logContext = { recipe: ctx.recipeName, run_id: ctx.runId };
  log.info(`${opts.eventPrefix}_fetch_start`, { ...logContext, path: shown, scheme: schemeLabel(opts.path) });
  const obtained = await obtainSourceFile(opts.path, {
    label: opts.label,
    sha256: opts.sha256,
    logPrefix: opts.eventPrefix,
    logContext,
  });
  const scratch = await mkdtemp(join(tmpdir(), `recotem-${opts.label.toLowerCase()}-`));
  let table: InteractionTable;
  try {
    const session = await DuckSession.open();
    try {
      table = await opts.read({ input: obtained.input, scratch, session, shown });
    } finally {
      session.close();
    }
  } finally {
    await obtained.release();
    await rm(scratch, { recursive: true, force: true });
  }
  opts.check?.(table, shown);
  requireSchemaColumns(table, ctx, shown);
  log.info(`${opts.eventPrefix}_fetch_done`, {
    ...logContext,
    path: shown,
    rows: table.rowCount,
    bytes: obtained.size,
    sha256_verified: obtained.sha256Verified,
    columns: [...table.columnNames],
  });
  return table;
}
