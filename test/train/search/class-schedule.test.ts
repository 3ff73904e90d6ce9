import { describe, expect, it } from 'vitest';
import { ClassSchedule, firstRungTrials } from '../../../src/train/search/class-schedule.js';

const IALS = 'IALSRecommender';
const KNN = 'CosineKNNRecommender';
const RP3 = 'RP3betaRecommender';
const TOP = 'TopPopRecommender';

/** Plays a schedule to its end at parallelism 1 with fixed per-class scores; returns the class per slot. */
async function play(s: ClassSchedule, score: (cls: string) => number | null): Promise<string[]> {
  const out: string[] = [];
  for (let slot = 0; ; slot++) {
    const c = await s.classFor(slot);
    if (c === null) return out;
    out.push(c);
    s.finish(slot, c, score(c));
  }
}

function counts(classes: string[]): Record<string, number> {
  const n: Record<string, number> = {};
  for (const c of classes) n[c] = (n[c] ?? 0) + 1;
  return n;
}

describe('ClassSchedule (successive halving over algorithm classes)', () => {
  it('gives 40 trials over four classes mostly to the winning class, and TopPop one trial', async () => {
    const scores: Record<string, number> = { [IALS]: 0.36, [KNN]: 0.3, [RP3]: 0.35, [TOP]: 0.19 };
    const s = new ClassSchedule({ classes: [IALS, KNN, RP3, TOP], nTrials: 40, tunable: (c) => c !== TOP });
    const plan = await play(s, (c) => scores[c]);
    expect(plan).toHaveLength(40);
    // Rung 0 in recipe order: 3 trials per tunable class, 1 for TopPop.
    expect(plan.slice(0, 10)).toEqual([IALS, IALS, IALS, KNN, KNN, KNN, RP3, RP3, RP3, TOP]);
    // Rung 1: the better half (IALS, RP3beta) with 6 trials each; then IALS alone.
    expect(plan.slice(10, 22)).toEqual([...Array(6).fill(IALS), ...Array(6).fill(RP3)]);
    expect(plan.slice(22).every((c) => c === IALS)).toBe(true);
    expect(counts(plan)).toEqual({ [IALS]: 27, [KNN]: 3, [RP3]: 9, [TOP]: 1 });
    expect(s.allotted(IALS)).toBe(27);
    // What the sampler of a slot sees: its class's trials up to the end of the slot's rung.
    expect(s.allotted(IALS, 0)).toBe(3);
    expect(s.allotted(IALS, 12)).toBe(9);
    expect(s.allotted(RP3, 39)).toBe(9);
  });

  it('follows the scores: the class that leads after a rung is the one that survives', async () => {
    const scores: Record<string, number> = { [IALS]: 0.2, [KNN]: 0.35, [RP3]: 0.34, [TOP]: 0.19 };
    const plan = await play(
      new ClassSchedule({ classes: [IALS, KNN, RP3, TOP], nTrials: 40, tunable: (c) => c !== TOP }),
      (c) => scores[c],
    );
    expect(counts(plan)).toEqual({ [IALS]: 3, [KNN]: 27, [RP3]: 9, [TOP]: 1 });
  });

  it('drops a class of the better half that trails the leader by more than 5%', async () => {
    const scores: Record<string, number> = { [IALS]: 0.36, [KNN]: 0.3, [RP3]: 0.33, [TOP]: 0.19 };
    const plan = await play(
      new ClassSchedule({ classes: [IALS, KNN, RP3, TOP], nTrials: 40, tunable: (c) => c !== TOP }),
      (c) => scores[c],
    );
    // RP3beta is second but 8% behind: IALS takes every trial after rung 0.
    expect(counts(plan)).toEqual({ [IALS]: 33, [KNN]: 3, [RP3]: 3, [TOP]: 1 });
  });

  it('ranks classes without a completed trial last and keeps recipe order on ties', async () => {
    const plan = await play(new ClassSchedule({ classes: [KNN, IALS], nTrials: 12, tunable: () => true }), (c) =>
      c === KNN ? null : 0.1,
    );
    expect(plan.slice(0, 4)).toEqual([KNN, KNN, IALS, IALS]);
    expect(plan.slice(4).every((c) => c === IALS)).toBe(true);
    const tie = await play(new ClassSchedule({ classes: [KNN, IALS], nTrials: 8, tunable: () => true }), () => 0.5);
    expect(tie.slice(4).every((c) => c === KNN)).toBe(true);
  });

  it('ends after one trial per class when no class has anything to tune', async () => {
    const plan = await play(new ClassSchedule({ classes: [TOP, 'X'], nTrials: 10, tunable: () => false }), () => 0.1);
    expect(plan).toEqual([TOP, 'X']);
  });

  it('never plans more than n_trials, even in rung 0', async () => {
    const plan = await play(
      new ClassSchedule({ classes: [IALS, KNN, RP3], nTrials: 4, tunable: () => true }),
      () => 0.1,
    );
    expect(plan).toEqual([IALS, IALS, KNN, KNN]);
    expect(firstRungTrials(40, 3)).toBe(3);
    expect(firstRungTrials(10, 4)).toBe(2);
    expect(firstRungTrials(100, 2)).toBe(13);
  });

  it('holds the next rung until every trial of the current one has finished (parallel trials)', async () => {
    const s = new ClassSchedule({ classes: [IALS, KNN], nTrials: 8, tunable: () => true });
    for (let slot = 0; slot < 4; slot++) await s.classFor(slot);
    let resolved: string | null | undefined;
    const waiting = s.classFor(4).then((c) => {
      resolved = c;
    });
    s.finish(0, IALS, 0.1);
    s.finish(1, IALS, 0.1);
    s.finish(3, KNN, 0.4);
    await new Promise((r) => setTimeout(r, 10));
    expect(resolved).toBeUndefined();
    // The last trial of rung 0 finishes late but decides: KNN's 0.4 beats IALS's 0.1.
    s.finish(2, KNN, 0.2);
    await waiting;
    expect(resolved).toBe(KNN);
    // close() releases slots that would wait forever.
    const late = new ClassSchedule({ classes: [IALS, KNN], nTrials: 8, tunable: () => true });
    for (let slot = 0; slot < 4; slot++) await late.classFor(slot);
    const blocked = late.classFor(4);
    late.close();
    expect(await blocked).toBeNull();
  });
});
