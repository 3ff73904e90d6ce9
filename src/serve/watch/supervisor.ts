/**
 * Owns the registry's lifecycle: the initial parallel load and the
 * per-recipe watch state the watcher cycles over. All registry mutations happen here, on the
 * event loop, as whole-entry replacements.
 */
import { basename } from 'node:path';
import { performance } from 'node:perf_hooks';
import { errorClassName, errorMessage, isFatalRuntimeError } from '../../errors/index.js';
import { getLogger } from '../../log/index.js';
import { loadRecipesDirectoryLenient } from '../../recipe/directory.js';
import type { Recipe, SourceTypeLookup } from '../../recipe/types.js';
import { INITIAL_EVENT, sanitizeLoadError } from '../loading/errors.js';
import { type LoadDeps, type LoadResult, loadRecipeArtifact } from '../loading/load.js';
import type { ServeMetrics } from '../metrics/metrics.js';
import { type ModelEntry, stubEntry } from '../registry/entry.js';
import type { ModelRegistry } from '../registry/registry.js';
import { newWatch, type RecipeWatch, STAT_ERROR_MARKER, statMarker, targetOf } from './state.js';

const log = getLogger('recotem.serve.loader');

export interface SupervisorOptions {
  registry: ModelRegistry;
  metrics: ServeMetrics;
  deps: LoadDeps;
  recipesDir: string;
  /** Registered source types; a promise lets the caller start building it while the app starts. */
  sourceRegistry: SourceTypeLookup | Promise<SourceTypeLookup>;
  /** null = auto: min(#parsed recipes, 8). */
  startupParallelism: number | null;
}

/** Run `fn` over `items` with at most `limit` in flight. */
export async function promisePool<T>(
  items: readonly T[],
  limit: number,
  fn: (item: T) => Promise<void>,
): Promise<void> {
  let next = 0;
  const runners = Array.from({ length: Math.max(1, Math.min(limit, items.length)) }, async () => {
    while (next < items.length) await fn(items[next++]);
  });
  await Promise.all(runners);
}

export class RecipeSupervisor {
  readonly registry: ModelRegistry;
  readonly metrics: ServeMetrics;
  readonly deps: LoadDeps;
  readonly recipesDir: string;
  /** Set by initialLoad (the lookup resolved); read by the rescans that follow it. */
  sourceRegistry!: SourceTypeLookup;
  private readonly sourceRegistryPending: SourceTypeLookup | Promise<SourceTypeLookup>;
  readonly watches = new Map<string, RecipeWatch>();
  /** YAML file → the name of the stub registered for its parse failure. */
  readonly yamlStubs = new Map<string, string>();
  private readonly startupParallelism: number | null;

  constructor(opts: SupervisorOptions) {
    this.registry = opts.registry;
    this.metrics = opts.metrics;
    this.deps = opts.deps;
    this.recipesDir = opts.recipesDir;
    this.sourceRegistryPending = opts.sourceRegistry;
    this.startupParallelism = opts.startupParallelism;
    this.registry.addListener({
      onRemove: (entry) => {
        if (entry.loaded) this.deps.executor.detach(entry.modelKey);
      },
      onReplace: (entry, old) => {
        if (old?.loaded && old.modelKey !== entry.modelKey) this.deps.executor.detach(old.modelKey);
      },
      onDivergence: () => this.metrics.stateDivergence.inc(),
    });
  }

  refreshActiveGauge(): void {
    this.metrics.activeRecipes.set(this.registry.loadedCount());
  }

  /** A stub for a YAML file that did not parse, named after the file stem (`_1`, `_2`… if taken). */
  registerYamlStub(file: string, error: unknown): string {
    const stem = basename(file).replace(/\.yaml$/, '');
    let name = stem;
    for (let i = 1; this.registry.has(name); i++) name = `${stem}_${i}`;
    const text = sanitizeLoadError(`YAML parse failed: ${errorMessage(error)}`);
    this.registry.replace(stubEntry(name, '', text));
    this.yamlStubs.set(file, name);
    this.metrics.recordLoadFailure(name, 'yaml');
    this.metrics.modelLoaded.set({ recipe: name }, 0);
    return name;
  }

  /** Register a parsed recipe as a not-yet-loaded stub with its watch state. */
  registerRecipe(recipe: Recipe, file: string | null): RecipeWatch {
    const watch = newWatch(targetOf(recipe), file);
    this.watches.set(recipe.name, watch);
    this.registry.replace(stubEntry(recipe.name, recipe.output.path, null, watch.target.serving));
    return watch;
  }

