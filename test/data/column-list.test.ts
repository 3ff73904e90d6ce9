import { describe, expect, it } from 'vitest';
import { availableColumnsText } from '../../src/data/column-list.js';

describe('availableColumnsText', () => {
  it('lists the column names of a real table, sorted, at most 10', () => {
    expect(availableColumnsText({ columnNames: ['title', 'item_id'], rowCount: 3 })).toBe(
      "available columns: ['item_id', 'title']",
    );
    const many = Array.from({ length: 12 }, (_, i) => `c${String(i).padStart(2, '0')}`);
    expect(availableColumnsText({ columnNames: many, rowCount: 1 })).toBe(
      `available columns: [${many
        .slice(0, 10)
        .map((c) => `'${c}'`)
        .join(', ')}] and 2 more`,
    );
  });

  it('never quotes a file that does not read as a table (one column, or no data row)', () => {
    expect(availableColumnsText({ columnNames: ['hunter2'], rowCount: 5 })).toBe(
      'available columns: not shown (the file does not read as a table: 1 column, 5 data rows)',
    );
    expect(availableColumnsText({ columnNames: ['user', 'password1'], rowCount: 0 })).toMatch(/not shown/);
  });

  it('leaves out names that do not look like column names', () => {
    expect(
      availableColumnsText({
        columnNames: ['item', 'RECOTEM_SIGNING_KEYS=main:00', 'root:x:0:0:root:/root'],
        rowCount: 2,
      }),
    ).toBe("available columns: ['item'] and 2 more");
  });
});
