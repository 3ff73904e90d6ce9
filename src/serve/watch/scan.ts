/**
 * Recipes-directory rescan: new YAML files register a stub that the
 * poll in the same cycle loads; deleted or renamed recipes leave the registry; a YAML file that
 * stops parsing keeps its recipe serving with an error annotation. Unlike the original, an edited
 * recipe whose artifact path, metadata or serving settings changed is reloaded (Improve).
 */
import { readdir, realpath, stat } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { errorClassName, errorMessage, isFatalRuntimeError } from '../../errors/index.js';
import { getLogger } from '../../log/index.js';
import { loadRecipe } from '../../recipe/loader.js';
import type { Recipe } from '../../recipe/types.js';
import { sanitizeLoadError } from '../loading/errors.js';
import { targetChanged, targetOf } from './state.js';
import type { RecipeSupervisor } from './supervisor.js';

const log = getLogger('recotem.serve.watcher');
const DIR_SCAN_ERROR = 'recipes-dir scan failed';

interface CachedFile {
  mtimeMs: number;
  /** The recipe name this file produced when it last parsed (kept across later parse failures). */
  name: string | null;
}

type Listing = { file: string; mtimeMs: number }[];

async function listYamlFiles(dir: string): Promise<Listing> {
  const entries = await readdir(dir, { withFileTypes: true });
  const out: Listing = [];
  for (const entry of entries) {
    if (!entry.name.endsWith('.yaml')) continue;
    const file = join(dir, entry.name);
    if (!entry.isFile() && !entry.isSymbolicLink()) continue;
    try {
      const st = await stat(file);
      if (st.isFile()) out.push({ file, mtimeMs: st.mtimeMs });
    } catch {
      // Vanished between listing and stat, or a dangling link: not a recipe this cycle.
    }
  }
  return out.sort((a, b) => (a.file < b.file ? -1 : a.file > b.file ? 1 : 0));
}

export class RecipesDirScanner {
  private readonly cache = new Map<string, CachedFile>();
  /** The directory as the recipe loader resolved it (symlinks followed), so file paths compare equal. */
  private root: string;

  constructor(private readonly sup: RecipeSupervisor) {
    this.root = sup.recipesDir;
  }

  /** Seed the cache from the startup load so the first rescan does not re-parse everything. */
  async prime(): Promise<void> {
    this.root = await realpath(this.sup.recipesDir).catch(() => this.sup.recipesDir);
    for (const { file, mtimeMs } of await listYamlFiles(this.root).catch(() => [])) {
      const name = [...this.sup.watches.entries()].find(([, w]) => w.file === file)?.[0] ?? null;
      this.cache.set(file, { mtimeMs, name });
    }
  }

  async scan(): Promise<void> {
    const sup = this.sup;
    let listing: Listing;
    try {
      listing = await listYamlFiles(this.root);
    } catch (err) {
      if (isFatalRuntimeError(err)) throw err;
      const errorClass = errorClassName(err);
      log.error('recipes_dir_scan_error', { error: errorMessage(err), error_class: errorClass });
      sup.metrics.dirScanFailures.inc({ error_class: `dir_iter_${errorClass}` });
      const text = sanitizeLoadError(`${DIR_SCAN_ERROR}: ${errorMessage(err)}`);
      for (const name of sup.registry.names()) {
        sup.registry.setLoadError(name, text);
        sup.metrics.recordLoadFailure(name, 'dir_scan');
      }
      return;
    }

    // The directory lists again: an earlier listing failure is over.
    for (const entry of sup.registry.list()) {
      if (entry.lastLoadError?.startsWith(DIR_SCAN_ERROR)) sup.registry.setLoadError(entry.name, null);
    }
    const namesBefore = new Set(sup.registry.names());
    const found = new Set<string>();
    const present = new Set(listing.map((l) => l.file));
    for (const { file, mtimeMs } of listing) {
      const cached = this.cache.get(file);
      if (cached && cached.mtimeMs === mtimeMs) {
        if (cached.name !== null) found.add(cached.name);
        const stub = sup.yamlStubs.get(file);
        if (stub !== undefined) found.add(stub);
        continue;
      }
      let recipe: Recipe | null = null;
      let failure: unknown = null;
      try {
        recipe = await loadRecipe(file, { registry: sup.sourceRegistry, recipesRoot: this.root });
        const owner = sup.watches.get(recipe.name)?.file;
        if (found.has(recipe.name) || (owner !== undefined && owner !== null && owner !== file && present.has(owner))) {
          throw new Error(`Duplicate recipe name '${recipe.name}' found in '${file}'`);
        }
      } catch (err) {
        if (isFatalRuntimeError(err)) throw err;
        recipe = null;
        failure = err;
      }
      if (recipe !== null) {
        this.cache.set(file, { mtimeMs, name: recipe.name });
        this.adopt(recipe, file);
        found.add(recipe.name);
      } else {
        this.parseFailed(file, mtimeMs, cached, failure, found);
      }
    }

    for (const name of namesBefore) {
      if (!found.has(name) && sup.registry.has(name)) {
        sup.removeRecipe(name);
        for (const [file, stub] of sup.yamlStubs) if (stub === name) sup.yamlStubs.delete(file);
      }
    }
    for (const file of [...this.cache.keys()]) if (!present.has(file)) this.cache.delete(file);
    for (const file of [...sup.yamlStubs.keys()]) if (!present.has(file)) sup.yamlStubs.delete(file);
    sup.refreshActiveGauge();
  }

