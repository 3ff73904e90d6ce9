import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { type EventStore, EventStoreUnavailableError, type NewEvent } from '../../../src/data/events/index.js';
import { PostgresEventStore } from '../../../src/data/events/postgres.js';
import { SqliteEventStore } from '../../../src/data/events/sqlite.js';
import { serverUp } from '../../helpers/servers.js';

process.env.PGUSER ??= 'postgres';
const PG_URL = 'postgresql://127.0.0.1:5432/recotem_test';
const run = `ev${Date.now().toString(36)}${Math.random().toString(16).slice(2, 8)}`;
const dir = mkdtempSync(join(tmpdir(), 'recotem-events-'));

afterAll(async () => {
  rmSync(dir, { recursive: true, force: true });
  if (!serverUp('postgres')) return;
  const admin = new pg.Client({ connectionString: PG_URL });
  await admin.connect();
  await admin.query(`DELETE FROM recotem_events WHERE recipe LIKE '${run}%'`);
  await admin.end();
});

function event(recipe: string, over: Partial<NewEvent>): NewEvent {
  return {
    recipe,
    eventId: null,
    userId: 'u1',
    itemId: 'i1',
    eventType: null,
    weight: 1,
    tsMs: 1_000_000,
    receivedMs: 2_000_000,
    ...over,
  };
}

function contract(label: string, open: () => EventStore, skip = false) {
  describe.skipIf(skip)(`${label} event store`, () => {
    const recipe = `${run}_${label}`;

    it('commits events, counts a repeated event id once (also within one commit), and reads them back', async () => {
      const store = open();
      try {
        const first = await store.append([
          event(recipe, { eventId: 'a', itemId: 'i1', receivedMs: 10 }),
          event(recipe, { eventId: 'a', itemId: 'i9', receivedMs: 10 }),
          event(recipe, { itemId: 'i2', receivedMs: 20 }),
          event(recipe, { userId: 'u2', itemId: 'i3', receivedMs: 30, weight: 2.5 }),
        ]);
        expect(first).toEqual([true, false, true, true]);
        // Concurrent requests share a commit and each gets its own answer.
        const [again, other] = await Promise.all([
          store.append([event(recipe, { eventId: 'a', itemId: 'i1' })]),
          store.append([event(recipe, { eventId: 'b', itemId: 'i4', receivedMs: 40 })]),
        ]);
        expect(again).toEqual([false]);
        expect(other).toEqual([true]);

        const recent = await store.recent(recipe, ['u1', 'u2', 'nobody'], 15, 10);
        expect(recent.get('u1')?.map((e) => e.itemId)).toEqual(['i4', 'i2']);
        expect(recent.get('u2')).toEqual([{ itemId: 'i3', weight: 2.5 }]);
        expect(recent.get('nobody')).toEqual([]);
        expect((await store.recent(recipe, ['u1'], 0, 1)).get('u1')?.map((e) => e.itemId)).toEqual(['i4']);
        // Another recipe in the same store sees nothing of these.
        expect((await store.recent(`${recipe}_other`, ['u1'], 0, 10)).get('u1')).toEqual([]);

        const training = await store.forTraining(recipe, 0);
        expect(training.map((e) => [e.userId, e.itemId])).toEqual([
          ['u1', 'i1'],
          ['u1', 'i2'],
          ['u2', 'i3'],
          ['u1', 'i4'],
        ]);
      } finally {
        await store.close();
      }
    });

    it('deletes events older than a cut-off in batches and keeps newer ones', async () => {
      const store = open();
      const r = `${recipe}_ret`;
      try {
        await store.append([
          event(r, { tsMs: 100, itemId: 'old1' }),
          event(r, { tsMs: 200, itemId: 'old2' }),
          event(r, { tsMs: 300, itemId: 'old3' }),
          event(r, { tsMs: 5000, itemId: 'new' }),
        ]);
        expect(await store.deleteOlderThan(r, 1000, 2)).toBe(2);
        expect(await store.deleteOlderThan(r, 1000, 2)).toBe(1);
        expect(await store.deleteOlderThan(r, 1000, 2)).toBe(0);
        expect((await store.forTraining(r, 0)).map((e) => e.itemId)).toEqual(['new']);
        expect((await store.forTraining(r, 6000)).length).toBe(0);
      } finally {
        await store.close();
      }
    });

    it('writes pending at close are committed before the store closes', async () => {
      const store = open();
      const r = `${recipe}_close`;
      const pending = store.append([event(r, { itemId: 'late' })]);
      await store.close();
      expect(await pending).toEqual([true]);
      const reopened = open();
      try {
        expect((await reopened.forTraining(r, 0)).map((e) => e.itemId)).toEqual(['late']);
      } finally {
        await reopened.close();
      }
    });
  });
}

contract('sqlite', () => new SqliteEventStore(join(dir, 'nested', 'events.db')));
contract('postgresql', () => new PostgresEventStore(PG_URL), !serverUp('postgres'));

describe('unavailable stores', () => {
  it('a PostgreSQL server that refuses connections is reported as unavailable', async () => {
    const store = new PostgresEventStore('postgresql://127.0.0.1:1/recotem_test');
    try {
      await expect(store.append([event(run, {})])).rejects.toBeInstanceOf(EventStoreUnavailableError);
      await expect(store.probe()).rejects.toBeInstanceOf(EventStoreUnavailableError);
    } finally {
      await store.close();
    }
  });

  it('a SQLite file that cannot be created is reported as unavailable', () => {
    const file = join(dir, 'a-file');
    writeFileSync(file, 'not a directory');
    expect(() => new SqliteEventStore(join(file, 'events.db'))).toThrow(EventStoreUnavailableError);
  });
});
