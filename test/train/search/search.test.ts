import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { exitCodeFor, SearchError, TrainingError, ZeroScoreError } from '../../../src/errors/index.js';
import { captureLogs } from '../../../src/log/index.js';
import {
  computeBudgets,
  MemoryStudyStore,
  runSearch,
  studyNameFor,
  type TrialEvent,
} from '../../../src/train/search/index.js';
import { baseOptions } from './fixtures/helpers.js';
import { ialsLevel, knnScore } from './fixtures/synthetic-env.js';

const dir = mkdtempSync(join(tmpdir(), 'recotem-search-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const KNN = 'CosineKNNRecommender';
const IALS = 'IALSRecommender';
const TOP = 'TopPopRecommender';

async function rejection(p: Promise<unknown>): Promise<Error> {
  try {
    await p;
  } catch (e) {
    return e as Error;
  }
  throw new Error('expected the search to fail');
}

describe('runSearch, in-process', () => {
  it('optimises a single class and reports every trial', async () => {
    const events: TrialEvent[] = [];
    const res = await runSearch(
      baseOptions({ classes: [KNN], budgets: { [KNN]: 20 }, nTrials: 20, onTrial: (e) => events.push(e) }),
    );
    expect(res.n_completed).toBe(20);
    expect(res.tried_algorithms).toEqual([KNN]);
    expect(res.best_class).toBe(KNN);
    expect(res.n_trials).toBe(20);
    expect(res.search_seed).toBe(42);
    expect(res.trials).toHaveLength(20);
    expect(events.map((e) => e.trial)).toEqual([...Array(20).keys()]);
    const scores = events.map((e) => e.score as number);
    expect(res.best_score).toBe(Math.max(...scores));
    expect(res.best_trial_number).toBe(scores.indexOf(res.best_score));
    // best_params are the sampled parameters of the best trial; its score is what the objective says.
    expect(Object.keys(res.best_params).sort()).toEqual(['feature_weighting', 'normalize', 'shrinkage', 'top_k']);
    expect(knnScore(res.best_params)).toBeCloseTo(res.best_score, 12);
    // A single class samples no class parameter.
    expect(res.trials.every((t) => !('recommender_class_name' in t.params))).toBe(true);
    for (const e of events) {
      expect(e.state).toBe('COMPLETE');
      expect(e.algorithm).toBe(KNN);
      expect(e.elapsedSeconds).toBeGreaterThanOrEqual(0);
    }
  });

  it('is deterministic for a seed with parallelism 1', async () => {
    const run = (seed: number) =>
      runSearch(baseOptions({ classes: [KNN], budgets: { [KNN]: 15 }, nTrials: 15, seed })).then((r) =>
        r.trials.map((t) => t.params),
      );
    const [a, b, c] = await Promise.all([run(9), run(9), run(10)]);
    expect(a).toEqual(b);
    expect(a).not.toEqual(c);
  });

  it('runs classes in enqueued blocks, early-stops iterative models and merges the learnt epochs', async () => {
    const classes = [TOP, KNN, IALS];
    const budgets = computeBudgets(classes, 8, { TopPop: 2, CosineKNN: 3, IALS: 3 });
    const events: TrialEvent[] = [];
    const res = await runSearch(baseOptions({ classes, budgets, nTrials: 8, onTrial: (e) => events.push(e) }));
    expect(events.map((e) => e.algorithm)).toEqual([TOP, TOP, KNN, KNN, KNN, IALS, IALS, IALS]);
    for (const t of res.trials) expect(t.params.recommender_class_name).toBe(t.userAttrs.recommender_class_name);
    // The fake IALS peaks at epoch 20 and degrades: validation every 5 epochs, 2 checks without a
    // gain → stop, restore the epoch-20 snapshot.
    const ials = res.trials.filter((t) => t.className === IALS && t.state === 'COMPLETE');
    expect(ials.length).toBeGreaterThan(0);
    for (const t of ials) {
      expect(t.userAttrs.train_epochs).toBe(20);
      expect(t.intermediate.map(([s]) => s)).toEqual([4, 9, 14, 19, 24]);
      expect(-(t.value as number)).toBeCloseTo(ialsLevel(t.params), 12);
    }
    if (res.best_class === IALS) {
      expect(res.best_params.train_epochs).toBe(20);
      expect(res.best_params).not.toHaveProperty('recommender_class_name');
    }
    // Events carry parameters without bookkeeping.
    expect(events.every((e) => !('recommender_class_name' in e.params))).toBe(true);
  });

  it('prunes iterative trials that fall behind the median of completed ones', async () => {
    const store = new MemoryStudyStore();
    const events: TrialEvent[] = [];
    const res = await runSearch(
      baseOptions({
        classes: [IALS],
        budgets: { [IALS]: 30 },
        nTrials: 30,
        storage: store,
        onTrial: (e) => events.push(e),
      }),
    );
    const pruned = res.trials.filter((t) => t.state === 'PRUNED');
    expect(pruned.length).toBeGreaterThan(0);
    for (const t of pruned) {
      expect(t.userAttrs.pruned_reason).toBe('median');
      // Never at the first validation, never before 2 trials completed.
      expect(t.intermediate.length).toBeGreaterThanOrEqual(2);
      expect(t.number).toBeGreaterThanOrEqual(2);
    }
    expect(res.n_completed).toBe(30 - pruned.length);
    expect(events.filter((e) => e.state === 'PRUNED').every((e) => e.score === null && e.reason === 'median')).toBe(
      true,
    );
  });

  it('aborts the whole search on a trial error and records the trial as FAIL', async () => {
    const store = new MemoryStudyStore();
    const opts = baseOptions({
      classes: [TOP, 'RP3betaRecommender'],
      budgets: { [TOP]: 1, RP3betaRecommender: 3 },
      nTrials: 4,
      storage: store,
    });
    const err = await rejection(runSearch(opts));
    expect(err).toBeInstanceOf(TrainingError);
    expect((err as TrainingError).code).toBe('fake_failure');
    expect(exitCodeFor(err)).toBe(4);
    const study = await store.openStudy(opts.studyName);
    expect((await study.trials()).map((t) => t.state)).toEqual(['COMPLETE', 'FAIL']);

    const lib = await rejection(
      runSearch(
        baseOptions({ classes: ['TruncatedSVDRecommender'], budgets: { TruncatedSVDRecommender: 2 }, nTrials: 2 }),
      ),
    );
    expect(lib.message).toBe('fake library failure');
    expect(exitCodeFor(lib)).toBe(1);
  });

  it('raises zero_score for a 0.0 best score, but only warns for the hit metric', async () => {
    const opts = baseOptions({ classes: ['BPRFMRecommender'], budgets: { BPRFMRecommender: 3 }, nTrials: 3 });
    const err = await rejection(runSearch(opts));
    expect(err).toBeInstanceOf(ZeroScoreError);
    expect(err.message).toBe(
      'Best score across 3 completed trials is 0.0. This may indicate too short a timeout or too small a validation set.',
    );
    const logs = captureLogs();
    try {
      const res = await runSearch({ ...opts, studyName: 'hit', evaluation: { ...opts.evaluation, metric: 'hit' } });
      expect(res.best_score).toBe(0);
      expect(logs.events('zero_score_hit_metric')).toEqual([
        expect.objectContaining({ recipe: 'r', run_id: 'x', metric: 'hit', n_completed: 3 }),
      ]);
    } finally {
      logs.stop();
    }
  });

  it('starts no new trial once timeout_seconds has elapsed', async () => {
    const started = Date.now();
    const res = await runSearch(
      baseOptions({
        classes: [KNN],
        budgets: { [KNN]: 1000 },
        nTrials: 1000,
        timeoutSeconds: 0.2,
        onTrial: () => {
          const end = Date.now() + 40;
          while (Date.now() < end) {
            // each trial takes at least 40 ms
          }
        },
      }),
    );
    expect(res.n_completed).toBeGreaterThanOrEqual(1);
    expect(res.n_completed).toBeLessThanOrEqual(7);
    expect(Date.now() - started).toBeLessThan(3000);
  });

  it('keeps a trial and the search when the progress callback throws', async () => {
    const logs = captureLogs();
    try {
      const res = await runSearch(
        baseOptions({
          classes: [KNN],
          budgets: { [KNN]: 2 },
          nTrials: 2,
          onTrial: () => {
            throw new Error('display broke');
          },
        }),
      );
      expect(res.trials.map((t) => t.state)).toEqual(['COMPLETE', 'COMPLETE']);
      expect(logs.events('trial_callback_failed')).toHaveLength(2);
    } finally {
      logs.stop();
    }
  });

  it('rejects a study with no active class before touching storage', async () => {
    const err = await rejection(runSearch(baseOptions({ classes: [KNN], budgets: { [KNN]: 0 }, nTrials: 3 })));
    expect(err).toBeInstanceOf(SearchError);
    expect((err as SearchError).code).toBe('no_active_algorithms');
  });

  it('checks every class against the trial environment before creating any storage', async () => {
    const file = join(dir, 'never.db');
    const err = await rejection(
      runSearch(
        baseOptions({ classes: ['NoSuchRecommender'], budgets: { NoSuchRecommender: 1 }, nTrials: 1, storage: file }),
      ),
    );
    expect(err.message).toBe('synthetic env: no class NoSuchRecommender');
    expect(existsSync(file)).toBe(false);
  });

  it('refuses storage URLs with credentials with exit code 4', async () => {
    const err = await rejection(
      runSearch(baseOptions({ classes: [KNN], budgets: { [KNN]: 1 }, nTrials: 1, storage: 'postgresql://u:p@h/db' })),
    );
    expect(err).toBeInstanceOf(SearchError);
    expect(exitCodeFor(err)).toBe(4);
  });
});

describe('runSearch on SQLite storage', () => {
  it('clamps parallelism to 1 with env_var_clamped', async () => {
    const logs = captureLogs();
    try {
      const res = await runSearch(
        baseOptions({
          classes: [KNN],
          budgets: { [KNN]: 3 },
          nTrials: 3,
          parallelism: 3,
          storage: join(dir, 'clamp.db'),
        }),
      );
      expect(res.n_completed).toBe(3);
      expect(logs.events('env_var_clamped')).toEqual([
        expect.objectContaining({ var: 'parallelism', original: 3, clamped: 1, recipe: 'r', run_id: 'x' }),
      ]);
    } finally {
      logs.stop();
    }
  });

  it('resumes a study: completed trials count toward budgets, best and n_completed', async () => {
    const storage = `sqlite:///${join(dir, 'resume.db')}`;
    const classes = [KNN, TOP];
    const budgets = { [KNN]: 3, [TOP]: 2 };
    const studyName = studyNameFor('movies', 'abc123');
    // First run stops after 3 trials (all KNN: the queue runs KNN first).
    const first = await runSearch(baseOptions({ classes, budgets, nTrials: 3, storage, studyName }));
    expect(first.n_completed).toBe(3);
    expect(first.trials.map((t) => t.className)).toEqual([KNN, KNN, KNN]);

    const events: TrialEvent[] = [];
    const second = await runSearch(
      baseOptions({ classes, budgets, nTrials: 5, storage, studyName, onTrial: (e) => events.push(e) }),
    );
    // Resumed queue: KNN 3 − 3 = 0, TopPop 2; then three sampled trials hit exhausted budgets.
    expect(events.slice(0, 2).map((e) => [e.algorithm, e.state])).toEqual([
      [TOP, 'COMPLETE'],
      [TOP, 'COMPLETE'],
    ]);
    expect(events.slice(2).every((e) => e.state === 'PRUNED' && e.reason === 'budget_exhausted')).toBe(true);
    expect(second.n_completed).toBe(5);
    expect(second.trials.map((t) => t.number)).toEqual([...Array(8).keys()]);
    // TopPop scores 0.05, far below the fake KNN: the best stays the first run's.
    expect(second.best_trial_number).toBe(first.best_trial_number);
    expect(second.best_score).toBe(first.best_score);
    expect(second.study_name).toBe('recotem_movies_abc123');
  });

  it('shares trials adaptively: one TopPop trial, the rest by successive halving, deterministically', async () => {
    const classes = [IALS, KNN, TOP];
    const budgets = computeBudgets(classes, 14, null);
    const run = async () => {
      const events: TrialEvent[] = [];
      const res = await runSearch(
        baseOptions({ classes, budgets, nTrials: 14, classAllocation: 'adaptive', onTrial: (e) => events.push(e) }),
      );
      return { res, events };
    };
    const { res, events } = await run();
    expect(events).toHaveLength(14);
    const per = (c: string) => events.filter((e) => e.algorithm === c).length;
    expect(per(TOP)).toBe(1);
    // Rung 0: two trials of each tunable class in recipe order, then TopPop once.
    expect(events.slice(0, 5).map((e) => e.algorithm)).toEqual([IALS, IALS, KNN, KNN, TOP]);
    // Then only the leader of rung 0 (the better of IALS and KNN) gets trials.
    const bestOf = (c: string) =>
      Math.max(
        ...events
          .slice(0, 5)
          .filter((e) => e.algorithm === c)
          .map((e) => e.score ?? -1),
      );
    const leader = bestOf(IALS) >= bestOf(KNN) ? IALS : KNN;
    expect(events.slice(5).every((e) => e.algorithm === leader)).toBe(true);
    expect(res.tried_algorithms).toEqual(classes);
    // Same seed, same trials.
    const again = await run();
    expect(again.res.trials.map((t) => t.params)).toEqual(res.trials.map((t) => t.params));
  });

  it('keeps the fixed budgets for stored studies even when adaptive allocation is asked for', async () => {
    const storage = `sqlite:///${join(dir, 'fixed.db')}`;
    const classes = [KNN, TOP];
    const res = await runSearch(
      baseOptions({ classes, budgets: { [KNN]: 2, [TOP]: 2 }, nTrials: 4, storage, classAllocation: 'adaptive' }),
    );
    expect(res.trials.map((t) => t.className)).toEqual([KNN, KNN, TOP, TOP]);
  });
});
