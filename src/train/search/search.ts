/**
 * The hyper-parameter search: study and session, trial loop with `parallelism`
 * concurrent trials, the trial objective, per-trial timeouts with orphan accounting and
 * the post-search checks.
 */
import type { Params } from '../../algorithms/types.js';
import type { CsrMatrix } from '../../linalg/csr.js';
import { defaultThreads } from '../../linalg/pool.js';
import { getLogger } from '../../log/index.js';
import { activeClasses, type Budgets } from './budgets.js';
import { ClassSchedule } from './class-schedule.js';
import { collectGarbage } from './collect.js';
import { fitSearchSpace } from './data-space.js';
import { InProcessExecutor, type TrialExecutor, WorkerExecutor } from './executor.js';
import { FixedHistory } from './fixed-history.js';
import {
  DEFAULT_EARLY_STOPPING,
  type EarlyStoppingOptions,
  type EvaluationInput,
  emptyTiming,
  type TrialEnvironment,
  type TrialTiming,
} from './objective.js';
import { OrphanTracker } from './orphans.js';
import { type SearchResult, summarizeSearch } from './post-search.js';
import { MedianPruner, type MedianPrunerOptions } from './pruner.js';
import { validateSearchSpace } from './space.js';
import { openStudyStore, resolveStoragePath } from './store/resolve.js';
import type { ClaimedTrial, Study, StudyStore } from './store/types.js';
import { type TpeOptions, TpeSampler } from './tpe.js';
import { CLASS_PARAM, type PrunedReason, type TrialParams, type TrialRecord } from './trial.js';
import { DEFAULT_VALIDATION_SAMPLE_USERS, sampleGroundTruth } from './validation-sample.js';

const log = getLogger('recotem.train.search');
/** How often a finished session checks whether other sessions' trials of its round are done. */
const ROUND_POLL_MS = 200;

/** One finished trial (COMPLETE or PRUNED), for the progress reporter. */
export interface TrialEvent {
  trial: number;
  /** Same as `trial` (the progress reporter's field name). */
  number: number;
  state: 'COMPLETE' | 'PRUNED';
  /** The metric score (not the objective); null when pruned. */
  score: number | null;
  algorithm: string;
  /** Sampled parameters without bookkeeping (`recommender_class_name`). */
  params: Params;
  elapsedSeconds: number;
  /** Training vs validation time and epochs run (zeros when the trial never trained). */
  timing: TrialTiming;
  reason?: PrunedReason;
}

export interface RunSearchOptions {
  /** `recotem_<recipe>_<run_id>` (see `studyNameFor`). */
  studyName: string;
  /** `training.storage_path`, or an open store the caller keeps and closes. */
  storage?: string | null | StudyStore;
  /** Resolved classes in recipe order. */
  classes: readonly string[];
  /** Output of `computeBudgets`; classes with budget 0 are dropped. */
  budgets: Budgets;
  nTrials: number;
  timeoutSeconds?: number | null;
  perTrialTimeoutSeconds?: number | null;
  parallelism?: number;
  /** `training.split.seed`. */
  seed: number;
  /** X_search: the matrix every trial trains on. */
  trainMatrix: CsrMatrix;
  evaluation: EvaluationInput;
  /** URL of the module that provides specs and the evaluator (default: the product's algorithms). */
  trialEnv?: string | URL;
  onTrial?: (ev: TrialEvent) => void;
  /** Bound to every log event (`recipe`, `run_id`). */
  context?: { recipe: string; run_id: string };
  earlyStopping?: Partial<EarlyStoppingOptions>;
  sampler?: Partial<Omit<TpeOptions, 'seed'>>;
  pruner?: MedianPrunerOptions;
  /**
   * Threads of each model's fit and of the evaluator's ranking. Default: 1 with parallel trials
   * (the trials already occupy the cores), else every core for the one trial in flight.
   */
  fitThreads?: number;
  /**
   * Validation users scored between epochs (a fixed seeded sample when there are more; 0 = all).
   * The score a trial ends with is always computed on every validation user.
   */
  validationSampleUsers?: number;
  /** Live orphaned workers that abort the search (default 32). */
  orphanCeiling?: number;
  /**
   * How a multi-algorithm search shares its trials: 'fixed' runs each class's budget in enqueued
   * blocks; 'adaptive' runs successive halving over the classes (class-schedule.ts). Adaptive
   * applies only to a fresh in-memory study (a stored or resumed one keeps the fixed budgets that
   * other sessions and later resumes count on). Default 'fixed'.
   */
  classAllocation?: 'fixed' | 'adaptive';
}

