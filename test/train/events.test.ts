/** `events.include_in_training`: stored events become source rows of the next `recotem train`. */
import { spawnSync } from 'node:child_process';
import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { MODEL_FORMATS } from '../../src/algorithms/registry.js';
import { openArtifact, readArtifactBytes } from '../../src/artifact/index.js';
import { parseSigningKeyRing } from '../../src/config/index.js';
import type { NewEvent } from '../../src/data/events/index.js';
import { SqliteEventStore } from '../../src/data/events/sqlite.js';
import { makeTrainWorkspace } from '../helpers/train-fixtures.js';

const ENTRY = join(import.meta.dirname, '../../src/cli/entry.ts');
const ws = makeTrainWorkspace({ extra: 'events: {include_in_training: true, retention_days: 30}' });
afterAll(() => rmSync(ws.dir, { recursive: true, force: true }));

const DAY = 86_400_000;
function event(userId: string, itemId: string, over: Partial<NewEvent> = {}): NewEvent {
  const now = Date.now();
  return {
    recipe: 'shop',
    eventId: null,
    userId,
    itemId,
    eventType: null,
    weight: 1,
    tsMs: now,
    receivedMs: now,
    ...over,
  };
}

describe('training on events', () => {
  it('adds the events within retention to the source rows and reports how many', async () => {
    // The default store: next to the artifact, named after the recipe.
    const store = new SqliteEventStore(join(ws.dir, 'out', 'shop.events.db'));
    await store.append([
      event('newcomer', 'i1'),
      event('newcomer', 'i2'),
      event('u0', 'i39'),
      event('u1', 'i3', { tsMs: Date.now() - 40 * DAY }), // beyond retention
      event('u2', 'i5', { weight: 0 }), // a type weighted 0 is stored but never used
      event('newcomer', 'i3', { recipe: 'other' }), // another recipe's event
    ]);
    await store.close();

    const report = join(ws.dir, 'report.html');
    const r = spawnSync(process.execPath, ['--import', 'tsx', ENTRY, 'train', ws.recipePath, '--report', report], {
      env: ws.env,
      encoding: 'utf8',
      timeout: 120_000,
    });
    expect(r.stderr).not.toContain('Training failed');
    expect(r.status).toBe(0);
    const events = r.stderr
      .split('\n')
      .filter((l) => l.startsWith('{'))
      .map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(events.find((e) => e.event === 'events_included')).toMatchObject({ n_event_rows: 3 });
    expect(events.find((e) => e.event === 'train_done')).toMatchObject({ n_event_rows: 3, n_users: 61 });

    const { bytes } = await readArtifactBytes(ws.outputPath);
    const opened = openArtifact(bytes, {
      models: MODEL_FORMATS,
      keyRing: parseSigningKeyRing(ws.env.RECOTEM_SIGNING_KEYS as string),
    });
    expect(opened.payload.userIds).toContain('newcomer');
    expect(opened.header.n_event_rows).toBe(3);
    expect(opened.header.events_until_ms).toBeGreaterThan(Date.now() - 10 * 60_000);
    expect(readFileSync(report, 'utf8')).toContain('n_event_rows');
  }, 150_000);
});
