/**
 * Long fuzz runs: `npm run fuzz -- [--target artifact,recipe] [--cases 1000000] [--seed N]
 * [--minutes M] [--chunk 10000] [--json out.json]`. Without --target every target runs. --minutes
 * bounds each target's wall time (checked between chunks; the report gives the cases actually
 * run). Exit 1 when any target found a failure or a promise rejection went unhandled.
 */
import { writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { configureLogging } from '../src/log/index.js';
import type { FuzzReport } from '../test/security/fuzz/runner.js';

// Targets capture their own log records; nothing else should reach the terminal (set before the
// targets are imported: some fixtures log while their modules load).
configureLogging({ stream: { write: () => true }, level: 'critical' });
const { runFuzz } = await import('../test/security/fuzz/runner.js');
const { FUZZ_TARGETS } = await import('../test/security/fuzz/targets.js');

const { values } = parseArgs({
  options: {
    target: { type: 'string' },
    cases: { type: 'string', default: '1000000' },
    seed: { type: 'string' },
    minutes: { type: 'string' },
    chunk: { type: 'string', default: '10000' },
    json: { type: 'string' },
  },
});

const names = values.target ? values.target.split(',').map((s) => s.trim()) : Object.keys(FUZZ_TARGETS);
for (const name of names) {
  if (!FUZZ_TARGETS[name]) {
    process.stderr.write(`unknown target '${name}'; known: ${Object.keys(FUZZ_TARGETS).join(', ')}\n`);
    process.exit(2);
  }
}
const cases = Number(values.cases);
const seed = values.seed === undefined ? Date.now() % 2 ** 31 : Number(values.seed);
const stopAfterMs = values.minutes === undefined ? undefined : Number(values.minutes) * 60_000;

let unhandled = 0;
process.on('unhandledRejection', (reason) => {
  unhandled++;
  process.stderr.write(`unhandled rejection: ${String(reason)}\n`);
});

const reports: (FuzzReport & { seed: number })[] = [];
for (const name of names) {
  let lastPrint = Date.now();
  const report = await runFuzz(FUZZ_TARGETS[name], {
    cases,
    seed,
    chunk: Number(values.chunk),
    stopAfterMs,
    onProgress: (r) => {
      if (Date.now() - lastPrint < 30_000) return;
      lastPrint = Date.now();
      process.stderr.write(`${name}: ${r.cases} cases, ${(r.durationMs / 1000).toFixed(0)} s\n`);
    },
  });
  reports.push({ ...report, seed });
  const rate = report.cases / (report.durationMs / 1000);
  process.stdout.write(
    `${name}: ${report.cases} cases in ${(report.durationMs / 1000).toFixed(1)} s (${rate.toFixed(0)}/s), ` +
      `${report.failures} failures, slowest case ${report.maxCaseMs.toFixed(1)} ms, seed ${seed}` +
      `${report.stoppedByTime ? ' (stopped by --minutes)' : ''}\n`,
  );
  const outcomes = Object.entries(report.outcomes)
    .sort((a, b) => b[1] - a[1])
    .map(([k, v]) => `${k}=${v}`)
    .join(' ');
  process.stdout.write(`  outcomes: ${outcomes}\n`);
  if (report.counterexample) process.stdout.write(`  counterexample: ${report.counterexample}\n`);
}
if (unhandled > 0) process.stdout.write(`unhandled rejections: ${unhandled}\n`);
if (values.json) writeFileSync(values.json, `${JSON.stringify({ unhandled, reports }, null, 2)}\n`);
process.exit(reports.some((r) => r.failures > 0) || unhandled > 0 ? 1 : 0);
