/**
 * Serving start-up, in pairs: starts the server of each build in turn (alternating, so that both
 * see the same load), polls `/v1/health` every 5 ms from spawn until it answers 200, and reports
 * the wall time and the CPU time the server process (all its threads) had used by then, which is
 * much steadier than wall time on a shared machine.
 *
 *   npx tsx bench/serve/startup.ts --builds <old checkout>,<new checkout> [--runs 8] [--via cli|bench]
 *                                  [--recipes DIR]
 *
 * Each build is a checkout with `npm run build` done. `--via cli` (default) runs
 * `node <build>/dist/cli/entry.js serve --recipes DIR`, as users do; `--via bench` runs the
 * serving benchmark's server (bench/serve/server.mjs) on `<build>/dist/serve/index.js`. DIR defaults
 * to the serving benchmark's ml-latest-small IALS model (trained once, cached).
 */
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import http from 'node:http';
import { loadavg, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { BENCH_SIGNING_KEYS, prepareModel } from './prepare.js';

const { values: args } = parseArgs({
  options: {
    builds: { type: 'string' },
    runs: { type: 'string', default: '8' },
    via: { type: 'string', default: 'cli' },
    recipes: { type: 'string' },
    port: { type: 'string', default: '18751' },
  },
});

const log = (s: string) => process.stderr.write(`${s}\n`);
const SERVER = fileURLToPath(new URL('./server.mjs', import.meta.url));
const port = Number(args.port);

/** CPU seconds (user + system, all threads) the process has used. */
function cpuSeconds(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

function healthStatus(): Promise<number> {
  return new Promise((done) => {
    const req = http.get({ host: '127.0.0.1', port, path: '/v1/health', agent: false }, (res) => {
      res.resume();
      done(res.statusCode ?? 0);
    });
    req.on('error', () => done(0));
  });
}

async function startOnce(build: string, recipes: string): Promise<{ wall: number; cpu: number }> {
  const env = { ...process.env, RECOTEM_SIGNING_KEYS: BENCH_SIGNING_KEYS, RECOTEM_LOG_FORMAT: 'json' };
  const child =
    args.via === 'bench'
      ? spawn(process.execPath, [SERVER], {
          env: {
            ...env,
            BENCH_SIGNING_KEYS,
            SERVE_MODULE: join(build, 'dist/serve/index.js'),
            RECIPES_DIR: recipes,
            PORT: String(port),
          },
          stdio: 'ignore',
        })
      : spawn(
          process.execPath,
          [join(build, 'dist/cli/entry.js'), 'serve', '--recipes', recipes, '--port', String(port)],
          { env, stdio: 'ignore' },
        );
  const started = performance.now();
  const exited = new Promise<void>((done) => child.once('exit', () => done()));
  let failed = false;
  void exited.then(() => {
    failed = true;
  });
  while ((await healthStatus()) !== 200) {
    if (failed) throw new Error(`the server of ${build} exited before it was healthy`);
    await new Promise((r) => setTimeout(r, 5));
  }
  const wall = (performance.now() - started) / 1000;
  const cpu = cpuSeconds(child.pid!);
  child.kill('SIGTERM');
  await exited;
  return { wall, cpu };
}

function summary(values: number[]): string {
  const sorted = [...values].sort((a, b) => a - b);
  const median = sorted[Math.floor(sorted.length / 2)];
  return `median ${median.toFixed(2)} (${sorted[0].toFixed(2)}–${sorted[sorted.length - 1].toFixed(2)})`;
}

const builds = (args.builds ?? '').split(',').filter((b) => b !== '');
if (builds.length === 0) throw new Error('--builds <checkout>[,<checkout>...] is required');
let recipes = args.recipes;
if (recipes === undefined) {
  recipes = join(tmpdir(), 'recotem-bench-serve', 'ml-small');
  await prepareModel(recipes, 'ml-small', log);
}
const load = () =>
  loadavg()
    .map((l) => l.toFixed(2))
    .join(' ');
log(`load average at start: ${load()}`);
const results = new Map<string, { wall: number[]; cpu: number[] }>(builds.map((b) => [b, { wall: [], cpu: [] }]));
for (let run = 0; run < Number(args.runs); run++) {
  for (const build of builds) {
    const r = await startOnce(resolve(build), recipes);
    results.get(build)!.wall.push(r.wall);
    results.get(build)!.cpu.push(r.cpu);
    log(`  ${build}: healthy after ${r.wall.toFixed(3)} s, ${r.cpu.toFixed(2)} CPU-s`);
  }
}
log(`load average at end: ${load()}`);
for (const [build, r] of results) {
  console.log(`${build}: wall ${summary(r.wall)} s, CPU ${summary(r.cpu)} s, ${r.wall.length} starts`);
}
