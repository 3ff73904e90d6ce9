/**
 * Finding third-party data-source plugins: npm packages whose
 * package.json declares `"recotem": {"datasources": {"<entry>": "<module>#<export>"}}`, found in the
 * node_modules folders on recotem's resolution path, then `RECOTEM_PLUGINS` entries.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

/** One declared plugin, not yet imported. */
export interface PluginEntry {
  /** Entry name for messages (package entry key, or the `RECOTEM_PLUGINS` item). */
  readonly entryName: string;
  /** Where the plugin lives, for messages: `<package>:<module>#<export>` or the env item. */
  readonly target: string;
  /** Imports the module and returns the named export. */
  load(): Promise<unknown>;
}

/** The directory holding recotem's own package.json. */
export function recotemPackageRoot(): string {
  let dir = path.dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const manifest = path.join(dir, 'package.json');
    if (existsSync(manifest)) {
      try {
        // Synchronous on purpose: runs once per process while the registry is built.
        const name = JSON.parse(readFileSync(manifest, 'utf8')).name;
        if (name === 'recotem') return dir;
      } catch {
        // Not a readable manifest: keep climbing.
      }
    }
    const parent = path.dirname(dir);
    if (parent === dir) return process.cwd();
    dir = parent;
  }
}

/** `<root>/node_modules`, `<parent>/node_modules`, ... — the folders Node searches from `root`. */
export function nodeModulesDirs(root: string): string[] {
  const dirs: string[] = [];
  let dir = path.resolve(root);
  for (;;) {
    if (path.basename(dir) !== 'node_modules') {
      const candidate = path.join(dir, 'node_modules');
      if (existsSync(candidate)) dirs.push(candidate);
    }
    const parent = path.dirname(dir);
    if (parent === dir) return dirs;
    dir = parent;
  }
}

/** Splits `module#export`; without `#` the default export is meant. */
export function splitSpecifier(spec: string): { module: string; exportName: string } {
  const hash = spec.lastIndexOf('#');
  if (hash <= 0) return { module: spec, exportName: 'default' };
  return { module: spec.slice(0, hash), exportName: spec.slice(hash + 1) || 'default' };
}

async function importExport(url: string, exportName: string): Promise<unknown> {
  const mod = (await import(url)) as Record<string, unknown>;
  if (!(exportName in mod)) throw new Error(`module has no export named '${exportName}'`);
  return mod[exportName];
}

interface PackageManifest {
  name?: unknown;
  recotem?: { datasources?: unknown };
}

/**
 * Only manifests that mention recotem can declare plugins, so the others are not parsed: most of
 * the scan's cost was parsing every dependency's package.json (some are tens of KiB).
 */
function readManifest(dir: string): PackageManifest | undefined {
  try {
    const text = readFileSync(path.join(dir, 'package.json'), 'utf8');
    return text.includes('recotem') ? (JSON.parse(text) as PackageManifest) : {};
  } catch {
    return undefined;
  }
}

/** Package folders directly in a node_modules folder, scoped ones included. */
function packageDirs(nodeModules: string): string[] {
  let names: string[];
  try {
    names = readdirSync(nodeModules);
  } catch {
    return [];
  }
  const dirs: string[] = [];
  for (const name of names) {
    if (name.startsWith('.')) continue;
    if (name.startsWith('@')) {
      let scoped: string[] = [];
      try {
        scoped = readdirSync(path.join(nodeModules, name));
      } catch {
        // Not a folder.
      }
      for (const child of scoped) if (!child.startsWith('.')) dirs.push(path.join(nodeModules, name, child));
    } else {
      dirs.push(path.join(nodeModules, name));
    }
  }
  return dirs;
}

/**
 * Plugin entries of every package in `nodeModulesFolders` that declares some, sorted by package name.
 * A package found in several folders counts once: the nearest one, as Node would resolve it.
 */
export async function discoverPackagePlugins(nodeModulesFolders: readonly string[]): Promise<PluginEntry[]> {
  const byPackage = new Map<string, { dir: string; datasources: Record<string, unknown> }>();
  for (const folder of nodeModulesFolders) {
    // Synchronous reads: one pass over a few hundred small files, once per process. Through
    // fs/promises each file cost four thread-pool round trips and took about four times the CPU.
    const dirs = packageDirs(folder);
    const manifests = dirs.map(readManifest);
    dirs.forEach((dir, i) => {
      const manifest = manifests[i];
      const datasources = manifest?.recotem?.datasources;
      const name = typeof manifest?.name === 'string' ? manifest.name : path.basename(dir);
      if (name === 'recotem' || byPackage.has(name)) return;
      if (typeof datasources === 'object' && datasources !== null && !Array.isArray(datasources)) {
        byPackage.set(name, { dir, datasources: datasources as Record<string, unknown> });
      }
    });
  }
  const entries: PluginEntry[] = [];
  for (const name of [...byPackage.keys()].sort()) {
    const { dir, datasources } = byPackage.get(name)!;
    for (const [entryName, value] of Object.entries(datasources)) {
      const target = `${name}:${String(value)}`;
      entries.push({
        entryName,
        target,
        load: async () => {
          if (typeof value !== 'string' || value === '') throw new Error('the entry must be "<module path>#<export>"');
          const { module, exportName } = splitSpecifier(value);
          const file = path.resolve(dir, module);
          if (path.relative(dir, file).startsWith('..')) throw new Error(`module path '${module}' leaves the package`);
          return importExport(pathToFileURL(file).href, exportName);
        },
      });
    }
  }
  return entries;
}

/** `RECOTEM_PLUGINS`: comma-separated `module#export`; paths are absolute or relative to `cwd`. */
export function pluginsFromEnv(value: string | undefined, cwd: string): PluginEntry[] {
  if (!value) return [];
  return value
    .split(',')
    .map((item) => item.trim())
    .filter((item) => item !== '')
    .map((item) => ({
      entryName: item,
      target: item,
      load: async () => {
        const { module, exportName } = splitSpecifier(item);
        let url: string;
        if (module.startsWith('file:')) url = module;
        else if (path.isAbsolute(module)) url = pathToFileURL(module).href;
        else if (module.startsWith('./') || module.startsWith('../'))
          url = pathToFileURL(path.resolve(cwd, module)).href;
        else url = module;
        return importExport(url, exportName);
      },
    }));
}
