/**
 * SQLite export: rows go into a staging table in the destination database file, one transaction
 * per batch; `commit` indexes it and, in one transaction, drops the previous table and renames the
 * staging table into its place, so a reader sees the old table or the new one.
 */
import type BetterSqlite3 from 'better-sqlite3';
import { DataSourceError } from '../../errors/index.js';
import { columnNames, type ExportBatch, type ExportLayout, type ExportSink } from './sink.js';
import { qualified, quoteDouble, stagingName, type TableName } from './table-name.js';

function failure(what: string, file: string, err: unknown): DataSourceError {
  return new DataSourceError(`SQLite export to '${file}' failed while ${what}: ${(err as Error).message}`);
}

export class SqliteSink implements ExportSink {
  private db: BetterSqlite3.Database | null = null;
  private insert: BetterSqlite3.Statement | null = null;
  private readonly staging: TableName;
  private layout: ExportLayout | null = null;

  constructor(
    private readonly file: string,
    private readonly name: TableName,
  ) {
    this.staging = stagingName({ schema: null, table: name.table });
  }

  get description(): string {
    return `sqlite:${this.file}#${this.name.table}`;
  }

  async open(layout: ExportLayout): Promise<void> {
    this.layout = layout;
    const { default: Database } = await import('better-sqlite3');
    try {
      this.db = new Database(this.file, { timeout: 10_000 });
    } catch (err) {
      throw failure('opening the database', this.file, err);
    }
    const cols = columnNames(layout).map(quoteDouble);
    const types = [
      'TEXT NOT NULL',
      'INTEGER NOT NULL',
      'TEXT NOT NULL',
      'REAL NOT NULL',
      'TEXT NOT NULL',
      'TEXT NOT NULL',
    ];
    const defs = cols.map((c, i) => `${c} ${types[i] ?? 'TEXT'}`);
    const table = qualified(this.staging, quoteDouble);
    try {
      this.db.exec(`CREATE TABLE ${table} (${defs.join(', ')})`);
      this.insert = this.db.prepare(`INSERT INTO ${table} VALUES (${cols.map(() => '?').join(', ')})`);
    } catch (err) {
      throw failure('creating the staging table', this.file, err);
    }
  }

  async write(batch: ExportBatch): Promise<void> {
    const db = this.db!;
    const insert = this.insert!;
    const layout = this.layout!;
    const version = layout.modelVersion;
    const at = layout.generatedAt.toISOString();
    const itemIds = layout.itemIds;
    const values: unknown[] = new Array(6 + batch.metadata.length);
    try {
      db.transaction(() => {
        for (let r = 0; r < batch.length; r++) {
          values[0] = batch.keys[r];
          values[1] = batch.ranks[r];
          values[2] = itemIds[batch.itemIndices[r]];
          values[3] = batch.scores[r];
          values[4] = version;
          values[5] = at;
          for (let m = 0; m < batch.metadata.length; m++) values[6 + m] = batch.metadata[m][r];
          insert.run(values);
        }
      })();
    } catch (err) {
      throw failure('inserting rows', this.file, err);
    }
  }

  async commit(): Promise<void> {
    const db = this.db!;
    const key = quoteDouble(this.layout!.keyColumn);
    const staging = qualified(this.staging, quoteDouble);
    try {
      db.exec(`CREATE INDEX ${quoteDouble(`${this.staging.table}_key`)} ON ${staging} (${key}, "rank")`);
      db.transaction(() => {
        db.exec(`DROP TABLE IF EXISTS ${qualified(this.name, quoteDouble)}`);
        db.exec(`ALTER TABLE ${staging} RENAME TO ${quoteDouble(this.name.table)}`);
      }).immediate();
    } catch (err) {
      throw failure('swapping the new table in', this.file, err);
    } finally {
      db.close();
      this.db = null;
    }
  }

  async abort(): Promise<void> {
    const db = this.db;
    if (db === null) return;
    this.db = null;
    try {
      db.exec(`DROP TABLE IF EXISTS ${qualified(this.staging, quoteDouble)}`);
    } catch {
      // The staging table is named uniquely; a leftover one never shadows the export.
    }
    db.close();
  }
}
