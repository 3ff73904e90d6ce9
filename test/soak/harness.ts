/**
 * Soak run: a real `recotem serve` child on trained artifacts, driven at a steady request rate
 * while the artifact is replaced every few seconds by good variants (retrained or re-signed) and
 * bad ones (tampered, truncated, signed with a wrong key), then drained with SIGTERM. Shared by
 * test/soak/soak.test.ts (short) and scripts/soak.ts (`npm run soak -- --seconds 180`).
 */
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseContainer, sha256Hex, signArtifact } from '../../src/artifact/index.js';
import { hashApiKey, parseSigningKeyRing } from '../../src/config/index.js';
import { getSourceRegistry } from '../../src/data/sources/registry.js';
import { captureLogs } from '../../src/log/index.js';
import { loadRecipe } from '../../src/recipe/index.js';
import { runTraining } from '../../src/train/index.js';
import { startCli } from '../faults/helpers.js';
import { findSecrets, registerSecret } from '../helpers/secrets.js';
import { makePurchaseCsv, makeTrainWorkspace } from '../helpers/train-fixtures.js';
import { driveLoad, type LoadSample } from './load.js';

export interface SoakOptions {
  seconds: number;
  /** Requests per second across all connections. */
  rate?: number;
  concurrency?: number;
  /** Seconds between artifact replacements. */
  swapEvery?: number;
  /** Users in the training data (the artifact grows with it). */
  users?: number;
  /** Allowed delay from writing a good artifact to serving it, beyond one watch interval. */
  loadAllowanceSeconds?: number;
  log?: (line: string) => void;
}

export interface SwapRecord {
  at: number;
  kind: 'good' | 'tampered' | 'truncated' | 'wrong-key';
  version: string;
  /** Seconds from the write to the first response carrying the version (good swaps). */
  servedAfter: number | null;
}

export interface SoakReport {
  seconds: number;
  requests: number;
  failed: number;
  failures: string[];
  p50Ms: number;
  p99Ms: number;
  maxMs: number;
  swaps: SwapRecord[];
  goodSwaps: number;
  badSwaps: number;
  /** Largest write-to-served delay over good swaps (seconds). */
  maxServedAfter: number;
  unknownVersions: string[];
  loadFailedEvents: number;
  hotSwapEvents: number;
  rssWarmMb: number;
  rssEndMb: number;
  rssMaxMb: number;
  exitCode: number | null;
  shutdownLogged: boolean;
  leakedSecrets: string[];
  artifactBytes: number;
  watchIntervalSeconds: number;
  /** One watch interval with its 10 % jitter, plus the load allowance. */
  servedWithinLimitSeconds: number;
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const address = srv.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      srv.close(() => resolve(port));
    });
  });
}

function rssMb(pid: number): number {
  try {
    const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) / 1024 : 0;
  } catch {
    return 0;
  }
}

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return 0;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}

const median = (xs: number[]) =>
  percentile(
    [...xs].sort((a, b) => a - b),
    50,
  );
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function train(csvText: string, keys: string, recipeName: string): Promise<Buffer> {
  const ws = makeTrainWorkspace({ csv: csvText, name: recipeName });
  try {
    ws.env.RECOTEM_SIGNING_KEYS = keys;
    const logs = captureLogs();
    try {
      const registry = await getSourceRegistry();
      const recipe = await loadRecipe(ws.recipePath, { registry, env: ws.env });
      await runTraining({ recipe, registry, env: ws.env, quiet: true });
    } finally {
      logs.stop();
    }
    return readFileSync(ws.outputPath);
  } finally {
    rmSync(ws.dir, { recursive: true, force: true });
  }
}

