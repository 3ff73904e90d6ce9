import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { type CleanseRecipe, cleanseAndIndex } from '../../src/data/cleanse.js';
import { compareIds } from '../../src/data/ids.js';
import { type CellValue, type Column, InteractionTable } from '../../src/data/table.js';
import { DataSourceError, exitCodeFor, MinDataViolation, TrainingError } from '../../src/errors/index.js';

function recipe(
  over: Partial<CleanseRecipe['cleansing']> = {},
  schema: Partial<CleanseRecipe['schema']> = {},
): CleanseRecipe {
  return {
    schema: { user_column: 'u', item_column: 'i', time_column: null, time_unit: null, ...schema },
    cleansing: { drop_null_ids: true, dedup: 'keep_last', min_rows: null, min_users: null, min_items: null, ...over },
    source: { type: 'csv', path: 'data/x.csv' },
  };
}

function pairs(t: ReturnType<typeof cleanseAndIndex>): string[] {
  return Array.from(t.userIndex, (u, k) => `${t.userIds[u]}|${t.itemIds[t.itemIndex[k]]}`);
}

describe('cleanseAndIndex', () => {
  it('drops null ids, keeps the last duplicate in source order and indexes sorted ids', () => {
    const table = InteractionTable.fromColumns({
      u: ['b', 'a', 'b', null, 'a', 'c'],
      i: ['x', 'y', 'x', 'z', 'y', null],
      w: [1, 2, 3, 4, 5, 6],
    });
    const out = cleanseAndIndex(table, recipe());
    expect(out.userIds).toEqual(['a', 'b']);
    expect(out.itemIds).toEqual(['x', 'y']);
    expect(pairs(out)).toEqual(['b|x', 'a|y']); // rows 2 and 4 survive, in source order
    expect(out.stats).toEqual({ n_rows: 2, n_users: 2, n_items: 2, drop_count: 4, dedup_policy: 'keep_last' });
  });

  it('keep_first keeps the first occurrence; none keeps every row', () => {
    const table = InteractionTable.fromColumns({ u: ['a', 'a', 'b', 'a'], i: ['x', 'y', 'x', 'x'], t: [1, 2, 3, 4] });
    const first = cleanseAndIndex(table, recipe({ dedup: 'keep_first' }, { time_column: 't', time_unit: 's' }));
    expect(pairs(first)).toEqual(['a|x', 'a|y', 'b|x']);
    expect(Array.from(first.timeMs ?? [])).toEqual([1000, 2000, 3000]);
    const last = cleanseAndIndex(table, recipe({ dedup: 'keep_last' }, { time_column: 't', time_unit: 's' }));
    expect(pairs(last)).toEqual(['a|y', 'b|x', 'a|x']);
    expect(Array.from(last.timeMs ?? [])).toEqual([2000, 3000, 4000]);
    const none = cleanseAndIndex(table, recipe({ dedup: 'none' }));
    expect(none.nRows).toBe(4);
    expect(none.timeMs).toBeNull();
  });

  it('string-coerces ids Python-style', () => {
    const cols: Record<string, Column> = {
      ints: { encoding: 'number', type: 'int', values: Float64Array.from([42, 7]) },
      floats: { encoding: 'number', type: 'float', values: Float64Array.from([42, 1e16]) },
      bools: { encoding: 'bool', type: 'bool', values: Uint8Array.from([1, 0]) },
      big: { encoding: 'values', type: 'int', values: [12345678901234567890n, 5n] },
      dictf: { encoding: 'dict', type: 'float', codes: Int32Array.from([0, 1]), dictionary: [12, 0.1] },
    };
    const table = new InteractionTable(Object.entries(cols));
    const ids = (c: string) =>
      cleanseAndIndex(table, { ...recipe({ dedup: 'none' }), schema: { user_column: c, item_column: 'ints' } }).userIds;
    expect(ids('ints')).toEqual(['42', '7']);
    expect(ids('floats')).toEqual(['1e+16', '42.0']);
    expect(ids('bools')).toEqual(['False', 'True']);
    expect(ids('big')).toEqual(['12345678901234567890', '5']);
    expect(ids('dictf')).toEqual(['0.1', '12.0']);
  });

  it('renders null ids as literal ids when drop_null_ids is false', () => {
    const table = new InteractionTable([
      ['u', { encoding: 'number', type: 'float', values: Float64Array.from([1, Number.NaN]) }],
      ['i', { encoding: 'dict', type: 'string', codes: Int32Array.from([0, -1]), dictionary: ['x'] }],
    ]);
    const out = cleanseAndIndex(table, recipe({ drop_null_ids: false, dedup: 'none' }));
    expect(out.userIds).toEqual(['1.0', 'nan']);
    expect(out.itemIds).toEqual(['None', 'x']);
    expect(out.stats.drop_count).toBe(0);
  });

  it('orders ids by code point like Python', () => {
    const astral = '\u{1F600}';
    const high = '\uFFFD';
    const table = InteractionTable.fromColumns({ u: [high, astral, 'a'], i: ['x', 'x', 'x'] });
    expect(cleanseAndIndex(table, recipe()).userIds).toEqual(['a', high, astral]);
    fc.assert(
      fc.property(fc.string({ unit: 'grapheme' }), fc.string({ unit: 'grapheme' }), (a, b) => {
        const cps = (s: string) => Array.from(s, (ch) => ch.codePointAt(0) as number);
        const x = cps(a);
        const y = cps(b);
        let expected = 0;
        for (let k = 0; k < Math.min(x.length, y.length) && expected === 0; k++) expected = x[k] - y[k];
        if (expected === 0) expected = x.length - y.length;
        expect(Math.sign(compareIds(a, b))).toBe(Math.sign(expected));
      }),
    );
  });

  it('parses time columns: units for numbers, ISO strings, and the two TrainingErrors', () => {
    const mk = (t: CellValue[]) =>
      InteractionTable.fromColumns({ u: t.map((_, k) => `u${k}`), i: t.map(() => 'x'), t });
    const iso = cleanseAndIndex(
      mk(['2024-01-01', '2024-01-01T09:00:00+09:00', '2024-01-01 00:00:01.5', null]),
      recipe({}, { time_column: 't' }),
    );
    expect(Array.from(iso.timeMs ?? [])).toEqual([
      Date.UTC(2024, 0, 1),
      Date.UTC(2024, 0, 1),
      Date.UTC(2024, 0, 1) + 1500,
      Number.NaN,
    ]);
    const ms = cleanseAndIndex(mk([1_700_000_000_000]), recipe({}, { time_column: 't', time_unit: 'ms' }));
    expect(Array.from(ms.timeMs ?? [])).toEqual([1_700_000_000_000]);
    const ns = cleanseAndIndex(mk([1_700_000_000_000_000_000]), recipe({}, { time_column: 't', time_unit: 'ns' }));
    expect(ns.timeMs?.[0]).toBeCloseTo(1_700_000_000_000, -1);
    const needUnit = (() => {
      try {
        cleanseAndIndex(mk([1, 2]), recipe({}, { time_column: 't' }));
      } catch (e) {
        return e;
      }
    })();
    expect(needUnit).toBeInstanceOf(TrainingError);
    expect((needUnit as TrainingError).code).toBe('time_unit_required');
    expect(exitCodeFor(needUnit)).toBe(4);
    expect(() => cleanseAndIndex(mk(['yesterday']), recipe({}, { time_column: 't' }))).toThrow(
      "Failed to parse time_column 't': 'yesterday' is not an ISO-8601 date/time",
    );
    expect(() => cleanseAndIndex(mk(['2024-02-30']), recipe({}, { time_column: 't' }))).toThrow(TrainingError);
    // configured but absent: nothing happens here
    expect(cleanseAndIndex(mk([1]), recipe({}, { time_column: 'missing' })).timeMs).toBeNull();
  });

  it('enforces the min-data gates with all six numbers', () => {
    const table = InteractionTable.fromColumns({ u: ['a', 'b'], i: ['x', 'x'] });
    let err: unknown;
    try {
      cleanseAndIndex(table, recipe({ min_rows: 3, min_users: 2, min_items: 2 }));
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(MinDataViolation);
    expect((err as MinDataViolation).message).toBe(
      'Dataset below minimum thresholds after cleansing: n_rows=2 < min_rows=3; n_items=1 < min_items=2',
    );
    expect((err as MinDataViolation).stats).toEqual({
      n_rows: 2,
      n_users: 2,
      n_items: 1,
      min_rows: 3,
      min_users: 2,
      min_items: 2,
    });
    expect(exitCodeFor(err)).toBe(4);
    expect(() => cleanseAndIndex(table, recipe({ min_rows: 2, min_users: 2, min_items: 1 }))).not.toThrow();
  });

  it('refuses missing schema columns with a DataSourceError (exit 3)', () => {
    const table = InteractionTable.fromColumns({ user: ['a'], i: ['x'] });
    let err: unknown;
    try {
      cleanseAndIndex(table, recipe());
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(DataSourceError);
    expect((err as Error).message).toBe(
      "required column 'u' not found in source 'data/x.csv'; available columns: ['i', 'user']",
    );
    expect(exitCodeFor(err)).toBe(3);
  });

  it('matches a naive reference on random data for every dedup policy', () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.option(fc.integer({ min: 0, max: 5 })), fc.integer({ min: 0, max: 4 })), {
          maxLength: 60,
        }),
        fc.constantFrom('keep_first', 'keep_last', 'none'),
        (rows, dedup) => {
          const table = InteractionTable.fromColumns(
            { u: rows.map(([u]) => (u === null ? null : `u${u}`)), i: rows.map(([, i]) => `i${i}`) },
            { u: 'string' },
          );
          const out = cleanseAndIndex(table, recipe({ dedup: dedup as 'none' }));
          const live = rows.map(([u, i], k) => ({ k, key: `u${u}|i${i}`, ok: u !== null })).filter((r) => r.ok);
          const expected = live.filter((r, idx) => {
            if (dedup === 'none') return true;
            const same = live.filter((s) => s.key === r.key);
            return dedup === 'keep_first' ? same[0] === live[idx] : same[same.length - 1] === live[idx];
          });
          expect(pairs(out)).toEqual(expected.map((r) => r.key));
          expect(out.userIds).toEqual([...new Set(expected.map((r) => r.key.split('|')[0]))].sort());
        },
      ),
    );
  });
});
