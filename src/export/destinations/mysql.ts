/**
 * MySQL and MariaDB export: rows are inserted into a staging table in multi-row statements
 * (scores as DOUBLE: a FLOAT column reads back with six significant digits only); `commit` swaps
 * it in with one `RENAME TABLE` (atomic in both servers: readers see the old table or the new
 * one), then drops the retired table.
 */
import type { Connection } from 'mysql2/promise';
import type { ParsedDsn } from '../../data/sql/dsn.js';
import { queryParam } from '../../data/sql/dsn.js';
import { MAX_ID_CHARS } from '../../serve/http/schemas.js';
import { columnNames, type ExportBatch, type ExportLayout, type ExportSink } from './sink.js';
import { describeDsn, destinationFailure } from './sql-connect.js';
import { qualified, quoteBacktick, retiredName, stagingName, type TableName } from './table-name.js';

/** Rows per INSERT statement (well below the default max_allowed_packet for typical ids). */
const ROWS_PER_STATEMENT = 4000;

export class MysqlSink implements ExportSink {
  private conn: Connection | null = null;
  private readonly staging: TableName;
  private layout: ExportLayout | null = null;
  private insertSql = '';

  constructor(
    private readonly dsn: ParsedDsn,
    private readonly name: TableName,
  ) {
    this.staging = stagingName(name);
  }

  get description(): string {
    return `${describeDsn(this.dsn)}#${qualified(this.name, (s) => s)}`;
  }

  async open(layout: ExportLayout): Promise<void> {
    this.layout = layout;
    const mysql = await import('mysql2/promise');
    try {
      this.conn = await mysql.createConnection({
        host: queryParam(this.dsn, 'host') ?? this.dsn.host ?? undefined,
        port: this.dsn.port ?? undefined,
        user: this.dsn.username ?? undefined,
        password: this.dsn.password ?? undefined,
        database: this.dsn.database ?? undefined,
        timezone: 'Z',
        connectTimeout: 30_000,
      });
    } catch (err) {
      throw destinationFailure(this.description, 'connecting', err);
    }
    const cols = columnNames(layout).map(quoteBacktick);
    const id = `VARCHAR(${MAX_ID_CHARS}) NOT NULL`;
    const types = [id, 'INT NOT NULL', id, 'DOUBLE NOT NULL', 'VARCHAR(80) NOT NULL', 'DATETIME(3) NOT NULL'];
    const defs = cols.map((c, i) => `${c} ${types[i] ?? 'TEXT NULL'}`);
    const table = qualified(this.staging, quoteBacktick);
    this.insertSql = `INSERT INTO ${table} (${cols.join(', ')}) VALUES ?`;
    try {
      await this.conn.query(
        `CREATE TABLE ${table} (${defs.join(', ')}, KEY (${cols[0]}, ${cols[1]})) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin`,
      );
    } catch (err) {
      throw destinationFailure(this.description, 'creating the staging table', err);
    }
  }

  async write(batch: ExportBatch): Promise<void> {
    const layout = this.layout!;
    for (let start = 0; start < batch.length; start += ROWS_PER_STATEMENT) {
      const end = Math.min(batch.length, start + ROWS_PER_STATEMENT);
      const rows: unknown[][] = new Array(end - start);
      for (let r = start; r < end; r++) {
        const row: unknown[] = [
          batch.keys[r],
          batch.ranks[r],
          layout.itemIds[batch.itemIndices[r]],
          batch.scores[r],
          layout.modelVersion,
          layout.generatedAt,
        ];
        for (const column of batch.metadata) row.push(column[r]);
        rows[r - start] = row;
      }
      try {
        await this.conn!.query(this.insertSql, [rows]);
      } catch (err) {
        throw destinationFailure(this.description, 'inserting rows', err);
      }
    }
  }

  private async exists(name: TableName): Promise<boolean> {
    const [rows] = await this.conn!.query(
      'SELECT 1 FROM information_schema.tables WHERE table_schema = COALESCE(?, DATABASE()) AND table_name = ?',
      [name.schema, name.table],
    );
    return (rows as unknown[]).length > 0;
  }

  async commit(): Promise<void> {
    const conn = this.conn!;
    const target = qualified(this.name, quoteBacktick);
    const staging = qualified(this.staging, quoteBacktick);
    const retired = retiredName(this.name);
    try {
      if (await this.exists(this.name)) {
        await conn.query(`RENAME TABLE ${target} TO ${qualified(retired, quoteBacktick)}, ${staging} TO ${target}`);
        await conn.query(`DROP TABLE IF EXISTS ${qualified(retired, quoteBacktick)}`);
      } else {
        await conn.query(`RENAME TABLE ${staging} TO ${target}`);
      }
    } catch (err) {
      await this.abort();
      throw destinationFailure(this.description, 'swapping the new table in', err);
    }
    this.conn = null;
    await conn.end().catch(() => {});
  }

  async abort(): Promise<void> {
    const conn = this.conn;
    if (conn === null) return;
    this.conn = null;
    await conn.query(`DROP TABLE IF EXISTS ${qualified(this.staging, quoteBacktick)}`).catch(() => {});
    await conn.end().catch(() => {});
  }
}
