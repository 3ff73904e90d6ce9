/**
 * `recotem train`: recipe → fetch → cleanse → split → search → refit → sign → write
 *. Every failure is logged once as `train_error` and re-thrown; the lock is
 * always released.
 */
import { randomUUID } from 'node:crypto';
import { writeFile } from 'node:fs/promises';
import type { Recommender } from '../algorithms/index.js';
import { type CanonicalClass, createRecommender, getAlgorithmSpec, validateCutoff } from '../algorithms/index.js';
import { signArtifact, writeArtifact } from '../artifact/index.js';
import { type KeyRing, loadTrainConfig, resolveTrainingKeyRing } from '../config/index.js';
import { cleanseAndIndex, type Interactions } from '../data/cleanse.js';
import { appendEventRows, readTrainingEvents } from '../data/events/index.js';
import { fetchSourceTable } from '../data/interactions.js';
import type { SourceRegistry } from '../data/sources/registry.js';
import { remoteArtifactStore } from '../data/storage/artifact-store.js';
import { errorClassName, errorMessage, exitCodeFor, MinDataViolation, TrainingError } from '../errors/index.js';
import { type CsrMatrix, csrFromCoo } from '../linalg/csr.js';
import { getLogger, type Logger } from '../log/index.js';
import { checkOutputContainment, type Recipe, recipeHash, validateForFilesystem } from '../recipe/index.js';
import { buildArtifactPayload, buildHeader } from './artifact-content.js';
import { acquireRecipeLock, type HeldLock } from './lock.js';
import { SearchProgress } from './progress.js';
import {
  applyPromotionGate,
  drawHoldout,
  encodeHoldout,
  HOLDOUT_ARRAY,
  readPublishedModel,
  withoutHoldout,
} from './promotion.js';
import { renderTrainingReport } from './report.js';
import { computeBudgets, runSearch, type SearchResult, studyNameFor, uniformSource } from './search/index.js';
import { trialClass } from './search/trial.js';
import { buildSearchSummary } from './search-summary.js';
import { type SplitResult, splitInteractions } from './split.js';

export interface TrainingOptions {
  recipe: Recipe;
  registry: SourceRegistry;
  runId?: string;
  lock?: boolean;
  failOnBusy?: boolean;
  lockTimeoutSeconds?: number;
  quiet?: boolean;
  verbose?: boolean;
  devAllowUnsigned?: boolean;
  env?: NodeJS.ProcessEnv;
  /** Write a self-contained HTML report of the run here. */
  reportPath?: string;
  /** Forces the progress mode (defaults to whether stderr is a TTY). */
  interactive?: boolean;
}

export type TrainingOutcome =
  | { status: 'skipped'; runId: string }
  | {
      status: 'trained';
      runId: string;
      artifactPath: string;
      pointerPath?: string;
      modelVersion: string;
      bestClass: string;
      bestScore: number;
      search: SearchResult;
    };

/** `YYYY-MM-DDTHH:MM:SSZ`. */
export function utcSeconds(d = new Date()): string {
  return `${d.toISOString().slice(0, 19)}Z`;
}