export async function runSoak(opts: SoakOptions): Promise<SoakReport> {
  const say = opts.log ?? (() => {});
  const rate = opts.rate ?? 100;
  const swapEvery = opts.swapEvery ?? 4;
  const users = opts.users ?? 3000;
  const watchInterval = 1;
  const allowance = opts.loadAllowanceSeconds ?? 3;
  const dir = mkdtempSync(join(tmpdir(), 'recotem-soak-'));
  const keyHex = registerSecret(randomBytes(32).toString('hex'), 'soak signing key');
  const keys = `soak-key:${keyHex}`;
  const apiKey = registerSecret(randomBytes(32).toString('base64url'), 'soak api key');
  const apiDigest = registerSecret(hashApiKey(apiKey), 'soak api key digest');
  const otherKeys = `soak-key:${registerSecret(randomBytes(32).toString('hex'), 'soak wrong key')}`;

  let stopServer = () => {};
  try {
    say(`training two base models on ${users} users...`);
    const csvA = makePurchaseCsv({ users, items: 400, perUser: 20, seed: 1 });
    const csvB = makePurchaseCsv({ users, items: 400, perUser: 20, seed: 2 });
    const bases = [await train(csvA, keys, 'soak'), await train(csvB, keys, 'soak')];
    const keyRing = parseSigningKeyRing(keys);
    const resign = (base: Buffer, variant: number, ring = keyRing) => {
      const c = parseContainer(base);
      const header = { ...JSON.parse(c.headerBytes.toString('utf8')), soak_variant: variant };
      return signArtifact({ keyRing: ring, header, payload: c.payload });
    };
    const userIds = csvA
      .split('\n')
      .slice(1, 2000)
      .map((l) => l.split(',')[0])
      .filter(Boolean);

    const recipes = join(dir, 'recipes');
    const artifacts = join(dir, 'artifacts');
    mkdirSync(recipes);
    mkdirSync(artifacts);
    const artifactPath = join(artifacts, 'soak.recotem');
    const publish = (bytes: Buffer) => {
      const tmp = `${artifactPath}.${randomBytes(4).toString('hex')}.tmp`;
      writeFileSync(tmp, bytes);
      renameSync(tmp, artifactPath);
    };
    publish(bases[0]);
    writeFileSync(
      join(recipes, 'soak.yaml'),
      `name: soak\nsource: {type: csv, path: /nonexistent.csv}\nschema: {user_column: user_id, item_column: item_id}\ntraining: {algorithms: [TopPop]}\noutput: {path: ${JSON.stringify(artifactPath)}, versioning: always_overwrite}\n`,
    );
    const good = new Set([`sha256:${sha256Hex(bases[0])}`]);

    const port = await freePort();
    const env: NodeJS.ProcessEnv = {
      ...process.env,
      RECOTEM_SIGNING_KEYS: keys,
      RECOTEM_API_KEYS: `soak:sha256:${apiDigest}`,
      RECOTEM_HOST: '127.0.0.1',
      RECOTEM_PORT: String(port),
      RECOTEM_WATCH_INTERVAL: String(watchInterval),
      RECOTEM_DRAIN_SECONDS: '5',
      RECOTEM_ENV: 'production',
    };
    const server = startCli(['serve', '--recipes', recipes], env);
    stopServer = () => {
      if (server.child.exitCode === null && server.child.signalCode === null) server.child.kill('SIGKILL');
    };
    const pid = server.child.pid ?? 0;
    await server.waitForEvent('serve_listening', 60_000);
    const origin = `http://127.0.0.1:${port}`;
    for (let i = 0; ; i++) {
      const r = await fetch(`${origin}/v1/health`).catch(() => null);
      if (r?.status === 200) break;
      if (i > 600) throw new Error(`the server never became healthy: ${server.stderr().slice(-2000)}`);
      await sleep(100);
    }
    say(`serving on ${origin} (pid ${pid}); driving ${rate} req/s for ${opts.seconds} s`);

    const started = Date.now();
    const stopAt = started + opts.seconds * 1000;
    const samples: LoadSample[] = [];
    const load = driveLoad({
      url: `${origin}/v1/recipes/soak:recommend`,
      apiKey,
      userIds,
      rate,
      concurrency: opts.concurrency ?? 8,
      until: stopAt,
      onSample: (s) => samples.push(s),
    });

    const swaps: SwapRecord[] = [];
    const rss: { at: number; mb: number }[] = [];
    const sampler = setInterval(() => rss.push({ at: Date.now(), mb: rssMb(pid) }), 1000);
    const badKinds: SwapRecord['kind'][] = ['tampered', 'truncated', 'wrong-key'];
    let step = 0;
    // Leave the watcher a few intervals after the last swap, so every swap is judged before SIGTERM.
    const settleMs = 3 * watchInterval * 1000;
    while (Date.now() + swapEvery * 1000 + settleMs < stopAt) {
      await sleep(swapEvery * 1000);
      step++;
      let bytes: Buffer;
      let kind: SwapRecord['kind'];
      if (step % 2 === 1) {
        kind = 'good';
        bytes = resign(bases[step % 4 === 1 ? 1 : 0], step);
      } else {
        kind = badKinds[(step / 2 - 1) % badKinds.length];
        const base = bases[0];
        if (kind === 'tampered') {
          bytes = Buffer.from(resign(base, step));
          bytes[bytes.length - 100] ^= 0x40;
        } else if (kind === 'truncated') {
          bytes = resign(base, step).subarray(0, Math.floor(base.length / 2));
        } else {
          bytes = resign(base, step, parseSigningKeyRing(otherKeys));
        }
      }
      const version = `sha256:${sha256Hex(bytes)}`;
      if (kind === 'good') good.add(version);
      publish(bytes);
      swaps.push({ at: Date.now(), kind, version, servedAfter: null });
      say(`swap ${step}: ${kind}`);
    }
    await load;
    clearInterval(sampler);
    // The last swap may still be in the watcher's hands when the load stops.
    await sleep(settleMs);

    for (const swap of swaps.filter((s) => s.kind === 'good')) {
      const first = samples.find((s) => s.version === swap.version && s.at >= swap.at);
      swap.servedAfter = first ? (first.at - swap.at) / 1000 : null;
    }

    server.child.kill('SIGTERM');
    const exit = await Promise.race([server.exited, sleep(20_000).then(() => null)]);
    if (exit === null) server.child.kill('SIGKILL');

    const latencies = samples
      .filter((s) => s.ok)
      .map((s) => s.ms)
      .sort((a, b) => a - b);
    const failures = samples.filter((s) => !s.ok);
    const warmFrom = started + Math.min(10_000, (opts.seconds * 1000) / 4);
    const warm = rss.filter((r) => r.at >= warmFrom && r.at < warmFrom + 10_000).map((r) => r.mb);
    const tail = rss.slice(-Math.max(3, Math.floor(rss.length / 5))).map((r) => r.mb);
    const goodSwaps = swaps.filter((s) => s.kind === 'good');
    return {
      seconds: (Date.now() - started) / 1000,
      requests: samples.length,
      failed: failures.length,
      failures: failures.slice(0, 5).map((f) => f.error ?? `status ${f.status}`),
      p50Ms: percentile(latencies, 50),
      p99Ms: percentile(latencies, 99),
      maxMs: latencies[latencies.length - 1] ?? 0,
      swaps,
      goodSwaps: goodSwaps.length,
      badSwaps: swaps.length - goodSwaps.length,
      maxServedAfter: Math.max(0, ...goodSwaps.map((s) => s.servedAfter ?? Number.POSITIVE_INFINITY)),
      unknownVersions: [
        ...new Set(samples.filter((s) => s.version && !good.has(s.version)).map((s) => s.version ?? '')),
      ],
      loadFailedEvents: server.events.filter((e) => e.event === 'artifact_load_failed').length,
      hotSwapEvents: server.events.filter((e) => e.event === 'artifact_hot_swapped').length,
      rssWarmMb: median(warm.length > 0 ? warm : rss.map((r) => r.mb)),
      rssEndMb: median(tail),
      rssMaxMb: Math.max(0, ...rss.map((r) => r.mb)),
      exitCode: exit?.code ?? null,
      shutdownLogged: server.seen('serve_shutdown'),
      leakedSecrets: findSecrets(server.stderr() + server.stdout()),
      artifactBytes: bases[0].length,
      watchIntervalSeconds: watchInterval,
      servedWithinLimitSeconds: watchInterval * 1.1 + allowance,
    };
  } finally {
    stopServer();
    rmSync(dir, { recursive: true, force: true });
  }
}
