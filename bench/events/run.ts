/**
 * Event benchmark: a real server over the ml-latest-small IALS model (bench/serve's artifact)
 * whose recipe takes events, driven over loopback with autocannon.
 *
 * - ingest: `POST :events` with 100 events per request (unique event ids) from 16 connections;
 *   events/s = requests/s × 100, with p50/p99 latency and non-2xx answers;
 * - visibility: an event for a user the model never saw, then `:recommend` for that user;
 * - read cost: `:recommend` p50 for one user before and after 20 events of theirs are stored.
 *
 *   npx tsx bench/events/run.ts [--store sqlite|postgresql] [--duration 10] [--connections 16]
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { rmSync } from 'node:fs';
import { appendFile } from 'node:fs/promises';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import autocannon from 'autocannon';
import pg from 'pg';
import { BENCH_SIGNING_KEYS, prepareModel } from '../serve/prepare.js';

const { values: args } = parseArgs({
  options: {
    store: { type: 'string', default: 'sqlite' },
    duration: { type: 'string', default: '10' },
    connections: { type: 'string', default: '16' },
    dir: { type: 'string', default: join(tmpdir(), 'recotem-bench-serve') },
    port: { type: 'string', default: '18741' },
    pg: { type: 'string', default: 'postgresql://127.0.0.1:5432/recotem_test' },
  },
});
const log = (s: string) => process.stderr.write(`${s}\n`);
const SERVER = fileURLToPath(new URL('../serve/server.mjs', import.meta.url));
const port = Number(args.port);
const base = `http://127.0.0.1:${port}/v1/recipes/ml-small`;
process.env.PGUSER ??= 'postgres';

const model = await prepareModel(args.dir, 'ml-small', log);
const storeLine = args.store === 'postgresql' ? `{store: "${args.pg}"}` : '{}';
rmSync(join(args.dir, 'ml-small.events.db'), { force: true });
rmSync(join(args.dir, 'ml-small.events.db-wal'), { force: true });
if (args.store === 'postgresql') {
  const admin = new pg.Client({ connectionString: args.pg });
  await admin.connect();
  await admin.query("DELETE FROM recotem_events WHERE recipe = 'ml-small'").catch(() => undefined);
  await admin.end();
}
await appendFile(join(args.dir, 'ml-small.yaml'), `events: ${storeLine}\n`);

const child: ChildProcess = spawn(process.execPath, ['--import', 'tsx', SERVER], {
  env: { ...process.env, BENCH_SIGNING_KEYS, RECIPES_DIR: args.dir, PORT: String(port), RECOTEM_LOG_FORMAT: 'json' },
  stdio: ['ignore', 'pipe', 'ignore'],
});
await new Promise<void>((resolve) => createInterface({ input: child.stdout! }).once('line', () => resolve()));
for (;;) {
  const r = await fetch(`http://127.0.0.1:${port}/v1/health`).catch(() => null);
  if (r?.status === 200) break;
  await new Promise((r) => setTimeout(r, 200));
}

const post = (verb: string, body: unknown) =>
  fetch(`${base}:${verb}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });

// Ingest.
let counter = 0;
const items = model.sampleItems;
const users = model.userIds;
const ingest = await autocannon({
  url: `${base}:events`,
  connections: Number(args.connections),
  duration: Number(args.duration),
  requests: [
    {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      setupRequest: (req) => {
        const events = [];
        for (let i = 0; i < 100; i++) {
          const n = counter++;
          events.push({ user_id: users[n % users.length], item_id: items[(n * 7) % items.length], event_id: `b${n}` });
        }
        return { ...req, body: JSON.stringify({ events }) };
      },
    },
  ],
});
const ingestLoad = loadavg()[0];

// Visibility: a user the model never saw is answered from their first event.
const before = (await post('recommend', { user_id: 'bench-newcomer', limit: 10 })).status;
await post('events', { events: [{ user_id: 'bench-newcomer', item_id: items[0] }] });
const after = (await post('recommend', { user_id: 'bench-newcomer', limit: 10 })).status;

// Read cost: the same user before and after 20 events.
async function p50(user: string): Promise<number> {
  const r = await autocannon({
    url: `${base}:recommend`,
    connections: 1,
    duration: 5,
    requests: [
      {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ user_id: user, limit: 10 }),
      },
    ],
  });
  return r.latency.p50;
}
const reader = users[1];
const plain = await p50(reader);
await post('events', { events: items.slice(100, 120).map((item_id) => ({ user_id: reader, item_id })) });
const withEvents = await p50(reader);
const readLoad = loadavg()[0];

child.kill('SIGTERM');
const rps = ingest.requests.average;
process.stdout.write(
  `${JSON.stringify(
    {
      store: args.store,
      ingest: {
        connections: Number(args.connections),
        events_per_request: 100,
        requests_per_s: rps,
        events_per_s: Math.round(rps * 100),
        p50_ms: ingest.latency.p50,
        p99_ms: ingest.latency.p99,
        non_2xx: ingest.non2xx,
        errors: ingest.errors,
        load_1m: ingestLoad,
      },
      visibility: { newcomer_before: before, newcomer_after_one_event: after },
      read: { p50_ms_plain: plain, p50_ms_with_20_events: withEvents, delta_ms: withEvents - plain, load_1m: readLoad },
    },
    null,
    2,
  )}\n`,
);
process.exit(0);