export async function runTraining(opts: TrainingOptions): Promise<TrainingOutcome> {
  const { recipe } = opts;
  const env = opts.env ?? process.env;
  const runId = opts.runId ?? randomUUID().replaceAll('-', '').slice(0, 12);
  const base = getLogger('recotem.train');
  const log = base.child({ recipe: recipe.name, run_id: runId });
  const started = performance.now();
  // Partial context for train_error.
  const partial: Record<string, unknown> = {};
  let lock: HeldLock | null = null;

  try {
    // 1. Signing keys before the lock and before any I/O.
    const keyRing: KeyRing = resolveTrainingKeyRing({ devAllowUnsigned: opts.devAllowUnsigned ?? false, env });
    partial.kid = keyRing[0].kid;
    const config = loadTrainConfig(env);
    validateForFilesystem(recipe.name);

    // 2. The per-recipe lock.
    if (opts.lock !== false) {
      lock = await acquireRecipeLock(recipe.output.path, {
        timeoutSeconds: opts.lockTimeoutSeconds ?? 0,
        failOnBusy: opts.failOnBusy ?? false,
        lockDir: config.lockDir,
      });
      if (lock === null) {
        log.info('recipe_lock_contended_skipping', {});
        return { status: 'skipped', runId };
      }
    }

    // 3.
    log.info('training_started', {});
    const hash = recipeHash(recipe);
    partial.recipe_hash = hash;

    // 4–5. Fetch and cleanse.
    log.info('fetching_data', {});
    const fetched = await fetchSourceTable(recipe, { recipeName: recipe.name, runId }, opts.registry);
    log.info('data_fetched', { n_rows: fetched.rowCount });
    const fromEvents = recipe.events?.include_in_training ? await readTrainingEvents(recipe) : null;
    const table = fromEvents ? appendEventRows(fetched, recipe, fromEvents.events) : fetched;
    if (fromEvents) {
      partial.n_event_rows = fromEvents.events.length;
      log.info('events_included', { n_event_rows: fromEvents.events.length, n_rows: table.rowCount });
    }
    const cleansed = cleanseAndIndex(table, recipe);
    const gate = recipe.output.promotion_gate ? await preparePromotionGate(recipe, cleansed, keyRing, log) : null;
    // With a promotion gate, the frozen holdout's pairs never reach training.
    const interactions = gate ? gate.trainData : cleansed;
    const stats = interactions.stats;
    Object.assign(partial, { n_rows: stats.n_rows, n_users: stats.n_users, n_items: stats.n_items });
    log.info('data_cleansed', { n_rows: stats.n_rows, drop_count: stats.drop_count });

    // 6. Split.
    log.info('splitting_data', {});
    const split = splitInteractions(
      {
        nRows: interactions.nRows,
        nUsers: interactions.userIds.length,
        nItems: interactions.itemIds.length,
        userIndex: interactions.userIndex,
        itemIndex: interactions.itemIndex,
        timeMs: recipe.training.split.scheme === 'random' ? null : interactions.timeMs,
      },
      {
        scheme: recipe.training.split.scheme,
        heldoutRatio: recipe.training.split.heldout_ratio,
        testUserRatio: recipe.training.split.test_user_ratio,
        random: uniformSource(recipe.training.split.seed),
        timeColumn: recipe.schema.time_column,
      },
    );
    log.info('split_done', { val_offset: split.valOffset });
    // 7. The evaluator needs at least `cutoff` items to rank.
    validateCutoff(recipe.training.cutoff, interactions.itemIds.length);

    // 8–9. Search.
    const search = await searchBestModel(recipe, runId, split, opts, log);

    // 10. Refit on all cleansed data.
    log.info('training_final_model', { recommender: search.best_class });
    const full = csrFromCoo(
      interactions.userIds.length,
      interactions.itemIds.length,
      interactions.userIndex,
      interactions.itemIndex,
    );
    const model = await refit(search, full, log);
    log.info('final_model_trained', {});
    const decision =
      gate && recipe.output.promotion_gate
        ? await applyPromotionGate({
            gate: recipe.output.promotion_gate,
            holdout: gate.holdout,
            candidate: { model, userIds: interactions.userIds, itemIds: interactions.itemIds, seen: full },
            published: gate.published,
            metric: recipe.training.metric,
            cutoff: recipe.training.cutoff,
            log,
          })
        : null;

    // 11. Header, payload, signature, write.
    const trainedAt = utcSeconds();
    const header = buildHeader({
      recipe,
      hash,
      search,
      stats,
      trainedAt,
      extra: {
        search_summary: buildSearchSummary(recipe, search, split),
        ...(decision ? { promotion: decision } : {}),
        // Serving folds in only the events received after training read the store.
        ...(fromEvents ? { n_event_rows: fromEvents.events.length, events_until_ms: fromEvents.readAtMs } : {}),
      },
    });
    const payload = buildArtifactPayload(
      model,
      interactions,
      full,
      gate ? { [HOLDOUT_ARRAY]: encodeHoldout(gate.holdout) } : {},
    );
    const bytes = signArtifact({ keyRing, header, payload });
    const written = await writeArtifact({
      outputPath: recipe.output.path,
      versioning: recipe.output.versioning,
      bytes,
      beforeRename: (destination: string) => checkOutputContainment(destination, env),
      removeStaleTemps: lock !== null,
      // Artifacts may go to object stores: the artifact layer reaches them through the data layer.
      remoteStores: remoteArtifactStore,
    });

    // 12.
    const wallSeconds = (performance.now() - started) / 1000;
    if (opts.reportPath) {
      await writeReport(opts.reportPath, {
        recipe,
        runId,
        trainedAt,
        split,
        search,
        stats: fromEvents ? { ...stats, n_event_rows: fromEvents.events.length } : stats,
        artifactPath: written.artifactPath,
        wallSeconds,
      });
    }
    base.info('train_done', {
      name: recipe.name,
      run_id: runId,
      exit_code: 0,
      artifact: written.artifactPath,
      best_class: search.best_class,
      best_score: search.best_score,
      trials: search.n_completed,
      n_orphaned: search.n_orphaned,
      trained_at: trainedAt,
      kid: keyRing[0].kid,
      recipe_hash: hash,
      n_rows: stats.n_rows,
      n_users: stats.n_users,
      n_items: stats.n_items,
      ...(fromEvents ? { n_event_rows: fromEvents.events.length } : {}),
    });
    return {
      status: 'trained',
      runId,
      artifactPath: written.artifactPath,
      pointerPath: written.pointerPath,
      modelVersion: written.modelVersion,
      bestClass: search.best_class,
      bestScore: search.best_score,
      search,
    };
  } catch (err) {
    logTrainError(base, recipe.name, runId, err, partial);
    throw err;
  } finally {
    lock?.release();
  }
}

