/**
 * Short fuzz runs of every target (arbitrary bytes and malformed input produce
 * only the specified errors). `npm run fuzz` runs the same targets for millions of cases.
 */
import { describe, expect, it } from 'vitest';
import { runFuzz } from './fuzz/runner.js';
import { FUZZ_TARGETS } from './fuzz/targets.js';

/** Cases per target in the suite; a fixed seed keeps runs reproducible (change it to explore). */
const CASES: Record<string, number> = { artifact: 400, recipe: 400, http: 300, csv: 100, parquet: 60 };
const SEED = 20_261_128;

describe('fuzzing (short run)', () => {
  it.each(Object.keys(FUZZ_TARGETS))(
    '%s: no crash, no hang, only specified errors',
    async (name) => {
      const report = await runFuzz(FUZZ_TARGETS[name], { cases: CASES[name], seed: SEED, hangMs: 5_000 });
      expect(report.counterexample ?? '').toBe('');
      expect(report.failures).toBe(0);
      expect(report.cases).toBe(CASES[name]);
      // The generators must reach past the first guard: more than one outcome is seen.
      expect(Object.keys(report.outcomes).length).toBeGreaterThan(1);
    },
    60_000,
  );
});
