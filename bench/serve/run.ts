/**
 * Serving benchmark: one server process per (model, worker model), driven with autocannon over
 * loopback. Reports req/s, p50/p99 latency, errors and server RSS per endpoint and connection
 * count, startup time to a healthy `/v1/health`, hot-swap time, and whether `/v1/health` kept
 * answering under load.
 *
 *   npx tsx bench/serve/run.ts [--models ml-small,synth-5m] [--modes threads:2,cluster:2,inline]
 *                              [--duration 8] [--connections 10,64] [--endpoints recommend,...]
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import autocannon from 'autocannon';
import { BENCH_SIGNING_KEYS, type PreparedModel, prepareModel, resignedArtifact } from './prepare.js';

const { values: args } = parseArgs({
  options: {
    models: { type: 'string', default: 'ml-small,synth-5m' },
    modes: { type: 'string', default: 'threads:2,cluster:2,inline' },
    duration: { type: 'string', default: '8' },
    connections: { type: 'string', default: '10,64' },
    endpoints: { type: 'string', default: 'recommend,recommend-related,batch-recommend,health' },
    dir: { type: 'string', default: join(tmpdir(), 'recotem-bench-serve') },
    port: { type: 'string', default: '18731' },
    /** Compiled serve module (e.g. dist/serve/index.js) to benchmark instead of the sources. */
    'serve-module': { type: 'string' },
  },
});

const SERVER = fileURLToPath(new URL('./server.mjs', import.meta.url));
const log = (s: string) => process.stderr.write(`${s}\n`);

/** The server process and, in cluster mode, its forked workers. */
function processTree(pid: number): number[] {
  const pids = [pid];
  try {
    for (const tid of readdirSync(`/proc/${pid}/task`)) {
      const kids = readFileSync(`/proc/${pid}/task/${tid}/children`, 'utf8').trim();
      if (kids) pids.push(...kids.split(/\s+/).map(Number));
    }
  } catch {
    // process gone
  }
  return pids;
}

/** CPU seconds (user + system, all threads) used so far by the server and its workers. */
function cpuSeconds(pid: number): number {
  let ticks = 0;
  for (const p of processTree(pid)) {
    try {
      const fields = readFileSync(`/proc/${p}/stat`, 'utf8').split(') ')[1].split(' ');
      ticks += Number(fields[11]) + Number(fields[12]);
    } catch {
      // exited
    }
  }
  return ticks / 100;
}

