/**
 * The `bigquery` source: a named-parameter query job billed to `project` (or
 * the ADC default project), results downloaded page by page over the REST API.
 *
 * The Storage Read API path of the original needs a reader this build does not ship: results always
 * come over REST, with the original's fallback warning (`bigquery_storage_fallback`, reason
 * `missing_extra`), and `RECOTEM_BQ_REQUIRE_STORAGE_API` turns that into an error. A reader can be
 * injected (`storageReader`); its failures follow the original's IAM-fallback rules.
 */
import type { BigQuery, Job, Query } from '@google-cloud/bigquery';
import { DataSourceError, errorMessage, isFatalRuntimeError } from '../../errors/index.js';
import { getLogger } from '../../log/index.js';
import { bqRequireStorageApi } from '../limits.js';
import { isModuleNotFound } from '../storage/sdk.js';
import { type CellValue, ColumnBuilder, type ColumnType, InteractionTable } from '../table.js';
import type { BigQuerySourceConfig } from './configs.js';
import type { DataSource, FetchContext } from './types.js';

const log = getLogger('recotem.data.bigquery');

type BigQueryModule = typeof import('@google-cloud/bigquery');

/** Reads a finished query job through the Storage Read API. */
export interface StorageReader {
  read(job: Job): Promise<InteractionTable>;
}

export interface BigQuerySourceOptions {
  /** Extra client options (tests: `apiEndpoint`, `authClient`). */
  clientOptions?: Record<string, unknown>;
  /** Storage Read API reader; null or absent means the reader is not available. */
  storageReader?: StorageReader | null;
  env?: Readonly<Record<string, string | undefined>>;
  /** Rows per result page over REST. */
  pageSize?: number;
}

/** Process-wide counts of Storage API fallbacks by label (`missing_extra`, `api_error`, `non_iam_error_no_fallback`). */
export const bigQueryStorageFallbacks: Record<string, number> = {};

function count(label: string): void {
  bigQueryStorageFallbacks[label] = (bigQueryStorageFallbacks[label] ?? 0) + 1;
}

type ParamType = 'BOOL' | 'INT64' | 'FLOAT64' | 'STRING';

/** Python type names for the unsupported-type message. */
function pythonTypeName(v: unknown): string {
  if (v === null || v === undefined) return 'NoneType';
  if (Array.isArray(v)) return 'list';
  if (v instanceof Date) return 'datetime';
  if (typeof v === 'object')
    return (v as object).constructor?.name === 'Object' ? 'dict' : ((v as object).constructor?.name ?? 'object');
  return typeof v;
}

/** Named parameters typed by value: bool, then int, float (incl. YAML `5.0`), string. */
export function buildQueryParameters(params: Readonly<Record<string, unknown>> | null): {
  params: Record<string, unknown>;
  types: Record<string, ParamType>;
} {
  const out: Record<string, unknown> = {};
  const types: Record<string, ParamType> = {};
  for (const [name, v] of Object.entries(params ?? {})) {
    if (typeof v === 'boolean') {
      out[name] = v;
      types[name] = 'BOOL';
    } else if (typeof v === 'bigint') {
      out[name] = v.toString();
      types[name] = 'INT64';
    } else if (typeof v === 'number') {
      out[name] = v;
      types[name] = Number.isInteger(v) ? 'INT64' : 'FLOAT64';
    } else if (v !== null && typeof v === 'object' && (v as object).constructor?.name === 'IntegralFloat') {
      out[name] = (v as { valueOf(): number }).valueOf();
      types[name] = 'FLOAT64';
    } else if (typeof v === 'string') {
      out[name] = v;
      types[name] = 'STRING';
    } else {
      throw new DataSourceError(
        `BigQuery query parameter '${name}' has unsupported type '${pythonTypeName(v)}'. Supported types: int, float, str, bool.`,
      );
    }
  }
  return { params: out, types };
}

async function loadModule(): Promise<BigQueryModule> {
  try {
    return await import('@google-cloud/bigquery');
  } catch (err) {
    if (isModuleNotFound(err)) {
      throw new DataSourceError(
        '@google-cloud/bigquery is required for BigQuerySource. Install it with: npm install @google-cloud/bigquery',
        { cause: err },
      );
    }
    throw err;
  }
}

