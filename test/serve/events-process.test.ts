/**
 * Events against real server processes: acknowledged events survive SIGKILL, SIGTERM lets
 * in-flight writes finish, and two servers sharing a PostgreSQL store see each other's events.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { SqliteEventStore } from '../../src/data/events/sqlite.js';
import { serverUp } from '../helpers/servers.js';

process.env.PGUSER ??= 'postgres';
const PG_URL = 'postgresql://127.0.0.1:5432/recotem_test';
const CHILD = fileURLToPath(new URL('./fixtures/events-child.ts', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'recotem-events-proc-'));
const children: ChildProcess[] = [];
const run = `evp${Date.now().toString(36)}${Math.random().toString(16).slice(2, 6)}`;

afterEach(() => {
  for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
  children.length = 0;
});
afterAll(async () => {
  rmSync(dir, { recursive: true, force: true });
  if (!serverUp('postgres')) return;
  const admin = new pg.Client({ connectionString: PG_URL });
  await admin.connect();
  await admin.query('DELETE FROM recotem_events WHERE recipe LIKE $1', [`${run}%`]);
  await admin.end();
});

async function start(env: Record<string, string>) {
  const child = spawn(process.execPath, ['--import', 'tsx', CHILD], {
    env: { ...process.env, ...env, RECOTEM_LOG_FORMAT: 'json' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.push(child);
  const stderr: string[] = [];
  child.stderr!.on('data', (d: Buffer) => stderr.push(d.toString()));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  const port = await new Promise<number>((resolve, reject) => {
    createInterface({ input: child.stdout! }).on('line', (line) =>
      resolve((JSON.parse(line) as { port: number }).port),
    );
    void exited.then((code) => reject(new Error(`child exited (${code}): ${stderr.join('').slice(-2000)}`)));
  });
  return { child, port, exited, stderr: () => stderr.join('') };
}

function post(port: number, recipe: string, verb: string, body: unknown) {
  return fetch(`http://127.0.0.1:${port}/v1/recipes/${recipe}:${verb}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
}

const batch = (request: number, size: number) =>
  Array.from({ length: size }, (_, i) => ({
    user_id: `u${i % 7}`,
    item_id: `i${i % 6}`,
    event_id: `r${request}e${i}`,
  }));

async function storedIds(path: string, recipe: string): Promise<Set<string>> {
  const store = new SqliteEventStore(path);
  try {
    return new Set((await store.forTraining(recipe, 0)).map((e) => `${e.userId}/${e.itemId}`));
  } finally {
    await store.close();
  }
}

async function storedCount(path: string): Promise<number> {
  const { default: Database } = await import('better-sqlite3');
  const db = new Database(path, { readonly: true });
  try {
    return (db.prepare('SELECT count(*) AS n FROM recotem_events').get() as { n: number }).n;
  } finally {
    db.close();
  }
}

describe('durability', () => {
  it('every acknowledged event survives SIGKILL of the server', async () => {
    const path = join(dir, 'kill.db');
    const server = await start({ STORE: path });
    const responses = await Promise.all(
      Array.from({ length: 24 }, (_, r) => post(server.port, 'demo', 'events', { events: batch(r, 50) })),
    );
    let accepted = 0;
    for (const r of responses) {
      expect(r.status).toBe(200);
      accepted += ((await r.json()) as { accepted: number }).accepted;
    }
    expect(accepted).toBe(24 * 50);
    server.child.kill('SIGKILL');
    await server.exited;
    expect(await storedCount(path)).toBe(accepted);
    expect((await storedIds(path, 'demo')).size).toBeGreaterThan(0);
  }, 60_000);

  it('SIGTERM lets in-flight writes commit before the process exits', async () => {
    const path = join(dir, 'term.db');
    const server = await start({ STORE: path });
    const inflight = Array.from({ length: 16 }, (_, r) =>
      post(server.port, 'demo', 'events', { events: batch(r, 200) }).then(
        async (res) => (res.status === 200 ? ((await res.json()) as { accepted: number }).accepted : 0),
        () => 0,
      ),
    );
    // Signal once the first write is acknowledged, while the others are still on their way.
    await Promise.race(inflight);
    server.child.kill('SIGTERM');
    const accepted = (await Promise.all(inflight)).reduce((a, b) => a + b, 0);
    expect(accepted).toBeGreaterThanOrEqual(200);
    expect(await server.exited).toBe(0);
    // Whatever was acknowledged is stored, and nothing unacknowledged slipped in half-written.
    expect(await storedCount(path)).toBe(accepted);
    expect(server.stderr()).toContain('"event":"serve_shutdown"');
  }, 60_000);
});

describe.skipIf(!serverUp('postgres'))('replicas sharing a PostgreSQL store', () => {
  it('an event written through one server changes the next :recommend on the other', async () => {
    const recipe = `${run}_shared`;
    const [a, b] = await Promise.all([
      start({ STORE: PG_URL, RECIPE: recipe }),
      start({ STORE: PG_URL, RECIPE: recipe }),
    ]);
    expect((await post(b.port, recipe, 'recommend', { user_id: 'newcomer', limit: 2 })).status).toBe(404);
    const before = (await (await post(b.port, recipe, 'recommend', { user_id: 'u1', limit: 2 })).json()) as {
      items: { item_id: string }[];
    };
    expect(before.items.map((i) => i.item_id)).toEqual(['i2', 'i3']);

    const write = await post(a.port, recipe, 'events', {
      events: [
        { user_id: 'newcomer', item_id: 'i1', event_id: 'n1' },
        { user_id: 'u1', item_id: 'i2', event_id: 'n2' },
      ],
    });
    expect(await write.json()).toEqual({ accepted: 2, duplicates: 0, errors: [] });
    // The same event id through the other replica is a duplicate.
    const again = await post(b.port, recipe, 'events', { events: [{ user_id: 'u1', item_id: 'i2', event_id: 'n2' }] });
    expect(await again.json()).toEqual({ accepted: 0, duplicates: 1, errors: [] });

    const cold = await post(b.port, recipe, 'recommend', { user_id: 'newcomer', limit: 2 });
    expect(cold.status).toBe(200);
    expect(((await cold.json()) as { items: { item_id: string }[] }).items.map((i) => i.item_id)).toEqual(['i2', 'i3']);
    const warm = (await (await post(b.port, recipe, 'recommend', { user_id: 'u1', limit: 2 })).json()) as {
      items: { item_id: string }[];
    };
    expect(warm.items.map((i) => i.item_id)).toEqual(['i3', 'i4']);
  }, 60_000);
});