async function preparePromotionGate(recipe: Recipe, data: Interactions, keyRing: KeyRing, log: Logger) {
  const published = await readPublishedModel(recipe.output.path, keyRing, log, remoteArtifactStore);
  const holdout =
    published?.holdout ?? drawHoldout(data, recipe.training.split.heldout_ratio, recipe.training.split.seed);
  const trainData = withoutHoldout(data, holdout);
  log.info('promotion_holdout_ready', {
    users: holdout.users.length,
    pairs: holdout.items.reduce((n, l) => n + l.length, 0),
    created: published?.holdout == null,
    published_model_version: published?.modelVersion ?? null,
  });
  return { published, holdout, trainData };
}

async function searchBestModel(
  recipe: Recipe,
  runId: string,
  split: SplitResult,
  opts: TrainingOptions,
  log: Logger,
): Promise<SearchResult> {
  const t = recipe.training;
  const budgets = computeBudgets(t.algorithms, t.n_trials, t.per_algorithm_trials);
  const context = { recipe: recipe.name, run_id: runId };
  log.info('search_started', { algorithms: [...t.algorithms], n_trials: t.n_trials });
  const progress = new SearchProgress({
    total: t.n_trials,
    quiet: opts.quiet ?? false,
    verbose: opts.verbose ?? false,
    interactive: opts.interactive,
    log,
    context,
  });
  let result: SearchResult;
  try {
    result = await runSearch({
      studyName: studyNameFor(recipe.name, runId),
      storage: t.storage_path,
      classes: t.algorithms,
      budgets,
      nTrials: t.n_trials,
      timeoutSeconds: t.timeout_seconds,
      perTrialTimeoutSeconds: t.per_trial_timeout_seconds,
      parallelism: t.parallelism,
      // Without explicit per-algorithm budgets, trials go to the classes that are winning.
      classAllocation: Object.keys(t.per_algorithm_trials ?? {}).length === 0 ? 'adaptive' : 'fixed',
      seed: t.split.seed,
      trainMatrix: split.search,
      evaluation: { groundTruth: split.groundTruth, offset: split.valOffset, cutoff: t.cutoff, metric: t.metric },
      onTrial: (ev) =>
        progress.trialFinished({
          number: ev.trial,
          state: ev.state,
          score: ev.score,
          algorithm: ev.algorithm,
          params: ev.params,
          seconds: ev.elapsedSeconds,
          fitSeconds: ev.timing.fitSeconds,
          validationSeconds: ev.timing.validationSeconds,
          epochs: ev.timing.epochs,
        }),
      context,
    });
  } catch (err) {
    progress.finish(true);
    throw err;
  }
  progress.finish(false);
  log.info('search_done', {
    best_class: result.best_class,
    best_score: result.best_score,
    n_completed: result.n_completed,
  });
  return result;
}