export function studyNameFor(recipe: string, runId: string): string {
  return `recotem_${recipe}_${runId}`;
}

function defaultTrialEnv(): string {
  const here = import.meta.url;
  return new URL(here.endsWith('.ts') ? './default-env.ts' : './default-env.js', here).href;
}

function withoutClass(params: TrialParams): Params {
  const out: Params = {};
  for (const [k, v] of Object.entries(params)) if (k !== CLASS_PARAM) out[k] = v;
  return out;
}

export async function runSearch(opts: RunSearchOptions): Promise<SearchResult> {
  const context = opts.context ?? { recipe: '', run_id: '' };
  const tried = activeClasses(opts.classes, opts.budgets);
  const es: EarlyStoppingOptions = { ...DEFAULT_EARLY_STOPPING, ...opts.earlyStopping };
  const perTrialTimeoutMs = opts.perTrialTimeoutSeconds ? opts.perTrialTimeoutSeconds * 1000 : undefined;

  // Unknown classes and broken search spaces fail before any storage is opened.
  const envUrl = String(opts.trialEnv ?? defaultTrialEnv());
  const env = (await import(envUrl)) as TrialEnvironment;
  for (const c of tried) validateSearchSpace(c, env.getRecommenderSpec(c).searchSpace);
  const shape = { users: opts.trainMatrix.rows, items: opts.trainMatrix.cols };
  const spaces = new Map(tried.map((c) => [c, fitSearchSpace(env.getRecommenderSpec(c).searchSpace, shape)]));

  let store: StudyStore;
  let ownsStore = false;
  if (opts.storage !== null && typeof opts.storage === 'object') {
    store = opts.storage;
  } else {
    store = await openStudyStore(resolveStoragePath(opts.storage));
    ownsStore = true;
  }
  let parallelism = Math.max(1, Math.floor(opts.parallelism ?? 1));
  if (store.kind === 'sqlite' && parallelism > 1) {
    log.warn('env_var_clamped', {
      var: 'parallelism',
      original: parallelism,
      clamped: 1,
      reason: 'SQLite study storage runs one trial at a time; use PostgreSQL storage for parallel trials',
      ...context,
    });
    parallelism = 1;
  }

  const sampler = new TpeSampler({ ...opts.sampler, seed: opts.seed });
  // The first validation never prunes: configurations that start slowly (high α₀ in IALS) are
  // often the ones that end best.
  const pruner = new MedianPruner(opts.pruner ?? { nWarmupSteps: es.validateEpoch });
  const orphans = new OrphanTracker(opts.orphanCeiling ?? 32, log, context);
  // One layer of parallelism at a time: parallel trials run single-threaded, a lone trial gets
  // every core for its fit and its validation.
  const fitThreads = opts.fitThreads ?? (parallelism > 1 ? 1 : defaultThreads());
  const sampleUsers = opts.validationSampleUsers ?? DEFAULT_VALIDATION_SAMPLE_USERS;
  const evaluation = {
    ...opts.evaluation,
    threads: opts.evaluation.threads ?? fitThreads,
    sampleGroundTruth:
      opts.evaluation.sampleGroundTruth ??
      (sampleUsers > 0 ? sampleGroundTruth(opts.evaluation.groundTruth, sampleUsers, opts.seed) : null),
  };
  // What loading and splitting the data left behind goes now, not under the first trial's peak.
  collectGarbage();
  const executor: TrialExecutor =
    parallelism === 1 && perTrialTimeoutMs === undefined
      ? new InProcessExecutor(env, opts.trainMatrix, evaluation, es, fitThreads)
      : new WorkerExecutor(envUrl, opts.trainMatrix, evaluation, es, fitThreads);

  let study: Study | null = null;
  let sessionOpen = false;
  try {
    study = await store.openStudy(opts.studyName);
    await study.beginSession({ nTrials: opts.nTrials, activeClasses: tried, budgets: opts.budgets });
    sessionOpen = true;
    const s = study;

    const schedule =
      opts.classAllocation === 'adaptive' &&
      tried.length > 1 &&
      store.kind === 'memory' &&
      (await s.trials()).length === 0
        ? new ClassSchedule({
            classes: tried,
            nTrials: opts.nTrials,
            tunable: (c) => Object.keys(spaces.get(c) ?? {}).length > 0,
          })
        : null;
    if (schedule) log.debug('class_allocation', { ...context, mode: 'adaptive' });

    // Parallel trials of an in-memory study see a fixed history (deterministic per seed and
    // parallelism); with 1 that is every earlier trial, as before. Stores shared with other
    // processes keep the live view.
    const history = new FixedHistory(
      parallelism > 1 && store.kind === 'memory' ? parallelism : 0,
      () => s.trials(),
      () => aborted,
    );

    /** `scheduled`: the class the adaptive schedule gave this trial's slot `slot`. */
    const runTrial = async (claim: ClaimedTrial, scheduled?: string, slot = -1): Promise<void> => {
      const t0 = performance.now();
      const number = claim.number;
      let params: TrialParams = {};
      const emit = (
        state: TrialEvent['state'],
        score: number | null,
        cls: string,
        reason?: PrunedReason,
        timing: TrialTiming = emptyTiming(),
      ): void => {
        schedule?.finish(slot, cls, score);
        history.trialFinished();
        try {
          opts.onTrial?.({
            trial: number,
            number,
            state,
            score,
            algorithm: cls,
            params: withoutClass(params),
            elapsedSeconds: (performance.now() - t0) / 1000,
            timing,
            ...(reason ? { reason } : {}),
          });
        } catch (err) {
          // A progress display failing must not throw away a finished trial or the search.
          log.warn('trial_callback_failed', {
            ...context,
            trial: number,
            error: err instanceof Error ? err.message : String(err),
          });
        }
      };
      try {
        const fixed = await history.visibleTo(number);
        const seen = async (): Promise<TrialRecord[]> => fixed ?? (await s.trials());
        let cls: string;
        if (scheduled !== undefined) cls = scheduled;
        else if (tried.length === 1) cls = tried[0];
        else if (claim.queuedClass !== null && tried.includes(claim.queuedClass)) cls = claim.queuedClass;
        else cls = sampler.sampleClass(number, tried, await seen());
        if (tried.length > 1) {
          params[CLASS_PARAM] = cls;
          await s.setParams(number, params);
        }
        // Under the adaptive schedule the plan is the budget: nothing to gate.
        const gate = schedule ? opts.nTrials : (opts.budgets[cls] ?? 0);
        if (!(await s.admitClass(number, cls, gate))) {
          log.debug('trial_pruned', {
            ...context,
            trial: number,
            reason: `Per-algorithm budget for ${cls} exhausted.`,
          });
          await s.finishTrial(number, 'PRUNED', {
            params,
            userAttrs: { [CLASS_PARAM]: cls, pruned_reason: 'budget_exhausted' },
          });
          emit('PRUNED', null, cls, 'budget_exhausted');
          return;
        }
        const space = spaces.get(cls) ?? env.getRecommenderSpec(cls).searchSpace;
        const budget = schedule ? schedule.allotted(cls, slot) : opts.budgets[cls];
        const sampled = sampler.sampleParams(number, cls, space, await seen(), budget);
        params = { ...params, ...sampled };
        await s.setParams(number, params);

        const reports: Array<[number, number]> = [];
        const onReport = async (step: number, value: number): Promise<boolean> => {
          reports.push([step, value]);
          await s.setIntermediate(number, reports);
          const completed = fixed ? fixed.filter((t) => t.state === 'COMPLETE') : await s.completedTrials();
          return pruner.shouldPrune(reports, completed);
        };
        let outcome: Awaited<ReturnType<TrialExecutor['run']>>;
        try {
          outcome = await executor.run({
            trial: number,
            className: cls,
            params: sampled,
            onReport,
            timeoutMs: perTrialTimeoutMs,
          });
        } catch (err) {
          if (perTrialTimeoutMs !== undefined) {
            log.error('trial_learn_failed', {
              ...context,
              trial: number,
              class_name: cls,
              error_class: err instanceof Error ? err.name : typeof err,
              error: err instanceof Error ? err.message : String(err),
            });
          }
          throw err;
        }
        if (outcome.kind === 'complete') {
          await s.finishTrial(number, 'COMPLETE', {
            value: -outcome.score,
            params,
            userAttrs: { [CLASS_PARAM]: cls, ...outcome.learntConfig },
          });
          emit('COMPLETE', outcome.score, cls, undefined, outcome.timing);
          return;
        }
        const reason: PrunedReason = outcome.kind === 'timeout' ? 'timeout' : 'median';
        if (outcome.kind === 'timeout')
          orphans.orphaned(number, cls, opts.perTrialTimeoutSeconds ?? 0, outcome.terminated);
        await s.finishTrial(number, 'PRUNED', { params, userAttrs: { [CLASS_PARAM]: cls, pruned_reason: reason } });
        emit('PRUNED', null, cls, reason, outcome.kind === 'pruned' ? outcome.timing : undefined);
      } catch (err) {
        await s.finishTrial(number, 'FAIL', { params }).catch(() => undefined);
        throw err;
      }
    };

    const deadline = opts.timeoutSeconds ? performance.now() + opts.timeoutSeconds * 1000 : Number.POSITIVE_INFINITY;
    const failure: { error: unknown } = { error: undefined };
    let aborted = false;
    let roundUsedUp = false;
    const runner = async (): Promise<void> => {
      while (!aborted && performance.now() < deadline) {
        try {
          let scheduled: string | undefined;
          let slot = -1;
          if (schedule) {
            slot = nextSlot++;
            const c = await schedule.classFor(slot);
            if (c === null || aborted || performance.now() >= deadline) {
              // The plan is complete, or this slot will never run: nothing may wait for it.
              schedule.close();
              return;
            }
            scheduled = c;
          }
          const claim = await s.claimTrial();
          if (claim === null) {
            roundUsedUp = true;
            schedule?.close();
            return;
          }
          await runTrial(claim, scheduled, slot);
        } catch (err) {
          if (!aborted) {
            aborted = true;
            failure.error = err;
            schedule?.close();
            history.trialFinished();
            // Stop the other in-flight trials now rather than after they finish.
            await executor.close();
          }
          return;
        }
      }
    };
    let nextSlot = 0;
    await Promise.all(Array.from({ length: parallelism }, runner));
    schedule?.close();
    if (aborted) throw failure.error;
    // Other processes sharing the study may still be finishing trials of this round: report the
    // study-wide result they produce, not a snapshot taken halfway.
    if (roundUsedUp) {
      while ((await s.runningInRound()) > 0) await new Promise((r) => setTimeout(r, ROUND_POLL_MS));
    }

    await s.endSession();
    sessionOpen = false;
    return summarizeSearch({
      trials: await s.trials(),
      triedAlgorithms: tried,
      nTrials: opts.nTrials,
      nOrphaned: orphans.total,
      seed: opts.seed,
      studyName: opts.studyName,
      metric: opts.evaluation.metric,
      context,
      log,
    });
  } finally {
    await executor.close();
    if (sessionOpen && study) await study.endSession().catch(() => undefined);
    if (ownsStore) await store.close();
  }
}
