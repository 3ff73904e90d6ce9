import { describe, expect, it } from 'vitest';
import { exitCodeFor, SearchError, TrainingError } from '../../../src/errors/index.js';
import { captureLogs } from '../../../src/log/index.js';
import { MemoryStudyStore, runSearch, type TrialEvent } from '../../../src/train/search/index.js';
import { baseOptions } from './fixtures/helpers.js';

const KNN = 'CosineKNNRecommender';
const IALS = 'IALSRecommender';
const TOP = 'TopPopRecommender';
const SLOW = 'DenseSLIMRecommender';

async function rejection(p: Promise<unknown>): Promise<Error> {
  try {
    await p;
  } catch (e) {
    return e as Error;
  }
  throw new Error('expected the search to fail');
}

describe('trials in worker threads', () => {
  it('runs parallel trials in workers with the same results contract', async () => {
    const events: TrialEvent[] = [];
    const res = await runSearch(
      baseOptions({
        classes: [KNN, IALS],
        budgets: { [KNN]: 4, [IALS]: 4 },
        nTrials: 8,
        parallelism: 2,
        onTrial: (e) => events.push(e),
      }),
    );
    expect(res.n_completed + res.trials.filter((t) => t.state === 'PRUNED').length).toBe(8);
    expect(new Set(res.trials.map((t) => t.number)).size).toBe(8);
    expect(events).toHaveLength(8);
    // Class budgets hold even with two trials in flight.
    for (const c of [KNN, IALS])
      expect(res.trials.filter((t) => t.className === c && t.state === 'COMPLETE').length).toBeLessThanOrEqual(4);
    const ials = res.trials.filter((t) => t.className === IALS && t.state === 'COMPLETE');
    for (const t of ials) expect(t.userAttrs.train_epochs).toBe(20);
  });

  it('is deterministic for a seed and a parallelism, with adaptive classes too', async () => {
    const run = () =>
      runSearch(
        baseOptions({
          classes: [KNN, IALS, TOP],
          budgets: { [KNN]: 4, [IALS]: 4, [TOP]: 4 },
          nTrials: 12,
          parallelism: 2,
          classAllocation: 'adaptive',
          seed: 5,
        }),
      ).then((r) => r.trials.map((t) => [t.number, t.state, t.params, t.value]));
    const a = await run();
    // Another run, with trials finishing in a different order (each fit sleeps a little).
    process.env.RECOTEM_SYNTH_DELAY_MS = '15';
    try {
      expect(await run()).toEqual(a);
    } finally {
      delete process.env.RECOTEM_SYNTH_DELAY_MS;
    }
    expect(a).toHaveLength(12);
  });

  it('terminates a trial that exceeds per_trial_timeout_seconds and counts it as orphaned', async () => {
    const logs = captureLogs();
    const started = Date.now();
    const events: TrialEvent[] = [];
    try {
      const res = await runSearch(
        baseOptions({
          classes: [TOP, SLOW],
          budgets: { [TOP]: 4, [SLOW]: 2 },
          nTrials: 6,
          perTrialTimeoutSeconds: 0.5,
          onTrial: (e) => events.push(e),
        }),
      );
      // The fake DenseSLIM busy-loops for 20 s: returning this early proves its workers were stopped.
      expect(Date.now() - started).toBeLessThan(15_000);
      expect(res.n_orphaned).toBe(2);
      expect(res.n_completed).toBe(4);
      expect(res.best_class).toBe(TOP);
      const slow = res.trials.filter((t) => t.className === SLOW);
      expect(slow.map((t) => [t.state, t.userAttrs.pruned_reason])).toEqual([
        ['PRUNED', 'timeout'],
        ['PRUNED', 'timeout'],
      ]);
      expect(events.filter((e) => e.reason === 'timeout')).toHaveLength(2);
      const orphaned = logs.events('per_trial_timeout_thread_orphaned');
      expect(orphaned).toHaveLength(2);
      expect(orphaned[0]).toMatchObject({ recipe: 'r', run_id: 'x', class_name: SLOW, timeout_seconds: 0.5 });
      expect(logs.events('training_orphaned_threads')).toHaveLength(0);
    } finally {
      logs.stop();
    }
  }, 30_000);

  it('fails with excessive_per_trial_timeouts when orphans outnumber half the completed trials', async () => {
    const err = await rejection(
      runSearch(
        baseOptions({
          classes: [TOP, SLOW],
          budgets: { [TOP]: 1, [SLOW]: 1 },
          nTrials: 2,
          perTrialTimeoutSeconds: 0.3,
        }),
      ),
    );
    expect(err).toBeInstanceOf(TrainingError);
    expect((err as TrainingError).code).toBe('excessive_per_trial_timeouts');
    expect(err.message).toMatch(/^Excessive per-trial timeouts: 1 threads orphaned vs 1 trials completed\./);
  }, 30_000);

  it('fails with no_completed_trials when every trial timed out, and with the ceiling when orphans pile up', async () => {
    const none = await rejection(
      runSearch(baseOptions({ classes: [SLOW], budgets: { [SLOW]: 1 }, nTrials: 1, perTrialTimeoutSeconds: 0.3 })),
    );
    expect(none).toBeInstanceOf(SearchError);
    expect((none as SearchError).code).toBe('no_completed_trials');

    const ceiling = await rejection(
      runSearch(
        baseOptions({
          classes: [SLOW],
          budgets: { [SLOW]: 3 },
          nTrials: 3,
          perTrialTimeoutSeconds: 0.3,
          orphanCeiling: 1,
        }),
      ),
    );
    expect(ceiling).toBeInstanceOf(SearchError);
    expect(ceiling.message).toBe(
      'orphaned thread ceiling exceeded (1 >= 1); check per_trial_timeout vs algorithm runtime',
    );
    expect(exitCodeFor(ceiling)).toBe(4);
  }, 30_000);

  it('logs trial_learn_failed and aborts when a timed trial throws', async () => {
    const logs = captureLogs();
    const store = new MemoryStudyStore();
    try {
      const opts = baseOptions({
        classes: ['RP3betaRecommender'],
        budgets: { RP3betaRecommender: 2 },
        nTrials: 2,
        perTrialTimeoutSeconds: 10,
        storage: store,
      });
      const err = await rejection(runSearch(opts));
      // The error class and code survive the trip out of the worker.
      expect(err).toBeInstanceOf(TrainingError);
      expect((err as TrainingError).code).toBe('fake_failure');
      expect(logs.events('trial_learn_failed')).toEqual([
        expect.objectContaining({
          trial: 0,
          class_name: 'RP3betaRecommender',
          error_class: 'TrainingError',
          error: 'fake RP3beta training failure',
        }),
      ]);
      const study = await store.openStudy(opts.studyName);
      expect((await study.trials()).map((t) => t.state)).toEqual(['FAIL']);
    } finally {
      logs.stop();
    }
  }, 30_000);
});
