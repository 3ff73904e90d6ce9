import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { resetSourceRegistryForTests } from '../../src/data/sources/registry.js';
import { resetLoggingForTests } from '../../src/log/index.js';
import { runInProcess, tempDir } from './helpers.js';

process.env.PGUSER ??= 'postgres';
let dir: ReturnType<typeof tempDir>;

function recipe(name: string, events: string): string {
  const file = join(dir.path, `${name}.yaml`);
  writeFileSync(
    file,
    `name: ${name}
source: {type: csv, path: ${join(dir.path, 'log.csv')}}
schema: {user_column: user_id, item_column: item_id}
training: {algorithms: [TopPop], n_trials: 1}
output: {path: ${join(dir.path, 'out', `${name}.recotem`)}}
events: ${events}
`,
  );
  return file;
}

beforeAll(() => {
  dir = tempDir('recotem-cli-events-');
  writeFileSync(join(dir.path, 'log.csv'), 'user_id,item_id\nu1,i1\nu2,i2\n');
  writeFileSync(join(dir.path, 'a-file'), 'not a directory');
});
afterAll(() => dir.remove());
beforeEach(() => resetSourceRegistryForTests());
afterEach(() => {
  resetSourceRegistryForTests();
  resetLoggingForTests();
});

describe('recotem validate checks the events section and probes its store', () => {
  it('passes the default store without creating it', async () => {
    const r = await runInProcess(['validate', recipe('shop', '{}')]);
    expect(r.stderr).toEqual([]);
    expect(r.stdout).toContain(
      `Events: store OK (sqlite ${join(dir.path, 'out', 'shop.events.db')}, created on first event)`,
    );
    expect(r.stdout.at(-1)).toBe('Validation passed.');
    expect(existsSync(join(dir.path, 'out', 'shop.events.db'))).toBe(false);
  });

  it('probes a PostgreSQL store and fails with exit 3 when it is down', async () => {
    const ok = await runInProcess(['validate', recipe('pgok', '{store: "postgresql://127.0.0.1:5432/recotem_test"}')]);
    expect(ok.stdout).toContain('Events: store OK (postgresql postgresql://127.0.0.1:5432/recotem_test)');
    expect(ok.code).toBe(0);
    const down = await runInProcess(['validate', recipe('pgdown', '{store: "postgresql://127.0.0.1:1/recotem_test"}')]);
    expect(down.code).toBe(3);
    expect(down.stderr[0]).toMatch(/^DataSource probe failed: event store unavailable/);
  });

  it('fails a store that cannot be created, and a bad section with exit 2 naming the field', async () => {
    const blocked = await runInProcess(['validate', recipe('blocked', `{store: ${join(dir.path, 'a-file', 'x.db')}}`)]);
    expect(blocked.code).toBe(3);
    expect(blocked.stderr[0]).toContain('is not writable');
    const bad = await runInProcess(['validate', recipe('bad', '{retention_days: 0}')]);
    expect(bad.code).toBe(2);
    expect(bad.stderr.join('\n')).toContain('events.retention_days');
  });
});
