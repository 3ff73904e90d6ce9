/**
 * `recotem export` benchmark: the built CLI (`node bin/recotem.js export`) under GNU time, per
 * model and destination. Reports the CLI's own export time (model load + scoring + writing, from
 * the `export_done` event: everything after process start-up), the process wall and CPU time and
 * its peak RSS beside the artifact size.
 *
 *   npm run build && npx tsx bench/export/run.ts [--models ml-small,synth-5m] [--to parquet,postgres]
 *
 * Models (trained once and cached, shared with bench/serve): `ml-small` = IALS k=64 on every
 * ml-latest-small rating (610 users × 9,724 items); `synth-5m` = IALS k=64 on the 5M-interaction
 * synthetic matrix (100k users × 20k items). PostgreSQL: postgresql://postgres@127.0.0.1:5432/recotem_test.
 */
import { spawnSync } from 'node:child_process';
import { statSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { BENCH_SIGNING_KEYS, prepareModel } from '../serve/prepare.js';

const { values: args } = parseArgs({
  options: {
    models: { type: 'string', default: 'ml-small,synth-5m' },
    to: { type: 'string', default: 'parquet,csv.gz,postgres' },
    limit: { type: 'string', default: '20' },
    runs: { type: 'string', default: '2' },
    threads: { type: 'string' },
    dir: { type: 'string', default: join(tmpdir(), 'recotem-bench-serve') },
    pg: { type: 'string', default: 'postgresql://postgres@127.0.0.1:5432/recotem_test' },
  },
});

const cli = join(import.meta.dirname, '../../bin/recotem.js');
const load = () =>
  loadavg()
    .map((l) => l.toFixed(1))
    .join(' ');

interface Outcome {
  exportSeconds: number;
  wall: number;
  rssMiB: number;
  cpu: number;
  rows: number;
  bytes: number | null;
}

function runOnce(artifact: string, to: string, limit: string): Outcome {
  const extra = args.threads ? ['--threads', args.threads] : [];
  const t0 = performance.now();
  const r = spawnSync(
    '/usr/bin/time',
    [
      '-f',
      'MAXRSS_KB=%M CPU=%U+%S',
      process.execPath,
      cli,
      'export',
      artifact,
      '--to',
      to,
      '--limit',
      limit,
      '--table',
      'bench_export',
      ...extra,
    ],
    {
      env: { PATH: process.env.PATH, RECOTEM_SIGNING_KEYS: BENCH_SIGNING_KEYS, RECOTEM_LOG_FORMAT: 'json' },
      encoding: 'utf8',
      maxBuffer: 1 << 26,
    },
  );
  const wall = (performance.now() - t0) / 1000;
  const done = r.stderr
    .split('\n')
    .filter((l) => l.includes('"export_done"'))
    .map((l) => JSON.parse(l) as { seconds: number; rows: number })[0];
  if (r.status !== 0 || done === undefined) {
    console.error(r.stderr.split('\n').slice(-10).join('\n'));
    throw new Error(`recotem export to ${to} exited ${r.status}`);
  }
  const rssKb = Number(/MAXRSS_KB=(\d+)/.exec(r.stderr)?.[1] ?? Number.NaN);
  const cpu = /CPU=([\d.]+)\+([\d.]+)/.exec(r.stderr);
  const cpuSeconds = cpu ? Number(cpu[1]) + Number(cpu[2]) : Number.NaN;
  let bytes: number | null = null;
  try {
    bytes = statSync(to).size;
  } catch {
    bytes = null;
  }
  return { exportSeconds: done.seconds, wall, rssMiB: rssKb / 1024, cpu: cpuSeconds, rows: done.rows, bytes };
}

async function main(): Promise<void> {
  const rows: string[] = [];
  const out = join(tmpdir(), `recotem-bench-export-${process.pid}`);
  for (const name of args.models!.split(',') as ('ml-small' | 'synth-5m')[]) {
    const model = await prepareModel(join(args.dir!, name), name, (s) => console.log(s));
    const artifactMiB = model.bytes / 2 ** 20;
    for (const dest of args.to!.split(',')) {
      const to = dest === 'postgres' ? args.pg! : `${out}-${name}.${dest}`;
      for (let run = 1; run <= Number(args.runs); run++) {
        const before = load();
        const o = runOnce(model.artifactPath, to, args.limit!);
        const row = `| ${name} | ${dest} | ${o.rows.toLocaleString('en')} | ${o.exportSeconds.toFixed(2)} s | ${o.wall.toFixed(2)} s | ${o.cpu.toFixed(1)} s | ${o.rssMiB.toFixed(0)} MiB | ${artifactMiB.toFixed(0)} MiB | ${o.bytes === null ? '–' : `${(o.bytes / 2 ** 20).toFixed(1)} MiB`} | ${before} |`;
        console.log(row);
        rows.push(row);
      }
      if (dest !== 'postgres') await rm(to, { force: true });
    }
  }
  console.log(
    '\n| model | destination | rows | export (after start-up) | process wall | process CPU | peak RSS | artifact | output | load before |',
  );
  console.log('|---|---|---|---|---|---|---|---|---|---|');
  for (const row of rows) console.log(row);
}

await main();