  removeRecipe(name: string): void {
    log.info('recipe_removed', { name });
    this.registry.remove(name);
    this.watches.delete(name);
    this.metrics.modelLoaded.set({ recipe: name }, 0);
    this.metrics.forgetRecipe(name);
  }

  /** Stat first, then load: a change after the stat shows up as a new marker next cycle. */
  async loadWithMarker(
    watch: RecipeWatch,
    skipIfSha: string | null,
  ): Promise<{ result: LoadResult; marker: string | null }> {
    const stat = await statMarker(watch.target.artifactPath, this.deps.remoteStores);
    const marker = stat.kind === 'present' ? stat.marker : stat.kind === 'error' ? STAT_ERROR_MARKER : null;
    const result = await loadRecipeArtifact(watch.target, this.deps, skipIfSha);
    return { result, marker };
  }

  /** Install a successful load: fresh entry, marker and SHA recorded in one step. */
  installLoaded(watch: RecipeWatch, entry: ModelEntry, marker: string | null): void {
    this.registry.replace(entry);
    watch.marker = marker;
    watch.loadedSha = entry.sha256;
    watch.failedMarker = null;
    watch.forceReload = false;
    watch.artifactError = false;
    watch.absentReported = false;
    watch.statErrorClasses.clear();
    watch.deserializeStreak = 0;
    this.metrics.modelLoaded.set({ recipe: entry.name }, 1);
  }

  async initialLoad(): Promise<void> {
    const started = performance.now();
    this.sourceRegistry = await this.sourceRegistryPending;
    const results = await loadRecipesDirectoryLenient(this.recipesDir, { registry: this.sourceRegistry });
    let failedYaml = 0;
    const parsed: { recipe: Recipe; file: string }[] = [];
    for (const r of results) {
      if (r.recipe !== null) parsed.push({ recipe: r.recipe, file: r.path });
    }
    // Parsed names first, so a YAML stub never takes a real recipe's name.
    for (const { recipe, file } of parsed) this.registerRecipe(recipe, file);
    for (const r of results) {
      if (r.recipe !== null) continue;
      const name = this.registerYamlStub(r.path, r.error);
      failedYaml++;
      log.warn('recipe_yaml_parse_failed_at_startup', {
        file: r.path,
        name,
        error: sanitizeLoadError(errorMessage(r.error)),
      });
    }
    const workers = this.startupParallelism ?? Math.max(1, Math.min(parsed.length, 8));
    let succeeded = 0;
    let failed = 0;
    await promisePool(parsed, workers, async ({ recipe }) => {
      const watch = this.watches.get(recipe.name);
      if (!watch) return;
      try {
        const { result, marker } = await this.loadWithMarker(watch, null);
        if (result.kind === 'loaded') {
          this.installLoaded(watch, result.entry, marker);
          succeeded++;
          log.info('recipe_loaded', {
            name: recipe.name,
            kid: result.entry.kid,
            trained_at: result.entry.header.trained_at,
            best_class: result.entry.header.best_class,
          });
          return;
        }
        if (result.kind === 'failed') {
          failed++;
          this.recordStartupFailure(watch, result, marker);
        }
      } catch (err) {
        if (isFatalRuntimeError(err)) throw err;
        failed++;
        this.recordStartupFailure(
          watch,
          {
            kind: 'failed',
            reason: 'unexpected',
            error: sanitizeLoadError(`unexpected error: ${errorMessage(err)}`),
            kid: null,
            kidFailure: null,
          },
          null,
        );
        log.error('recipe_load_unexpected_error', { name: recipe.name, exc_type: errorClassName(err) });
      }
    });
    this.refreshActiveGauge();
    log.info('startup_artifact_load_complete', {
      total_recipes: parsed.length + failedYaml,
      succeeded,
      failed: failed + failedYaml,
      wall_seconds: Math.round(performance.now() - started) / 1000,
      max_workers: workers,
    });
  }

  private recordStartupFailure(
    watch: RecipeWatch,
    result: Extract<LoadResult, { kind: 'failed' }>,
    marker: string | null,
  ): void {
    const name = watch.target.name;
    const event = INITIAL_EVENT[result.reason] ?? 'initial_artifact_read_error';
    const fields = { name, reason: result.reason, error: result.error, kid: result.kid ?? undefined };
    if (result.reason === 'hmac') log.error(event, fields);
    else log.warn(event, fields);
    this.registry.setLoadError(name, result.error);
    // Do not re-read the same bad file every cycle: retry only when its marker changes.
    watch.failedMarker = marker;
    watch.artifactError = true;
    this.metrics.recordLoadFailure(name, result.reason);
    this.metrics.modelLoaded.set({ recipe: name }, 0);
    log.warn('recipe_not_loaded_at_startup', { name, error: result.error, reason: result.reason });
  }
}
