/**
 * The in-memory result of a data-source fetch: named columns of equal
 * length in source row order. Columns are stored flat so that millions of rows never become
 * millions of JS objects: strings are dictionary-encoded, numbers and instants live in a
 * Float64Array, booleans in a Uint8Array.
 */
import { ColumnBuilder } from './column-builder.js';
import { type CellValue, type Column, type ColumnType, cellAt, columnLength } from './columns.js';

export { ColumnBuilder } from './column-builder.js';
export * from './columns.js';

/** Columnar table; the single shape every data source returns. */
export class InteractionTable {
  readonly rowCount: number;
  readonly columnNames: readonly string[];
  private readonly byName: ReadonlyMap<string, Column>;

  constructor(columns: Iterable<readonly [string, Column]>, rowCount?: number) {
    const map = new Map<string, Column>();
    for (const [name, col] of columns) {
      if (map.has(name)) throw new RangeError(`InteractionTable: duplicate column name '${name}'`);
      map.set(name, col);
    }
    let n = rowCount;
    for (const [name, col] of map) {
      const len = columnLength(col);
      if (n === undefined) n = len;
      else if (len !== n) {
        throw new RangeError(`InteractionTable: column '${name}' has ${len} rows, expected ${n}`);
      }
    }
    this.rowCount = n ?? 0;
    this.columnNames = [...map.keys()];
    this.byName = map;
  }

  /** Alias of {@link columnNames} (the spec's `columns`). */
  get columns(): readonly string[] {
    return this.columnNames;
  }

  hasColumn(name: string): boolean {
    return this.byName.has(name);
  }

  column(name: string): Column {
    const col = this.byName.get(name);
    if (!col) throw new RangeError(`InteractionTable: no column '${name}'`);
    return col;
  }

  columnType(name: string): ColumnType {
    return this.column(name).type;
  }

  value(name: string, row: number): CellValue {
    if (row < 0 || row >= this.rowCount) throw new RangeError(`InteractionTable: row ${row} out of range`);
    return cellAt(this.column(name), row);
  }

  /** Materialises one column as plain values (for small tables, tests and debugging). */
  values(name: string): CellValue[] {
    const col = this.column(name);
    const out = new Array<CellValue>(this.rowCount);
    for (let r = 0; r < this.rowCount; r++) out[r] = cellAt(col, r);
    return out;
  }

  /** First `limit` rows as objects (debugging and tests only). */
  head(limit = 5): Record<string, CellValue>[] {
    const n = Math.min(limit, this.rowCount);
    const rows: Record<string, CellValue>[] = [];
    for (let r = 0; r < n; r++) {
      const row: Record<string, CellValue> = {};
      for (const name of this.columnNames) row[name] = cellAt(this.column(name), r);
      rows.push(row);
    }
    return rows;
  }

  /**
   * Builds a table from plain value arrays, inferring each column's type like a driver result
   * would be typed (`hints` override the inference per column).
   */
  static fromColumns(
    data: Record<string, readonly CellValue[]>,
    hints: Record<string, ColumnType | undefined> = {},
  ): InteractionTable {
    const cols: [string, Column][] = [];
    for (const [name, values] of Object.entries(data)) {
      const b = new ColumnBuilder(hints[name]);
      for (const v of values) b.append(v);
      cols.push([name, b.finish()]);
    }
    return new InteractionTable(cols);
  }

  /** Builds a table from row arrays in the order of `columnNames`. */
  static fromRows(columnNames: readonly string[], rows: Iterable<readonly CellValue[]>): InteractionTable {
    const builders = columnNames.map(() => new ColumnBuilder());
    for (const row of rows) {
      for (let c = 0; c < builders.length; c++) builders[c].append(row[c] ?? null);
    }
    return new InteractionTable(columnNames.map((n, c) => [n, builders[c].finish()] as const));
  }

  static empty(columnNames: readonly string[] = []): InteractionTable {
    return new InteractionTable(
      columnNames.map((n) => [n, emptyColumn()] as const),
      0,
    );
  }
}

function emptyColumn(): Column {
  return { encoding: 'dict', type: 'mixed', codes: new Int32Array(0), dictionary: [] };
}
