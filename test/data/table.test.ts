import { describe, expect, it } from 'vitest';
import { BOOL_NULL, ColumnBuilder, InteractionTable } from '../../src/data/table.js';

describe('ColumnBuilder', () => {
  it('dictionary-encodes strings and keeps leading nulls', () => {
    const b = new ColumnBuilder();
    for (const v of [null, 'a', 'b', 'a', null]) b.append(v);
    const col = b.finish();
    expect(col).toEqual({
      encoding: 'dict',
      type: 'string',
      codes: Int32Array.from([-1, 0, 1, 0, -1]),
      dictionary: ['a', 'b'],
    });
  });

  it('stores numbers flat; an int column with a null becomes float unless nullable ints are kept', () => {
    const ints = new ColumnBuilder();
    for (const v of [1, 2, 3]) ints.append(v);
    expect(ints.finish()).toMatchObject({ encoding: 'number', type: 'int' });
    const withNull = new ColumnBuilder();
    for (const v of [1, null, 3]) withNull.append(v);
    const col = withNull.finish();
    expect(col.type).toBe('float');
    expect(Array.from((col as { values: Float64Array }).values)).toEqual([1, Number.NaN, 3]);
    const nullable = new ColumnBuilder(undefined, true);
    for (const v of [1, null, 3]) nullable.append(v);
    expect(nullable.finish().type).toBe('int');
    const hinted = new ColumnBuilder('float');
    hinted.append(2);
    expect(hinted.finish().type).toBe('float');
  });

  it('handles booleans, dates, bigints and demotes mixed kinds to plain values', () => {
    const bools = new ColumnBuilder();
    for (const v of [true, null, false]) bools.append(v);
    expect(bools.finish()).toEqual({ encoding: 'bool', type: 'bool', values: Uint8Array.from([1, BOOL_NULL, 0]) });
    const dates = new ColumnBuilder();
    dates.append(new Date(1000));
    dates.append(null);
    expect(dates.finish()).toMatchObject({ encoding: 'number', type: 'timestamp' });
    const big = new ColumnBuilder();
    big.append(5n);
    big.append(2n ** 64n);
    expect(big.finish()).toEqual({ encoding: 'values', type: 'int', values: [5, 2n ** 64n] });
    const mixed = new ColumnBuilder();
    for (const v of ['a', 1, null]) mixed.append(v);
    expect(mixed.finish()).toEqual({ encoding: 'values', type: 'mixed', values: ['a', 1, null] });
  });

  it('grows past its initial capacity', () => {
    const b = new ColumnBuilder();
    for (let k = 0; k < 5000; k++) b.append(`s${k % 7}`);
    const col = b.finish();
    expect(col.encoding === 'dict' && col.codes.length).toBe(5000);
  });
});

describe('InteractionTable', () => {
  it('exposes names, values and rows, and rejects ragged columns', () => {
    const t = InteractionTable.fromRows(
      ['u', 'n'],
      [
        ['a', 1],
        ['b', null],
      ],
    );
    expect(t.rowCount).toBe(2);
    expect(t.columns).toEqual(['u', 'n']);
    expect(t.head()).toEqual([
      { u: 'a', n: 1 },
      { u: 'b', n: Number.NaN },
    ]);
    expect(() => t.column('zz')).toThrow(RangeError);
    expect(
      () =>
        new InteractionTable([
          ['a', { encoding: 'bool', type: 'bool', values: new Uint8Array(2) }],
          ['b', { encoding: 'bool', type: 'bool', values: new Uint8Array(3) }],
        ]),
    ).toThrow(/has 3 rows, expected 2/);
    expect(InteractionTable.empty(['x']).rowCount).toBe(0);
  });
});
