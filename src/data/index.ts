/**
 * Data ingestion: sources → columnar table → cleansed, indexed interactions; plus storage for every
 * path a recipe can name, the SSRF-guarded HTTP fetcher and item metadata for serving.
 * Heavy dependencies (DuckDB, database drivers, cloud SDKs) load lazily on first use.
 */
export type { CleanseRecipe, CleansingSpec, CleansingStats, Interactions, SchemaSpec } from './cleanse.js';
export { cleanseAndIndex, sourceLabel } from './cleanse.js';
export type { HostCheckFailure, HttpFetchOptions, HttpFetchResult, LookupFn } from './http/index.js';
export { checkHost, HostCheckError, httpFetch, isInternalAddress, MAX_REDIRECTS } from './http/index.js';
export { compareIds, sortIds } from './ids.js';
export { sha256Hex, sha256OfFile, verifySha256, verifySha256Digest } from './integrity.js';
export type { FetchRecipe, RunContext, SourceFactory } from './interactions.js';
export { fetchContextFor, fetchInteractions, fetchSourceTable } from './interactions.js';
export {
  bqRequireStorageApi,
  httpAllowPrivate,
  httpTimeoutSeconds,
  maxDownloadBytes,
  maxSqlRows,
  metadataFieldDeny,
  sqlAllowPrivate,
} from './limits.js';
export type { ItemMetadataSource, LoadItemMetadataOptions, MetadataErrorReason, MetadataValue } from './metadata.js';
export { ItemMetadata, loadItemMetadata, MetadataError } from './metadata.js';
export type { MetadataColumnCheck, MetadataColumnSpec } from './metadata-columns.js';
export { checkMetadataColumns } from './metadata-columns.js';
export { pyFloatRepr, pyStr } from './pyformat.js';
export type { SourceRegistry, SourceRegistryOptions } from './sources/registry.js';
export { buildSourceRegistry, getSourceRegistry, resetSourceRegistryForTests } from './sources/registry.js';
export { missingColumnError } from './sources/required-columns.js';
export type { DataSource, DataSourcePlugin, FetchContext, PluginColumns, PluginSource } from './sources/types.js';
export { type RemoteArtifactStore, remoteArtifactStore } from './storage/artifact-store.js';
export type { ObjectStat, ObjectStore, StoreErrorKind, StoreKind } from './storage/index.js';
export {
  checkSizeCap,
  openStore,
  readBoundedBytes,
  SizeCheckError,
  StoreError,
  writeFileAtomic,
} from './storage/index.js';
export type { BoolColumn, CellValue, Column, ColumnType, DictColumn, NumberColumn, ValueColumn } from './table.js';
export {
  BOOL_NULL,
  ColumnBuilder,
  cellAt,
  columnLength,
  gatherColumn,
  InteractionTable,
  isNullAt,
  isNullValue,
} from './table.js';
export type { TimeUnit } from './time.js';
export { parseIsoToMs } from './time.js';
export { isHttpUrl, isLocalPath, isObjectStoreUri, localPathOf, redactUrl, schemeOf } from './uri.js';