/** An error answered by the BigQuery API (it carries an HTTP status), as opposed to a local failure. */
function isApiError(err: unknown): boolean {
  const e = err as { code?: unknown; errors?: unknown; response?: unknown };
  return typeof e?.code === 'number' || Array.isArray(e?.errors) || e?.response !== undefined;
}

/** How a Storage API failure was recognised as a missing IAM permission, or null. */
export function iamDetectedVia(err: unknown): 'http_403' | 'class' | 'mro' | 'message' | null {
  const e = err as { code?: unknown; status?: unknown; name?: unknown };
  if (e?.code === 403 || e?.status === 403) return 'http_403';
  const names = ['PermissionDenied', 'Forbidden'];
  const own = (err as { constructor?: { name?: string } })?.constructor?.name;
  if ((own && names.includes(own)) || (typeof e?.name === 'string' && names.includes(e.name))) return 'class';
  let proto = own ? Object.getPrototypeOf(Object.getPrototypeOf(err)) : null;
  while (proto && proto !== Object.prototype) {
    if (names.includes(proto.constructor?.name)) return 'mro';
    proto = Object.getPrototypeOf(proto);
  }
  if (/PERMISSION_DENIED|Forbidden|permission denied/.test(errorMessage(err))) return 'message';
  return null;
}

export async function createBigQuerySource(
  config: BigQuerySourceConfig,
  options: BigQuerySourceOptions = {},
): Promise<DataSource> {
  const mod = await loadModule();
  const env = options.env ?? process.env;
  const makeClient = (): BigQuery =>
    new mod.BigQuery({ ...(config.project ? { projectId: config.project } : {}), ...options.clientOptions });

  const queryFor = (dryRun: boolean): Query => {
    const { params, types } = buildQueryParameters(config.query_parameters);
    return {
      query: config.query,
      useLegacySql: false,
      ...(Object.keys(params).length > 0 ? { params, types } : {}),
      ...(dryRun ? { dryRun: true, useQueryCache: false } : {}),
    } as Query;
  };

  return {
    async probe() {
      const query = queryFor(true);
      let client: BigQuery;
      try {
        client = makeClient();
      } catch (err) {
        throw new DataSourceError(
          `BigQuery client creation failed: ${errorMessage(err)}. Ensure Application Default Credentials (ADC) are configured.`,
          { cause: err },
        );
      }
      try {
        await client.createQueryJob(query);
      } catch (err) {
        if (isApiError(err)) throw new DataSourceError(`BigQuery dry-run failed: ${errorMessage(err)}`, { cause: err });
        throw new DataSourceError(`Unexpected error during BigQuery dry-run: ${errorMessage(err)}`, { cause: err });
      }
    },

    async fetch(ctx: FetchContext): Promise<InteractionTable> {
      log.info('bigquery_source_fetch_start', { recipe: ctx.recipeName, run_id: ctx.runId, project: config.project });
      const query = queryFor(false);
      let client: BigQuery;
      try {
        client = makeClient();
      } catch (err) {
        throw new DataSourceError(`Failed to create BigQuery client: ${errorMessage(err)}`, { cause: err });
      }
      let job: Job;
      try {
        [job] = await client.createQueryJob(query);
      } catch (err) {
        throw new DataSourceError(`BigQuery query submission failed: ${errorMessage(err)}`, { cause: err });
      }
      const table =
        (await readWithStorageApi(job, options.storageReader ?? null, env)) ??
        (await readOverRest(job, options.pageSize));
      log.info('bigquery_source_fetch_done', {
        recipe: ctx.recipeName,
        run_id: ctx.runId,
        rows: table.rowCount,
        columns: [...table.columnNames],
      });
      return table;
    },
  };
}