  /** A file parsed: a new recipe, a recovered YAML stub, or an edit of a known recipe. */
  private adopt(recipe: Recipe, file: string): void {
    const sup = this.sup;
    const watch = sup.watches.get(recipe.name);
    const stubName = sup.yamlStubs.get(file);
    if (stubName !== undefined) {
      sup.yamlStubs.delete(file);
      if (stubName === recipe.name) {
        log.info('recipe_yaml_failure_recovered', { name: recipe.name, file });
        sup.registerRecipe(recipe, file);
        return;
      }
    }
    if (watch === undefined) {
      log.info('recipe_discovered', { name: recipe.name });
      sup.registerRecipe(recipe, file);
      return;
    }
    watch.file = file;
    const next = targetOf(recipe);
    if (targetChanged(watch.target, next)) {
      log.info('recipe_config_changed', { name: recipe.name });
      watch.target = next;
      watch.forceReload = true;
      watch.marker = null;
      watch.failedMarker = null;
    }
    // A rescan parse error for this recipe is over.
    const entry = sup.registry.get(recipe.name);
    if (entry?.lastLoadError?.startsWith('recipe YAML parse error on rescan'))
      sup.registry.setLoadError(recipe.name, null);
  }

  private parseFailed(
    file: string,
    mtimeMs: number,
    cached: CachedFile | undefined,
    err: unknown,
    found: Set<string>,
  ): void {
    const sup = this.sup;
    sup.metrics.dirScanFailures.inc({ error_class: errorClassName(err) });
    const stem = basename(file).replace(/\.yaml$/, '');
    const known = cached?.name ?? (sup.watches.has(stem) ? stem : null);
    if (known !== null && sup.registry.has(known)) {
      this.cache.set(file, { mtimeMs, name: known });
      found.add(known);
      sup.registry.setLoadError(known, sanitizeLoadError(`recipe YAML parse error on rescan: ${errorMessage(err)}`));
      sup.metrics.rescanErrors.inc({ recipe: known });
      log.warn('recipe_rescan_load_error', { name: known, file, error: sanitizeLoadError(errorMessage(err)) });
      return;
    }
    const previousStub = sup.yamlStubs.get(file);
    if (previousStub !== undefined && sup.registry.has(previousStub)) {
      this.cache.set(file, { mtimeMs, name: null });
      found.add(previousStub);
      sup.registry.setLoadError(previousStub, sanitizeLoadError(`YAML parse failed: ${errorMessage(err)}`));
      return;
    }
    const name = sup.registerYamlStub(file, err);
    this.cache.set(file, { mtimeMs, name: null });
    found.add(name);
    log.warn('recipe_yaml_parse_failed_on_rescan_new_file', {
      file,
      name,
      error: sanitizeLoadError(errorMessage(err)),
    });
  }
}
