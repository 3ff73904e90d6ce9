import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type FetchRecipe,
  fetchInteractions,
  fetchSourceTable,
  type SourceFactory,
} from '../../src/data/interactions.js';
import { getSourceRegistry } from '../../src/data/sources/registry.js';
import type { DataSource, FetchContext } from '../../src/data/sources/types.js';
import { InteractionTable } from '../../src/data/table.js';
import { DataSourceError, exitCodeFor, HttpFetchError, RecipeError, TrainingError } from '../../src/errors/index.js';
import { captureLogs } from '../../src/log/index.js';

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'recotem-interactions-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function recipe(source: FetchRecipe['source']): FetchRecipe {
  return {
    name: 'shop',
    source,
    schema: { user_column: 'user', item_column: 'item', time_column: 'ts', time_unit: 's' },
    cleansing: { drop_null_ids: true, dedup: 'keep_last', min_rows: null, min_users: null, min_items: null },
  };
}

function factory(fetch: (ctx: FetchContext) => Promise<InteractionTable>, closed: string[] = []): SourceFactory {
  return {
    async createSource(): Promise<DataSource> {
      return { fetch, close: () => void closed.push('closed') };
    },
  };
}

describe('fetchSourceTable', () => {
  it('passes the schema columns in ctx.extra and closes the source', async () => {
    const seen: FetchContext[] = [];
    const closed: string[] = [];
    const table = await fetchSourceTable(
      recipe({ type: 'echo' }),
      { runId: 'run9' },
      factory(async (ctx) => {
        seen.push(ctx);
        return InteractionTable.fromColumns({ user: ['a'], item: ['x'], ts: [1] });
      }, closed),
    );
    expect(table.rowCount).toBe(1);
    expect(seen[0]).toEqual({
      recipeName: 'shop',
      runId: 'run9',
      extra: { user_column: 'user', item_column: 'item', time_column: 'ts' },
    });
    expect(closed).toEqual(['closed']);
  });

  it('wraps unexpected errors as "Data fetch failed" and logs them; keeps HttpFetchError causes at exit 7', async () => {
    const logs = captureLogs();
    try {
      const err = await fetchSourceTable(
        recipe({ type: 'echo' }),
        { runId: 'r' },
        factory(async () => {
          throw new TypeError('boom');
        }),
      ).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(DataSourceError);
      expect((err as Error).message).toBe('Data fetch failed: boom');
      expect((err as Error).cause).toBeInstanceOf(TypeError);
      expect(exitCodeFor(err)).toBe(3);
      expect(logs.events('datasource_unexpected_error')[0]).toMatchObject({
        recipe: 'shop',
        run_id: 'r',
        exc_class: 'TypeError',
        error: 'boom',
      });
      const http = await fetchSourceTable(
        recipe({ type: 'echo' }),
        { runId: 'r' },
        factory(async () => {
          throw new Error('wrapper', { cause: new HttpFetchError('Timeout (30s) fetching http://x') });
        }),
      ).catch((e: unknown) => e);
      expect(exitCodeFor(http)).toBe(7);
    } finally {
      logs.stop();
    }
  });

  it('lets DataSourceError, TrainingError and RecipeError through unchanged', async () => {
    for (const e of [new DataSourceError('ds'), new TrainingError('tr', 'time_unit_required'), new RecipeError('rc')]) {
      const got = await fetchSourceTable(
        recipe({ type: 'echo' }),
        { runId: 'r' },
        factory(async () => {
          throw e;
        }),
      ).catch((x: unknown) => x);
      expect(got).toBe(e);
    }
  });
});

describe('fetchInteractions end to end', () => {
  it('goes from a CSV recipe through the registry to indexed interactions', async () => {
    const path = join(dir, 'events.csv');
    writeFileSync(path, 'user,item,ts\n2,x,100\n1,y,101\n2,x,102\n,z,103\n3,y,104\n');
    const registry = await getSourceRegistry();
    const { table, interactions } = await fetchInteractions(
      recipe({ type: 'csv', path, delimiter: ',', encoding: 'utf-8', header: 0, dtype: null, sha256: null }),
      { runId: 'e2e' },
      registry,
    );
    expect(table.rowCount).toBe(5);
    // user is an integer column with a missing value, so ids render as floats (pandas semantics).
    expect(interactions.userIds).toEqual(['1.0', '2.0', '3.0']);
    expect(interactions.itemIds).toEqual(['x', 'y']);
    expect(Array.from(interactions.userIndex)).toEqual([0, 1, 2]);
    expect(Array.from(interactions.itemIndex)).toEqual([1, 0, 1]);
    expect(Array.from(interactions.timeMs ?? [])).toEqual([101_000, 102_000, 104_000]);
    expect(interactions.stats).toEqual({ n_rows: 3, n_users: 3, n_items: 2, drop_count: 2, dedup_policy: 'keep_last' });
  });

  it('fails early with exit 3 when a schema column is missing from the CSV', async () => {
    const path = join(dir, 'wrong.csv');
    writeFileSync(path, 'customer,item\n1,x\n');
    const err = await fetchInteractions(
      recipe({ type: 'csv', path, delimiter: ',', encoding: 'utf-8', header: 0, dtype: null, sha256: null }),
      { runId: 'e2e' },
      await getSourceRegistry(),
    ).catch((e: unknown) => e);
    expect((err as Error).message).toBe(
      `required column 'user' not found in source '${path}'; available columns: ['customer', 'item']`,
    );
    expect(exitCodeFor(err)).toBe(3);
  });
});
