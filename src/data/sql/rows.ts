/** Collects streamed result chunks into columns, enforcing `RECOTEM_MAX_SQL_ROWS` per chunk. */
import { DataSourceError } from '../../errors/index.js';
import { dedupeColumnNames } from '../csv/header.js';
import { type CellValue, ColumnBuilder, type ColumnType, InteractionTable } from '../table.js';

/** Rows per fetch: min(100 000, max(1, cap)). */
export function chunkSize(cap: number): number {
  return Math.min(100_000, Math.max(1, cap));
}

export class RowSink {
  private builders: ColumnBuilder[] = [];
  private names: string[] = [];
  private total = 0;

  constructor(private readonly cap: number) {}

  get rows(): number {
    return this.total;
  }

  setColumns(names: readonly string[], hints: readonly (ColumnType | undefined)[] = []): void {
    this.names = dedupeColumnNames(names.map(String));
    this.builders = names.map((_, c) => new ColumnBuilder(hints[c]));
  }

  /** Refuses the chunk when it would take the total past the cap (exactly `cap` rows is fine). */
  accept(rows: readonly (readonly unknown[])[]): void {
    if (this.total + rows.length > this.cap) {
      throw new DataSourceError(
        `query result exceeds RECOTEM_MAX_SQL_ROWS=${this.cap} rows; tighten the query or raise the cap`,
      );
    }
    const nCols = this.builders.length;
    for (const row of rows) {
      for (let c = 0; c < nCols; c++) this.builders[c].append(toCell(row[c]));
    }
    this.total += rows.length;
  }

  finish(): InteractionTable {
    return new InteractionTable(
      this.names.map((n, c) => [n, this.builders[c].finish()] as const),
      this.total,
    );
  }
}

/** Driver values → table cells: Buffers as UTF-8 text, JSON objects as their JSON text. */
export function toCell(v: unknown): CellValue {
  if (v === null || v === undefined) return null;
  switch (typeof v) {
    case 'string':
    case 'number':
    case 'boolean':
    case 'bigint':
      return v;
    default:
      if (v instanceof Date) return v;
      if (Buffer.isBuffer(v)) return v.toString('utf8');
      return JSON.stringify(v);
  }
}
