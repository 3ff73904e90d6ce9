/**
 * The data-source plugin registry: built-ins, then plugin packages, then
 * `RECOTEM_PLUGINS`; contracts validated, duplicate type names fatal, built once per process.
 * It implements the recipe layer's `SourceTypeLookup`.
 */
import { createRequire } from 'node:module';
import { DataSourceError, errorMessage, RecotemError } from '../../errors/index.js';
import { getLogger } from '../../log/index.js';
import type { SourceConfig, SourceTypeLookup } from '../../recipe/index.js';
import { type CellValue, InteractionTable } from '../table.js';
import { BUILTIN_PLUGINS, type BuiltinPlugin } from './builtins.js';
import {
  discoverPackagePlugins,
  nodeModulesDirs,
  type PluginEntry,
  pluginsFromEnv,
  recotemPackageRoot,
} from './discovery.js';
import type { DataSource, DataSourcePlugin, FetchContext, PluginSource, RegisteredPlugin } from './types.js';

const log = getLogger('recotem.datasource');

const CONTRACT_DOC = 'see examples/plugin-echo/README.md for the plugin contract';

export interface SourceRegistry extends SourceTypeLookup {
  get(type: string): RegisteredPlugin | undefined;
  /** The plugin for `type`, or `DataSourceError("Unknown DataSource type ...")`. */
  require(type: string): RegisteredPlugin;
  /** Type names in registration order. */
  knownTypes(): string[];
  plugins(): readonly RegisteredPlugin[];
  /** Builds the source for a validated config (`recipe.source`). */
  createSource(config: SourceConfig): Promise<DataSource>;
}

export interface SourceRegistryOptions {
  /** Environment holding `RECOTEM_PLUGINS` (default `process.env`). */
  readonly env?: Readonly<Record<string, string | undefined>>;
  /** node_modules folders to scan (default: those on recotem's own resolution path). */
  readonly nodeModulesDirs?: readonly string[];
  /** Base for relative `RECOTEM_PLUGINS` paths (default `process.cwd()`). */
  readonly cwd?: string;
  /** Whether a package can be imported; tests use it to simulate a missing driver. */
  readonly isModuleAvailable?: (specifier: string) => boolean;
}

const requireFromHere = createRequire(import.meta.url);

function defaultIsModuleAvailable(specifier: string): boolean {
  try {
    requireFromHere.resolve(specifier);
    return true;
  } catch (err) {
    // Present but without a CommonJS entry point still counts as installed.
    return (err as NodeJS.ErrnoException).code !== 'MODULE_NOT_FOUND';
  }
}

function typeNameOfValue(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'Array';
  if (typeof value === 'object') return (value as object).constructor?.name ?? 'Object';
  return typeof value;
}

/** Checks the contract; returns the plugin in object form (class plugins are adapted). */
function validateContract(candidate: unknown): DataSourcePlugin {
  if ((typeof candidate !== 'object' && typeof candidate !== 'function') || candidate === null) {
    throw new Error(`the export is a ${typeNameOfValue(candidate)}, not a plugin object or class`);
  }
  const plugin = candidate as Record<string, unknown> & { prototype?: Record<string, unknown> };
  if (!('typeName' in plugin)) throw new Error('missing typeName');
  if (typeof plugin.typeName !== 'string' || plugin.typeName === '')
    throw new Error('typeName must be a non-empty string');
  if (!('configSchema' in plugin) || plugin.configSchema == null) throw new Error('missing configSchema');
  if (typeof (plugin.configSchema as { safeParse?: unknown }).safeParse !== 'function') {
    throw new Error('configSchema must be a zod schema (an object with safeParse)');
  }
  if (!('extrasRequired' in plugin)) throw new Error('missing extrasRequired');
  if (!Array.isArray(plugin.extrasRequired)) {
    throw new Error(`extrasRequired must be an array, got ${typeNameOfValue(plugin.extrasRequired)}`);
  }
  if (!('noExpandFields' in plugin)) throw new Error('missing noExpandFields');
  if (!(plugin.noExpandFields instanceof Set)) {
    throw new Error(`noExpandFields must be a Set, got ${typeNameOfValue(plugin.noExpandFields)}`);
  }
  let create: (config: unknown) => unknown;
  if (typeof plugin.create === 'function') {
    create = (config) => (plugin.create as (c: unknown) => unknown).call(plugin, config);
  } else if (typeof candidate === 'function' && plugin.prototype && 'fetch' in plugin.prototype) {
    if (typeof plugin.prototype.fetch !== 'function') throw new Error('fetch is not callable');
    const Ctor = candidate as new (config: unknown) => unknown;
    create = (config) => new Ctor(config);
  } else if (typeof candidate === 'function') {
    throw new Error('fetch is missing: the class has no fetch method and no static create');
  } else {
    throw new Error('create is missing or not callable');
  }
  return {
    typeName: plugin.typeName,
    configSchema: plugin.configSchema as DataSourcePlugin['configSchema'],
    extrasRequired: plugin.extrasRequired as string[],
    noExpandFields: plugin.noExpandFields as ReadonlySet<string>,
    create: create as DataSourcePlugin['create'],
  };
}