/** Refit: the best configuration on the whole cleansed table. */
async function refit(search: SearchResult, X: CsrMatrix, log: Logger): Promise<Recommender> {
  const spec = getAlgorithmSpec(search.best_class);
  const accepted = new Set([...Object.keys(spec.defaults), ...Object.keys(spec.searchSpace), 'train_epochs']);
  const params: Record<string, number | string | boolean | null> = {};
  const dropped: string[] = [];
  for (const [k, v] of Object.entries(search.best_params)) {
    if (accepted.has(k)) params[k] = v;
    else dropped.push(k);
  }
  if (dropped.length > 0) {
    log.warn('final_training_dropped_params', { class_name: search.best_class, dropped: dropped.sort() });
  }
  try {
    const model = createRecommender(search.best_class as CanonicalClass, X, params);
    await model.fit();
    return model;
  } catch (err) {
    if (err instanceof TrainingError) throw err;
    throw new TrainingError(
      `Final training of ${search.best_class} failed with params ${JSON.stringify(params)}: ${errorMessage(err)}`,
      'final_training_error',
      { cause: err },
    );
  }
}

async function writeReport(
  path: string,
  r: {
    recipe: Recipe;
    runId: string;
    trainedAt: string;
    split: SplitResult;
    search: SearchResult;
    stats: Interactions['stats'] & { n_event_rows?: number };
    artifactPath: string;
    wallSeconds: number;
  },
): Promise<void> {
  const ms = (iso: string | null) => (iso ? Date.parse(iso) : Number.NaN);
  const t0 = Math.min(...r.search.trials.map((t) => ms(t.startedAt)).filter(Number.isFinite));
  const html = renderTrainingReport({
    recipeName: r.recipe.name,
    runId: r.runId,
    trainedAt: r.trainedAt,
    metric: r.recipe.training.metric,
    cutoff: r.recipe.training.cutoff,
    dataStats: { ...r.stats },
    split: {
      scheme: r.recipe.training.split.scheme,
      heldoutRatio: r.recipe.training.split.heldout_ratio,
      testUserRatio: r.recipe.training.split.test_user_ratio,
      seed: r.recipe.training.split.seed,
      searchUsers: r.split.search.rows,
      validationUsers: r.split.groundTruth.rows,
      heldoutInteractions: r.split.groundTruth.indptr[r.split.groundTruth.rows],
    },
    trials: r.search.trials.map((t) => ({
      number: t.number,
      algorithm: trialClass(t) ?? 'unknown',
      state: t.state,
      score: t.state === 'COMPLETE' && t.value !== null ? -t.value : null,
      finishedAt: Math.max(0, (ms(t.finishedAt) - t0) / 1000) || 0,
      params: t.params,
    })),
    bestClass: r.search.best_class,
    bestParams: r.search.best_params,
    bestScore: r.search.best_score,
    artifactPath: r.artifactPath,
    wallSeconds: r.wallSeconds,
  });
  await writeFile(path, html);
}

function logTrainError(log: Logger, name: string, runId: string, err: unknown, partial: Record<string, unknown>): void {
  const declared = (err as { code?: unknown }).code;
  const code =
    typeof declared === 'string' && declared !== ''
      ? declared
      : err instanceof TrainingError
        ? 'training_error'
        : 'internal_error';
  const fields: Record<string, unknown> = {
    name,
    run_id: runId,
    error: errorMessage(err),
    code,
    exit_code: exitCodeFor(err),
    trained_at: utcSeconds(),
    ...partial,
  };
  if (err instanceof MinDataViolation) {
    for (const [k, v] of Object.entries(err.stats)) if (v !== null) fields[k] = v;
  }
  if (code === 'internal_error') {
    fields.error_class = errorClassName(err);
    fields.exception = err instanceof Error ? (err.stack ?? err.message) : String(err);
  }
  log.error('train_error', fields);
}
