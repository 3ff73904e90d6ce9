/**
 * The data-source plugin contract. Built-in sources and third-party packages
 * implement `DataSourcePlugin`; the registry validates the contract at discovery and hands out
 * normalised `DataSource` objects.
 */
import type { z } from 'zod';
import type { TableShape } from '../column-list.js';
import type { CellValue, InteractionTable } from '../table.js';

/** What a fetch is told about the run. */
export interface FetchContext {
  readonly recipeName: string;
  readonly runId: string;
  /** The pipeline passes the schema columns here so a source can fail early on missing ones. */
  readonly extra: Record<string, unknown>;
}

/** A configured source, ready to fetch. */
export interface DataSource {
  /** The whole table, in source row order. External/transient failures are `DataSourceError`s. */
  fetch(ctx: FetchContext): Promise<InteractionTable>;
  /** Cheap connectivity/auth check for `recotem validate`; never loads the data. */
  probe?(): Promise<void>;
  /**
   * The column names `fetch` would return, read from a file header, a Parquet schema or the
   * database's description of the query, never from the data, with `rowCount` at least 1 when a
   * data row is known to exist; null when that cannot be known cheaply (a file behind http(s) or
   * in an object store). Used by `recotem validate`.
   */
  columns?(): Promise<TableShape | null>;
  /** Releases clients or connections, if the source holds any. */
  close?(): Promise<void> | void;
}

/**
 * Plain columns a third-party plugin may return instead of an `InteractionTable` (plugins written
 * in plain JavaScript cannot always construct one); the registry converts them.
 */
export interface PluginColumns {
  readonly columns: Readonly<Record<string, readonly CellValue[]>>;
}

/** The object a plugin's `create` returns; the registry wraps it into a `DataSource`. */
export interface PluginSource {
  fetch(ctx: FetchContext): Promise<InteractionTable | PluginColumns>;
  probe?(): Promise<void>;
  close?(): Promise<void> | void;
}

export interface DataSourcePlugin<C = unknown> {
  /** The value matched against `source.type`; unique among registered plugins. */
  readonly typeName: string;
  /** Schema for the whole `source:` mapping, `type` included. */
  readonly configSchema: z.ZodType<C>;
  /** Names of optional install extras (documentation only). */
  readonly extrasRequired: readonly string[];
  /** Source-config keys never `${}`-expanded (compared case-insensitively). */
  readonly noExpandFields: ReadonlySet<string>;
  /** Builds a source from the validated config; optional-dependency checks belong here. */
  create(config: C): DataSource | PluginSource | Promise<DataSource | PluginSource>;
}

/** A plugin as the registry holds it: `create` always yields a normalised `DataSource`. */
export interface RegisteredPlugin<C = unknown> extends DataSourcePlugin<C> {
  /** Entry name (package `recotem.datasources` key, or the `RECOTEM_PLUGINS` entry). */
  readonly entryName: string;
  /** Where it came from: `recotem:builtin/csv`, `<package>/<module>#<export>`, ... */
  readonly target: string;
  readonly builtin: boolean;
  create(config: C): Promise<DataSource>;
}