/** Errors a plain-JS plugin marks with `code: 'datasource_error'` become real `DataSourceError`s. */
async function guarded<T>(action: () => Promise<T> | T): Promise<T> {
  try {
    return await action();
  } catch (err) {
    if (
      !(err instanceof RecotemError) &&
      err instanceof Error &&
      (err as { code?: unknown }).code === 'datasource_error'
    ) {
      throw new DataSourceError(err.message, { cause: err });
    }
    throw err;
  }
}

function toTable(result: unknown, typeName: string): InteractionTable {
  if (result instanceof InteractionTable) return result;
  const columns = (result as { columns?: unknown } | null)?.columns;
  if (typeof columns === 'object' && columns !== null && !Array.isArray(columns)) {
    try {
      return InteractionTable.fromColumns(columns as Record<string, readonly CellValue[]>);
    } catch (err) {
      throw new DataSourceError(`DataSource '${typeName}' returned unusable columns: ${errorMessage(err)}`, {
        cause: err,
      });
    }
  }
  throw new DataSourceError(
    `DataSource '${typeName}' returned ${typeNameOfValue(result)} from fetch(); expected an InteractionTable or {columns: {...}}`,
  );
}

/** Wraps what a plugin's `create` returned into a `DataSource` with the contract enforced. */
function normaliseSource(raw: unknown, typeName: string): DataSource {
  const source = raw as Partial<PluginSource> | null;
  if (typeof source !== 'object' || source === null || typeof source.fetch !== 'function') {
    throw new DataSourceError(
      `DataSource plugin '${typeName}' created a source without a callable fetch() (${CONTRACT_DOC})`,
    );
  }
  const wrapped: DataSource = {
    fetch: async (ctx: FetchContext) => toTable(await guarded(() => source.fetch!(ctx)), typeName),
  };
  if (typeof source.probe === 'function') wrapped.probe = () => guarded(() => source.probe!());
  const columns = (source as DataSource).columns;
  if (typeof columns === 'function') wrapped.columns = () => guarded(() => columns.call(source));
  if (typeof source.close === 'function') wrapped.close = () => guarded(() => source.close!());
  return wrapped;
}

function registered(plugin: DataSourcePlugin, entryName: string, target: string, builtin: boolean): RegisteredPlugin {
  const { typeName } = plugin;
  return Object.freeze({
    typeName,
    configSchema: plugin.configSchema,
    extrasRequired: Object.freeze([...plugin.extrasRequired]),
    noExpandFields: plugin.noExpandFields,
    entryName,
    target,
    builtin,
    create: async (config: unknown) => normaliseSource(await guarded(() => plugin.create(config)), typeName),
  });
}

class PluginRegistry implements SourceRegistry {
  private readonly byType = new Map<string, RegisteredPlugin>();

