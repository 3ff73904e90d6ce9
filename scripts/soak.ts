/**
 * Long soak: `npm run soak -- [--seconds 180] [--rate 100] [--concurrency 8] [--swap-every 4]
 * [--users 3000] [--json out.json]`. Starts a real `recotem serve`, drives :recommend at a steady
 * rate while good and bad artifacts replace each other, sends SIGTERM, prints the figures and
 * exits 1 if any criterion failed (zero failed requests, only verified versions, each good
 * artifact served within one watch interval plus load time, no RSS growth, clean drain).
 */
import { writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { configureLogging } from '../src/log/index.js';
import { soakViolations } from '../test/soak/checks.js';
import { runSoak } from '../test/soak/harness.js';

const { values } = parseArgs({
  options: {
    seconds: { type: 'string', default: '180' },
    rate: { type: 'string', default: '100' },
    concurrency: { type: 'string', default: '8' },
    'swap-every': { type: 'string', default: '4' },
    users: { type: 'string', default: '3000' },
    json: { type: 'string' },
  },
});

configureLogging({ stream: { write: () => true }, level: 'critical' });
const report = await runSoak({
  seconds: Number(values.seconds),
  rate: Number(values.rate),
  concurrency: Number(values.concurrency),
  swapEvery: Number(values['swap-every']),
  users: Number(values.users),
  log: (line) => process.stderr.write(`${line}\n`),
});
const violations = soakViolations(report);
const servedAfter = report.swaps.filter((s) => s.servedAfter !== null).map((s) => s.servedAfter as number);
const lines = [
  `duration ${report.seconds.toFixed(1)} s, artifact ${(report.artifactBytes / 1024).toFixed(0)} KiB, watch interval ${report.watchIntervalSeconds} s`,
  `requests ${report.requests}, failed ${report.failed}, p50 ${report.p50Ms.toFixed(2)} ms, p99 ${report.p99Ms.toFixed(2)} ms, max ${report.maxMs.toFixed(1)} ms`,
  `swaps: ${report.goodSwaps} good, ${report.badSwaps} bad; hot swaps logged ${report.hotSwapEvents}, load failures logged ${report.loadFailedEvents}`,
  `good artifact live after: max ${report.maxServedAfter.toFixed(2)} s, mean ${(servedAfter.reduce((a, b) => a + b, 0) / Math.max(1, servedAfter.length)).toFixed(2)} s (limit ${report.servedWithinLimitSeconds} s)`,
  `unverified versions served: ${report.unknownVersions.length}`,
  `RSS after warm-up ${report.rssWarmMb.toFixed(0)} MB, at the end ${report.rssEndMb.toFixed(0)} MB, max ${report.rssMaxMb.toFixed(0)} MB`,
  `SIGTERM: exit ${report.exitCode}, serve_shutdown ${report.shutdownLogged ? 'logged' : 'missing'}; secrets in output: ${report.leakedSecrets.length}`,
  violations.length === 0 ? 'PASS' : `FAIL:\n  ${violations.join('\n  ')}`,
];
process.stdout.write(`${lines.join('\n')}\n`);
if (values.json) writeFileSync(values.json, `${JSON.stringify({ ...report, violations }, null, 2)}\n`);
process.exit(violations.length === 0 ? 0 : 1);
