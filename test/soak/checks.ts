/** The soak's pass criteria, shared by the test and `npm run soak`; returns the violations. */
import type { SoakReport } from './harness.js';

/** End RSS may exceed the warm-up RSS by this much (GC timing and allocator slack). */
const RSS_SLACK_MB = 64;
const RSS_SLACK_RATIO = 1.3;

export function soakViolations(r: SoakReport): string[] {
  const v: string[] = [];
  if (r.requests === 0) v.push('no requests were made');
  if (r.failed > 0) v.push(`${r.failed} failed requests (${r.failures.join(' | ')})`);
  if (r.unknownVersions.length > 0) v.push(`responses from unverified model versions: ${r.unknownVersions.join(', ')}`);
  if (r.goodSwaps === 0 || r.badSwaps === 0) v.push('the run did not swap both good and bad artifacts');
  for (const s of r.swaps.filter((x) => x.kind === 'good')) {
    if (s.servedAfter === null) v.push(`good artifact ${s.version.slice(0, 19)} was never served`);
    else if (s.servedAfter > r.servedWithinLimitSeconds) {
      v.push(
        `good artifact served ${s.servedAfter.toFixed(2)} s after the write (limit ${r.servedWithinLimitSeconds} s)`,
      );
    }
  }
  if (r.hotSwapEvents !== r.goodSwaps) v.push(`${r.hotSwapEvents} hot swaps logged for ${r.goodSwaps} good artifacts`);
  if (r.loadFailedEvents !== r.badSwaps)
    v.push(`${r.loadFailedEvents} load failures logged for ${r.badSwaps} bad artifacts`);
  if (r.rssEndMb > r.rssWarmMb * RSS_SLACK_RATIO + RSS_SLACK_MB) {
    v.push(`RSS grew from ${r.rssWarmMb.toFixed(0)} MB after warm-up to ${r.rssEndMb.toFixed(0)} MB at the end`);
  }
  if (r.exitCode !== 0) v.push(`serve exited with ${r.exitCode} after SIGTERM`);
  if (!r.shutdownLogged) v.push('no serve_shutdown event');
  if (r.leakedSecrets.length > 0) v.push(`secrets in the server output: ${r.leakedSecrets.join(', ')}`);
  return v;
}