  add(plugin: RegisteredPlugin): void {
    const existing = this.byType.get(plugin.typeName);
    if (existing) {
      throw new DataSourceError(
        `Duplicate DataSource type '${plugin.typeName}': registered by '${existing.target}' and by '${plugin.target}'. ` +
          'Each plugin type name must be unique.',
      );
    }
    this.byType.set(plugin.typeName, plugin);
    log.debug('datasource_plugin_registered', {
      type_name: plugin.typeName,
      entry: plugin.entryName,
      target: plugin.target,
      builtin: plugin.builtin,
    });
  }
  get(type: string): RegisteredPlugin | undefined {
    return this.byType.get(type);
  }
  require(type: string): RegisteredPlugin {
    const plugin = this.byType.get(type);
    if (!plugin) {
      const known = [...this.byType.keys()].sort().map((t) => `'${t}'`);
      throw new DataSourceError(`Unknown DataSource type '${type}'. Known types: [${known.join(', ')}].`);
    }
    return plugin;
  }
  knownTypes(): string[] {
    return [...this.byType.keys()];
  }
  plugins(): readonly RegisteredPlugin[] {
    return [...this.byType.values()];
  }
  async createSource(config: SourceConfig): Promise<DataSource> {
    return this.require(config.type).create(config);
  }
}

function registerBuiltin(registry: PluginRegistry, builtin: BuiltinPlugin, available: (s: string) => boolean): void {
  if (builtin.requiresAnyOf.length > 0 && !builtin.requiresAnyOf.some(available)) {
    log.warn('datasource_builtin_skipped', {
      type_name: builtin.typeName,
      module: builtin.module,
      hint: builtin.hint,
      error: `ERR_MODULE_NOT_FOUND: none of ${builtin.requiresAnyOf.join(', ')} can be imported`,
    });
    return;
  }
  registry.add(registered(builtin, builtin.typeName, `recotem:builtin/${builtin.typeName}`, true));
}

async function registerEntry(registry: PluginRegistry, entry: PluginEntry): Promise<void> {
  let exported: unknown;
  try {
    exported = await entry.load();
  } catch (err) {
    throw new DataSourceError(
      `Failed to load DataSource plugin '${entry.entryName}' from '${entry.target}': ${errorMessage(err)}`,
      { cause: err },
    );
  }
  let plugin: DataSourcePlugin;
  try {
    plugin = validateContract(exported);
  } catch (err) {
    throw new DataSourceError(
      `DataSource plugin '${entry.entryName}' from '${entry.target}' failed contract validation: ${errorMessage(err)} (${CONTRACT_DOC})`,
    );
  }
  registry.add(registered(plugin, entry.entryName, entry.target, false));
}

/** Builds a fresh registry (no caching): built-ins, plugin packages, then `RECOTEM_PLUGINS`. */
export async function buildSourceRegistry(opts: SourceRegistryOptions = {}): Promise<SourceRegistry> {
  const registry = new PluginRegistry();
  const available = opts.isModuleAvailable ?? defaultIsModuleAvailable;
  for (const builtin of BUILTIN_PLUGINS) registerBuiltin(registry, builtin, available);
  const folders = opts.nodeModulesDirs ?? nodeModulesDirs(recotemPackageRoot());
  for (const entry of await discoverPackagePlugins(folders)) await registerEntry(registry, entry);
  const env = opts.env ?? process.env;
  for (const entry of pluginsFromEnv(env.RECOTEM_PLUGINS, opts.cwd ?? process.cwd())) {
    await registerEntry(registry, entry);
  }
  return registry;
}

let cached: Promise<SourceRegistry> | undefined;

/** The process-wide registry, built on first use; a failed build is not cached. */
export function getSourceRegistry(opts: SourceRegistryOptions = {}): Promise<SourceRegistry> {
  if (!cached) {
    const building = buildSourceRegistry(opts);
    cached = building;
    building.catch(() => {
      if (cached === building) cached = undefined;
    });
  }
  return cached;
}

export function resetSourceRegistryForTests(): void {
  cached = undefined;
}