function rssMiB(pid: number): number {
  const pids = [pid];
  try {
    for (const tid of readdirSync(`/proc/${pid}/task`)) {
      const kids = readFileSync(`/proc/${pid}/task/${tid}/children`, 'utf8').trim();
      if (kids) pids.push(...kids.split(/\s+/).map(Number));
    }
  } catch {
    // process gone
  }
  let kb = 0;
  for (const p of pids) {
    try {
      const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${p}/status`, 'utf8'));
      if (m) kb += Number(m[1]);
    } catch {
      // exited between listing and reading
    }
  }
  return kb / 1024;
}

interface Server {
  child: ChildProcess;
  base: string;
  startupSeconds: number;
  idleRss: number;
}

async function startServer(recipesDir: string, mode: string, port: number): Promise<Server> {
  const started = performance.now();
  // A compiled build runs under plain node, as `recotem serve` does; the sources need the TS loader.
  const nodeArgs = args['serve-module'] ? [SERVER] : ['--import', 'tsx', SERVER];
  const child = spawn(process.execPath, nodeArgs, {
    env: {
      ...process.env,
      BENCH_SIGNING_KEYS,
      ...(args['serve-module'] ? { SERVE_MODULE: args['serve-module'] } : {}),
      RECIPES_DIR: recipesDir,
      PORT: String(port),
      RECOTEM_SERVE_WORKERS: mode,
      RECOTEM_LOG_FORMAT: 'json',
      RECOTEM_WATCH_INTERVAL: '1',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stderr!.on('data', (d: Buffer) => {
    for (const line of d.toString().split('\n'))
      if (/"level":"(error|critical)"/.test(line)) log(`  server: ${line.slice(0, 300)}`);
  });
  const base = `http://127.0.0.1:${port}`;
  await new Promise<void>((resolve, reject) => {
    const rl = createInterface({ input: child.stdout! });
    rl.on('line', (line) => {
      if (line.includes('listening')) resolve();
    });
    child.once('exit', (code) => reject(new Error(`server exited with ${code}`)));
  });
  for (;;) {
    try {
      const r = await fetch(`${base}/v1/health`);
      if (r.status === 200) break;
    } catch {
      // cluster workers may not be listening yet
    }
    await new Promise((r) => setTimeout(r, 10));
  }
  const startupSeconds = (performance.now() - started) / 1000;
  await new Promise((r) => setTimeout(r, 300));
  return { child, base, startupSeconds, idleRss: rssMiB(child.pid!) };
}

async function stopServer(s: Server): Promise<void> {
  const exited = new Promise((r) => s.child.once('exit', r));
  s.child.kill('SIGTERM');
  await exited;
}

type Endpoint = 'recommend' | 'recommend-related' | 'batch-recommend' | 'health';

function requestFor(endpoint: Endpoint, model: PreparedModel): autocannon.Request {
  let n = 0;
  const users = model.sampleUsers;
  const items = model.sampleItems;
  const json = { 'content-type': 'application/json' };
  switch (endpoint) {
    case 'health':
      return { method: 'GET', path: '/v1/health' };
    case 'recommend':
      return {
        method: 'POST',
        path: `/v1/recipes/${model.name}:recommend`,
        headers: json,
        setupRequest: (req) => ({ ...req, body: JSON.stringify({ user_id: users[n++ % users.length], limit: 10 }) }),
      };
    case 'recommend-related':
      return {
        method: 'POST',
        path: `/v1/recipes/${model.name}:recommend-related`,
        headers: json,
        setupRequest: (req) => {
          const k = n++;
          const seeds = [
            items[k % items.length],
            items[(k * 7 + 1) % items.length],
            items[(k * 13 + 2) % items.length],
          ];
          return { ...req, body: JSON.stringify({ seed_items: seeds, limit: 10 }) };
        },
      };
    case 'batch-recommend':
      return {
        method: 'POST',
        path: `/v1/recipes/${model.name}:batch-recommend`,
        headers: json,
        setupRequest: (req) => {
          const requests = Array.from({ length: 32 }, () => ({ user_id: users[n++ % users.length], limit: 10 }));
          return { ...req, body: JSON.stringify({ requests }) };
        },
      };
  }
}

interface Cell {
  model: string;
  mode: string;
  endpoint: Endpoint;
  connections: number;
  reqPerSec: number;
  unitsPerSec: number;
  p50: number;
  p99: number;
  errors: number;
  peakRss: number;
  /** Server CPU time per request (all threads and processes), a load-independent cost figure. */
  cpuUsPerReq: number;
  healthMaxMs?: number;
  healthFailures?: number;
}

/** GET /v1/health in a loop while the load runs: the worst latency and any failure. */
function probeHealth(base: string): { stop: () => Promise<{ maxMs: number; failures: number }> } {
  let running = true;
  let maxMs = 0;
  let failures = 0;
  const loop = (async () => {
    while (running) {
      const t0 = performance.now();
      try {
        const r = await fetch(`${base}/v1/health`, { signal: AbortSignal.timeout(5000) });
        await r.arrayBuffer();
        if (r.status !== 200) failures++;
      } catch {
        failures++;
      }
      maxMs = Math.max(maxMs, performance.now() - t0);
      await new Promise((r) => setTimeout(r, 100));
    }
  })();
  return {
    stop: async () => {
      running = false;
      await loop;
      return { maxMs, failures };
    },
  };
}

async function load(
  s: Server,
  model: PreparedModel,
  endpoint: Endpoint,
  connections: number,
  duration: number,
  mode: string,
): Promise<Cell> {
  const request = requestFor(endpoint, model);
  await autocannon({ url: s.base, connections, duration: 1, requests: [request] });
  let peakRss = 0;
  const sampler = setInterval(() => {
    peakRss = Math.max(peakRss, rssMiB(s.child.pid!));
  }, 250);
  const probe = endpoint === 'health' ? null : probeHealth(s.base);
  const cpu0 = cpuSeconds(s.child.pid!);
  const result = await autocannon({ url: s.base, connections, duration, requests: [request] });
  const cpu = cpuSeconds(s.child.pid!) - cpu0;
  clearInterval(sampler);
  const health = probe ? await probe.stop() : undefined;
  const reqPerSec = result.requests.average;
  return {
    model: model.name,
    mode,
    endpoint,
    connections,
    reqPerSec,
    unitsPerSec: endpoint === 'batch-recommend' ? reqPerSec * 32 : reqPerSec,
    p50: result.latency.p50,
    p99: result.latency.p99,
    errors: result.errors + result.timeouts + result.non2xx,
    peakRss,
    cpuUsPerReq: (cpu * 1e6) / Math.max(1, reqPerSec * duration),
    healthMaxMs: health?.maxMs,
    healthFailures: health?.failures,
  };
}

async function hotSwapSeconds(s: Server, dir: string, model: PreparedModel, tag: string): Promise<number> {
  const version = async () => {
    const r = await fetch(`${s.base}/v1/recipes/${model.name}`);
    return ((await r.json()) as { model_version: string }).model_version;
  };
  const before = await version();
  await writeFile(model.artifactPath, resignedArtifact(dir, model.name, tag));
  const t0 = performance.now();
  while ((await version()) === before) await new Promise((r) => setTimeout(r, 10));
  return (performance.now() - t0) / 1000;
}

const fmt = (n: number | undefined, d = 0) => (n === undefined ? '' : n.toFixed(d));

async function main(): Promise<void> {
  const duration = Number(args.duration);
  const connectionsList = args.connections!.split(',').map(Number);
  const endpoints = args.endpoints!.split(',') as Endpoint[];
  const cells: Cell[] = [];
  const lifecycle: {
    model: string;
    mode: string;
    startup: number;
    hotSwap: number;
    idleRss: number;
    artifactMiB: number;
  }[] = [];
  log(
    `load average at start: ${loadavg()
      .map((l) => l.toFixed(2))
      .join(' ')}`,
  );
  let port = Number(args.port);
  let swapTag = 0;
  for (const name of args.models!.split(',') as ('ml-small' | 'synth-5m')[]) {
    const dir = join(args.dir!, name);
    const model = await prepareModel(dir, name, log);
    for (const mode of args.modes!.split(',')) {
      log(`${name} / ${mode}`);
      const server = await startServer(dir, mode, port++);
      log(`  healthy after ${server.startupSeconds.toFixed(2)} s, idle RSS ${server.idleRss.toFixed(0)} MiB`);
      try {
        for (const endpoint of endpoints) {
          for (const connections of connectionsList) {
            const cell = await load(server, model, endpoint, connections, duration, mode);
            cells.push(cell);
            log(
              `  ${endpoint} c=${connections}: ${fmt(cell.reqPerSec)} req/s p50 ${cell.p50} ms p99 ${cell.p99} ms errors ${cell.errors} RSS ${fmt(cell.peakRss)} MiB cpu ${fmt(cell.cpuUsPerReq)} µs/req${cell.healthMaxMs !== undefined ? ` health max ${fmt(cell.healthMaxMs, 1)} ms fails ${cell.healthFailures}` : ''}`,
            );
          }
        }
        const hotSwap = await hotSwapSeconds(server, dir, model, `swap-${++swapTag}`);
        log(`  hot swap served after ${hotSwap.toFixed(2)} s`);
        lifecycle.push({
          model: name,
          mode,
          startup: server.startupSeconds,
          hotSwap,
          idleRss: server.idleRss,
          artifactMiB: model.bytes / 2 ** 20,
        });
      } finally {
        await stopServer(server);
      }
    }
  }
  log(
    `load average at end: ${loadavg()
      .map((l) => l.toFixed(2))
      .join(' ')}`,
  );
  const out: string[] = [];
  out.push(
    '| model | workers | endpoint | conns | req/s | units/s | p50 ms | p99 ms | errors | peak RSS MiB | server CPU µs/req | health max ms / fails |',
  );
  out.push('|---|---|---|---|---|---|---|---|---|---|---|---|');
  for (const c of cells) {
    out.push(
      `| ${c.model} | ${c.mode} | ${c.endpoint} | ${c.connections} | ${fmt(c.reqPerSec)} | ${fmt(c.unitsPerSec)} | ${c.p50} | ${c.p99} | ${c.errors} | ${fmt(c.peakRss)} | ${fmt(c.cpuUsPerReq)} | ${c.healthMaxMs === undefined ? '' : `${fmt(c.healthMaxMs, 1)} / ${c.healthFailures}`} |`,
    );
  }
  out.push(
    '',
    '| model | workers | artifact MiB | startup to healthy s | idle RSS MiB | hot-swap s |',
    '|---|---|---|---|---|---|',
  );
  for (const l of lifecycle)
    out.push(
      `| ${l.model} | ${l.mode} | ${fmt(l.artifactMiB, 1)} | ${fmt(l.startup, 2)} | ${fmt(l.idleRss)} | ${fmt(l.hotSwap, 2)} |`,
    );
  process.stdout.write(`${out.join('\n')}\n`);
}

await main();
