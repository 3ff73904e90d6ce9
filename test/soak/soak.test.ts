/**
 * Short soak (the long one is `npm run soak -- --seconds 180`): a real `recotem serve` under
 * steady load while good and bad artifacts replace each other, then SIGTERM. Zero failed
 * requests, only verified model versions served, each good artifact live within one watch
 * interval (+ load time), no RSS growth across swaps, a clean drain with exit 0.
 */
import { describe, expect, it } from 'vitest';
import { soakViolations } from './checks.js';
import { runSoak } from './harness.js';

describe('soak (short)', () => {
  it('serves every request from verified artifacts across good and bad swaps, then drains cleanly', async () => {
    const report = await runSoak({ seconds: 22, rate: 60, concurrency: 4, swapEvery: 3.5, users: 1500 });
    expect(soakViolations(report)).toEqual([]);
    expect(report.goodSwaps).toBeGreaterThanOrEqual(2);
    expect(report.badSwaps).toBeGreaterThanOrEqual(2);
    expect(report.requests).toBeGreaterThan(500);
  }, 120_000);
});
