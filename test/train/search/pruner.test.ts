import { describe, expect, it } from 'vitest';
import { MedianPruner, median } from '../../../src/train/search/pruner.js';
import type { TrialRecord } from '../../../src/train/search/trial.js';

function completed(number: number, intermediate: Array<[number, number]>): TrialRecord {
  return {
    number,
    state: 'COMPLETE',
    className: 'IALSRecommender',
    value: intermediate.length ? intermediate[intermediate.length - 1][1] : -0.1,
    params: {},
    userAttrs: {},
    intermediate,
    startedAt: '',
    finishedAt: '',
  };
}

/** Five completed trials that reported −0.10, −0.20, −0.30, −0.40, −0.50 at step 4. */
const FIVE = [-0.1, -0.2, -0.3, -0.4, -0.5].map((v, i) => completed(i, [[4, v]]));

describe('MedianPruner (2 start-up trials, 2 reports per step, no warm-up, interval 1)', () => {
  it('never prunes before two trials are complete', () => {
    const p = new MedianPruner();
    expect(p.shouldPrune([[4, 0]], FIVE.slice(0, 1))).toBe(false);
    expect(p.shouldPrune([[4, 0]], FIVE.slice(0, 2))).toBe(true);
    // Optuna's default start-up count is still available.
    const optuna = new MedianPruner({ nStartupTrials: 5 });
    expect(optuna.shouldPrune([[4, 0]], FIVE.slice(0, 4))).toBe(false);
    expect(optuna.shouldPrune([[4, 0]], FIVE)).toBe(true);
  });

  it('needs at least nMinTrials completed reports at the step it judges', () => {
    const oneAtStep9 = [...FIVE, completed(5, [[9, -0.9]])];
    expect(new MedianPruner().shouldPrune([[9, -0.8]], oneAtStep9)).toBe(false);
    expect(new MedianPruner({ nMinTrials: 1 }).shouldPrune([[9, -0.8]], oneAtStep9)).toBe(true);
  });

  it('prunes when the best value so far is worse than the median at that step', () => {
    const p = new MedianPruner();
    // median of the step-4 values = −0.3 (objective values are minimised)
    expect(p.shouldPrune([[4, -0.29]], FIVE)).toBe(true);
    expect(p.shouldPrune([[4, -0.3]], FIVE)).toBe(false);
    expect(p.shouldPrune([[4, -0.31]], FIVE)).toBe(false);
  });

  it('uses the best value over all of the trial’s reports, not the latest', () => {
    const p = new MedianPruner();
    const others = [-0.1, -0.2, -0.3, -0.4, -0.5].map((v, i) => completed(i, [[9, v]]));
    // Latest (−0.05) is worse than the median −0.3, but the earlier −0.35 is better.
    expect(
      p.shouldPrune(
        [
          [4, -0.35],
          [9, -0.05],
        ],
        others,
      ),
    ).toBe(false);
  });

  it('compares only with completed trials that reported at the same step', () => {
    const p = new MedianPruner({ nMinTrials: 1 });
    const mixed = [
      ...FIVE,
      completed(5, [[9, -0.9]]),
      completed(6, []), // a non-iterative trial: never reported
    ];
    expect(p.shouldPrune([[9, -0.8]], mixed)).toBe(true);
    expect(p.shouldPrune([[9, -0.95]], mixed)).toBe(false);
    // No completed trial reported at step 14: no decision possible.
    expect(p.shouldPrune([[14, 10]], mixed)).toBe(false);
  });

  it('interpolates the median of an even count and prunes on NaN', () => {
    expect(median([4, 1, 3, 2])).toBe(2.5);
    const p = new MedianPruner();
    const six = [...FIVE, completed(5, [[4, -0.6]])];
    // median of −0.1…−0.6 = −0.35
    expect(p.shouldPrune([[4, -0.34]], six)).toBe(true);
    expect(p.shouldPrune([[4, -0.36]], six)).toBe(false);
    expect(p.shouldPrune([[4, Number.NaN]], six)).toBe(true);
  });

  it('honours warm-up steps and the pruning interval', () => {
    const warm = new MedianPruner({ nWarmupSteps: 5 });
    expect(warm.shouldPrune([[4, 0]], FIVE)).toBe(false);
    const spaced = new MedianPruner({ intervalSteps: 10 });
    const late = [-0.1, -0.2, -0.3, -0.4, -0.5].map((v, i) =>
      completed(i, [
        [4, v],
        [9, v],
      ]),
    );
    // Step 9 lies in the same 10-step window as the earlier report at step 4: not checked.
    const bad: Array<[number, number]> = [
      [4, 0],
      [9, 0],
    ];
    expect(spaced.shouldPrune(bad, late)).toBe(false);
    expect(new MedianPruner().shouldPrune(bad, late)).toBe(true);
    expect(spaced.shouldPrune([[4, 0]], late)).toBe(true);
  });
});
