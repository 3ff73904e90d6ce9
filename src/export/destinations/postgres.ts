/**
 * PostgreSQL export: rows are inserted into a staging table in batches of whole columns (one
 * `unnest` of arrays per batch, so a batch is one statement); `commit` indexes it and, in one
 * transaction, drops the previous table and renames the staging table into its place.
 */
import type { Client } from 'pg';
import type { ParsedDsn } from '../../data/sql/dsn.js';
import { queryParam } from '../../data/sql/dsn.js';
import { columnNames, type ExportBatch, type ExportLayout, type ExportSink } from './sink.js';
import { describeDsn, destinationFailure } from './sql-connect.js';
import { qualified, quoteDouble, stagingName, type TableName } from './table-name.js';

export class PostgresSink implements ExportSink {
  private client: Client | null = null;
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
    const { default: pg } = await import('pg');
    const client = new pg.Client({
      host: queryParam(this.dsn, 'host') ?? this.dsn.host ?? undefined,
      port: this.dsn.port ?? undefined,
      user: this.dsn.username ?? queryParam(this.dsn, 'user') ?? undefined,
      password: this.dsn.password ?? undefined,
      database: this.dsn.database ?? queryParam(this.dsn, 'dbname') ?? undefined,
      application_name: 'recotem-export',
      connectionTimeoutMillis: 30_000,
    });
    client.on('error', () => {});
    try {
      await client.connect();
    } catch (err) {
      throw destinationFailure(this.description, 'connecting', err);
    }
    this.client = client;
    const cols = columnNames(layout).map(quoteDouble);
    const types = ['text NOT NULL', 'integer NOT NULL', 'text NOT NULL', 'real NOT NULL', 'text NOT NULL'];
    const defs = cols.map((c, i) => `${c} ${i === 5 ? 'timestamptz NOT NULL' : (types[i] ?? 'text')}`);
    const table = qualified(this.staging, quoteDouble);
    const arrays = ['text', 'int4', 'text', 'float4', ...layout.metadataFields.map(() => 'text')];
    const params = arrays.map((t, i) => `$${i + 1}::${t}[]`);
    const n = arrays.length;
    const selected = ['c0', 'c1', 'c2', 'c3', `$${n + 1}::text`, `$${n + 2}::timestamptz`];
    for (let m = 0; m < layout.metadataFields.length; m++) selected.push(`c${4 + m}`);
    const aliases = arrays.map((_, i) => `c${i}`).join(', ');
    this.insertSql = `INSERT INTO ${table} SELECT ${selected.join(', ')} FROM unnest(${params.join(', ')}) AS u(${aliases})`;
    try {
      await client.query(`CREATE TABLE ${table} (${defs.join(', ')})`);
    } catch (err) {
      throw destinationFailure(this.description, 'creating the staging table', err);
    }
  }

  async write(batch: ExportBatch): Promise<void> {
    if (batch.length === 0) return;
    const layout = this.layout!;
    const items = new Array<string>(batch.length);
    for (let r = 0; r < batch.length; r++) items[r] = layout.itemIds[batch.itemIndices[r]];
    const values: unknown[] = [
      batch.keys,
      Array.from(batch.ranks),
      items,
      Array.from(batch.scores),
      ...batch.metadata,
      layout.modelVersion,
      layout.generatedAt,
    ];
    try {
      await this.client!.query(this.insertSql, values);
    } catch (err) {
      throw destinationFailure(this.description, 'inserting rows', err);
    }
  }

  async commit(): Promise<void> {
    const client = this.client!;
    const staging = qualified(this.staging, quoteDouble);
    const key = quoteDouble(this.layout!.keyColumn);
    try {
      await client.query(`CREATE INDEX ON ${staging} (${key}, "rank")`);
      await client.query('BEGIN');
      await client.query(`DROP TABLE IF EXISTS ${qualified(this.name, quoteDouble)}`);
      await client.query(`ALTER TABLE ${staging} RENAME TO ${quoteDouble(this.name.table)}`);
      await client.query('COMMIT');
    } catch (err) {
      await client.query('ROLLBACK').catch(() => {});
      await this.abort();
      throw destinationFailure(this.description, 'swapping the new table in', err);
    }
    this.client = null;
    await client.end().catch(() => {});
  }

  async abort(): Promise<void> {
    const client = this.client;
    if (client === null) return;
    this.client = null;
    await client.query(`DROP TABLE IF EXISTS ${qualified(this.staging, quoteDouble)}`).catch(() => {});
    await client.end().catch(() => {});
  }
}
