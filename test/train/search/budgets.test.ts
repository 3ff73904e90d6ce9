import { describe, expect, it } from 'vitest';
import { SearchError, TrainingError } from '../../../src/errors/index.js';
import {
  activeClasses,
  buildClassQueue,
  completedByClass,
  computeBudgets,
  roundHalfEven,
} from '../../../src/train/search/budgets.js';
import type { TrialRecord } from '../../../src/train/search/trial.js';

const A = 'IALSRecommender';
const B = 'CosineKNNRecommender';
const C = 'TopPopRecommender';
const D = 'RP3betaRecommender';

describe('roundHalfEven', () => {
  it('rounds halves to the even neighbour like Python round', () => {
    expect([0.5, 1.5, 2.5, 3.5, 4.5, -0.5, -1.5].map(roundHalfEven)).toEqual([0, 2, 2, 4, 4, 0, -2]);
    expect([2.4999, 2.5001, 3.2, 3.7].map(roundHalfEven)).toEqual([2, 3, 3, 4]);
  });
});

describe('computeBudgets', () => {
  it('splits evenly with the leading classes absorbing the remainder', () => {
    expect(computeBudgets([A, B, C], 10, null)).toEqual({ [A]: 4, [B]: 3, [C]: 3 });
    expect(computeBudgets([A, B, C], 10, {})).toEqual({ [A]: 4, [B]: 3, [C]: 3 });
    expect(computeBudgets([A, B], 1, null)).toEqual({ [A]: 1, [B]: 0 });
  });

  it('n=10, {A:8,B:7,C:5} scales by 0.5 with banker’s rounding and the last class taking the rest', () => {
    expect(computeBudgets([A, B, C], 10, { IALS: 8, CosineKNN: 7, TopPop: 5 })).toEqual({ [A]: 4, [B]: 4, [C]: 2 });
  });

  it('n=10, {A:5,B:5,C:5,D:5} → 2, 2, 2, 4', () => {
    expect(computeBudgets([A, B, C, D], 10, { [A]: 5, [B]: 5, [C]: 5, [D]: 5 })).toEqual({
      [A]: 2,
      [B]: 2,
      [C]: 2,
      [D]: 4,
    });
  });

  it('n=10, {A:10,B:0,C:0} → 10, 0, 0', () => {
    expect(computeBudgets([A, B, C], 10, { [A]: 10, [B]: 0, [C]: 0 })).toEqual({ [A]: 10, [B]: 0, [C]: 0 });
  });

  it('n=10, {A:5} with classes A, B, C → 5, 3, 2 (leftover over the unspecified ones)', () => {
    expect(computeBudgets([A, B, C], 10, { ials: 5 })).toEqual({ [A]: 5, [B]: 3, [C]: 2 });
  });

  it('n=2, {A:5,B:5,C:5} → 1, 1, 0 (fewer trials than non-zero classes)', () => {
    expect(computeBudgets([A, B, C], 2, { [A]: 5, [B]: 5, [C]: 5 })).toEqual({ [A]: 1, [B]: 1, [C]: 0 });
  });

  it('a single class always gets the full n_trials', () => {
    expect(computeBudgets([A], 40, { [A]: 3 })).toEqual({ [A]: 40 });
    expect(computeBudgets([A], 7, null)).toEqual({ [A]: 7 });
  });

  it('leftover goes to the last explicit class with a positive value', () => {
    expect(computeBudgets([A, B, C], 10, { [A]: 2, [B]: 3, [C]: 0 })).toEqual({ [A]: 2, [B]: 8, [C]: 0 });
  });

  it('falls back to the even split when every explicit budget is zero and none is unspecified', () => {
    expect(computeBudgets([A, B, C], 10, { [A]: 0, [B]: -3, [C]: 0 })).toEqual({ [A]: 4, [B]: 3, [C]: 3 });
  });

  it('keeps the documented overshoot of the last-class rule (n=4, {A:100,B:100,C:1} → 2+2+1)', () => {
    expect(computeBudgets([A, B, C], 4, { [A]: 100, [B]: 100, [C]: 1 })).toEqual({ [A]: 2, [B]: 2, [C]: 1 });
  });

  it('lets later keys for the same class overwrite earlier ones and treats negatives as 0', () => {
    expect(computeBudgets([A, B], 10, { IALS: 9, ials: 4, [B]: -1 })).toEqual({ [A]: 10, [B]: 0 });
  });

  it('keeps unspecified classes at 0 when the explicit budgets exceed n_trials', () => {
    expect(computeBudgets([A, B, C], 6, { [A]: 6, [B]: 6 })).toEqual({ [A]: 3, [B]: 3, [C]: 0 });
  });

  it('rejects a key that names no algorithm with unknown_algorithm_in_budget', () => {
    let err: unknown;
    try {
      computeBudgets([A, B], 10, { SLIM: 3 });
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(TrainingError);
    expect((err as TrainingError).code).toBe('unknown_algorithm_in_budget');
  });
});

describe('activeClasses', () => {
  it('drops zero-budget classes in recipe order', () => {
    expect(activeClasses([A, B, C], { [A]: 2, [B]: 0, [C]: 1 })).toEqual([A, C]);
  });
  it('raises no_active_algorithms when nothing is left', () => {
    expect(() => activeClasses([A], { [A]: 0 })).toThrow(SearchError);
    try {
      activeClasses([A], { [A]: 0 });
    } catch (e) {
      expect((e as SearchError).code).toBe('no_active_algorithms');
      expect((e as Error).message).toBe('All algorithms are disabled by per_algorithm_trials.');
    }
  });
});

function trial(
  number: number,
  state: TrialRecord['state'],
  cls: string | null,
  via: 'attr' | 'param' | 'none',
): TrialRecord {
  return {
    number,
    state,
    className: null,
    value: state === 'COMPLETE' ? -0.1 : null,
    params: via === 'param' && cls ? { recommender_class_name: cls } : {},
    userAttrs: via === 'attr' && cls ? { recommender_class_name: cls } : {},
    intermediate: [],
    startedAt: '',
    finishedAt: null,
  };
}

describe('class scheduling', () => {
  it('enqueues each class in blocks, minus what a resumed study already completed', () => {
    const done = completedByClass([
      trial(0, 'COMPLETE', A, 'attr'),
      trial(1, 'COMPLETE', A, 'param'),
      trial(2, 'PRUNED', B, 'attr'),
      trial(3, 'COMPLETE', null, 'none'),
      trial(4, 'FAIL', B, 'attr'),
    ]);
    expect(done.get(A)).toBe(2);
    expect(done.get(B)).toBeUndefined();
    expect(done.get('unknown')).toBe(1);
    expect(buildClassQueue([A, B, C], { [A]: 3, [B]: 2, [C]: 1 }, done)).toEqual([A, B, B, C]);
  });

  it('needs no queue for a single active class', () => {
    expect(buildClassQueue([A], { [A]: 5 }, new Map())).toEqual([]);
  });

  it('never enqueues a negative count', () => {
    expect(buildClassQueue([A, B], { [A]: 1, [B]: 1 }, new Map([[A, 4]]))).toEqual([B]);
  });
});