/** The Storage API attempt; null means "use REST" (after the fallback warning). */
async function readWithStorageApi(
  job: Job,
  reader: StorageReader | null,
  env: Readonly<Record<string, string | undefined>>,
): Promise<InteractionTable | null> {
  const required = bqRequireStorageApi(env);
  if (reader === null) {
    if (required) {
      throw new DataSourceError(
        'RECOTEM_BQ_REQUIRE_STORAGE_API is set, but this build has no BigQuery Storage Read API reader: results can only be downloaded over the REST API. Unset RECOTEM_BQ_REQUIRE_STORAGE_API to use it.',
      );
    }
    log.warn('bigquery_storage_fallback', {
      reason: 'missing_extra',
      hint: 'results are downloaded over the REST API (slower for large results)',
    });
    count('missing_extra');
    return null;
  }
  try {
    return await reader.read(job);
  } catch (err) {
    if (required) throw new DataSourceError(`BigQuery Storage Read API failed: ${errorMessage(err)}`, { cause: err });
    const via = iamDetectedVia(err);
    if (via === null) {
      count('non_iam_error_no_fallback');
      throw new DataSourceError(`BigQuery query execution failed: ${errorMessage(err)}`, { cause: err });
    }
    log.warn('bigquery_storage_fallback', {
      reason: 'api_error',
      iam_permission_needed: 'bigquery.readSessions.create',
      iam_detected_via: via,
      error_class: (err as Error)?.constructor?.name ?? typeof err,
    });
    count('api_error');
    return null;
  }
}

interface SchemaField {
  name: string;
  type?: string;
}

function hintFor(type: string | undefined): ColumnType | undefined {
  switch ((type ?? '').toUpperCase()) {
    case 'INTEGER':
    case 'INT64':
      return 'int';
    case 'FLOAT':
    case 'FLOAT64':
      return 'float';
    case 'BOOLEAN':
    case 'BOOL':
      return 'bool';
    case 'TIMESTAMP':
    case 'DATETIME':
      return 'timestamp';
    default:
      return undefined;
  }
}

/** Library row values → cells: wrapped integers, timestamps and numerics unwrapped. */
function toCell(v: unknown, type: string | undefined): CellValue {
  if (v === null || v === undefined) return null;
  const t = (type ?? '').toUpperCase();
  if (typeof v === 'object' && v !== null && 'value' in v && !(v instanceof Date)) {
    const text = String((v as { value: unknown }).value);
    if (t === 'INTEGER' || t === 'INT64') return Number.isSafeInteger(Number(text)) ? Number(text) : BigInt(text);
    if (t === 'TIMESTAMP') return new Date(text);
    if (t === 'DATETIME') return new Date(/[zZ]|[+-]\d\d:?\d\d$/.test(text) ? text : `${text}Z`);
    return text;
  }
  if (typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean' || typeof v === 'bigint') return v;
  if (v instanceof Date) return v;
  if (Buffer.isBuffer(v)) return v.toString('base64');
  if (typeof (v as { toFixed?: unknown }).toFixed === 'function') return String(v); // NUMERIC (Big)
  return JSON.stringify(v);
}

async function readOverRest(job: Job, pageSize = 100_000): Promise<InteractionTable> {
  let fields: SchemaField[] | null = null;
  let builders: ColumnBuilder[] = [];
  let pageToken: string | undefined;
  let rows = 0;
  try {
    do {
      const [page, next, response] = (await job.getQueryResults({
        autoPaginate: false,
        maxResults: pageSize,
        pageToken,
        wrapIntegers: true,
      })) as unknown as [
        Record<string, unknown>[],
        { pageToken?: string } | null,
        { schema?: { fields?: SchemaField[] } },
      ];
      if (fields === null) {
        fields = response?.schema?.fields ?? [];
        // BigQuery's nullable INT64 keeps integer ids integral even when some are missing.
        builders = fields.map((f) => new ColumnBuilder(hintFor(f.type), true));
      }
      for (const row of page) {
        for (let c = 0; c < fields.length; c++) builders[c].append(toCell(row[fields[c].name], fields[c].type));
      }
      rows += page.length;
      pageToken = next?.pageToken ?? undefined;
    } while (pageToken);
  } catch (err) {
    if (isFatalRuntimeError(err)) throw err;
    if (isApiError(err))
      throw new DataSourceError(`BigQuery query execution failed: ${errorMessage(err)}`, { cause: err });
    throw new DataSourceError(`Failed to download BigQuery results: ${errorMessage(err)}`, { cause: err });
  }
  const names = (fields ?? []).map((f) => f.name);
  return new InteractionTable(
    names.map((n, c) => [n, builders[c].finish()] as const),
    rows,
  );
}
