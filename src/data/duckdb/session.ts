/**
 * A short-lived in-memory DuckDB used to parse CSV and Parquet files. The heavy lifting (parsing,
 * type checks, dictionary encoding) runs in SQL; JS only copies flat vectors out.
 */
import type { DuckDBConnection, DuckDBInstance, DuckDBMaterializedResult } from '@duckdb/node-api';

type DuckModule = typeof import('@duckdb/node-api');
let duck: Promise<DuckModule> | undefined;

async function loadDuckDb(): Promise<DuckModule> {
  duck ??= import('@duckdb/node-api');
  return duck;
}

export class DuckSession {
  private constructor(
    private readonly instance: DuckDBInstance,
    readonly conn: DuckDBConnection,
  ) {}

  static async open(): Promise<DuckSession> {
    const mod = await loadDuckDb();
    // No extension autoloading from the network; the bundled parquet reader is built in.
    const instance = await mod.DuckDBInstance.create(':memory:', {
      autoinstall_known_extensions: 'false',
      autoload_known_extensions: 'false',
    });
    const conn = await instance.connect();
    return new DuckSession(instance, conn);
  }

  async run(sql: string): Promise<DuckDBMaterializedResult> {
    return this.conn.run(sql);
  }

  /** All rows of a small result as plain JS values. */
  async rows(sql: string): Promise<unknown[][]> {
    const reader = await this.conn.runAndReadAll(sql);
    return reader.getRowsJS() as unknown[][];
  }

  /** The first column of a result, read vector by vector (cheaper than row conversion). */
  async firstColumn(sql: string): Promise<unknown[]> {
    const result = await this.conn.run(sql);
    const out: unknown[] = [];
    const chunks = result.chunkCount;
    for (let ci = 0; ci < chunks; ci++) {
      const chunk = result.getChunk(ci);
      const v = chunk.getColumnVector(0);
      for (let i = 0; i < chunk.rowCount; i++) out.push(v.getItem(i));
    }
    return out;
  }

  close(): void {
    try {
      this.conn.closeSync();
    } finally {
      this.instance.closeSync();
    }
  }
}

/** `"name"` with embedded quotes doubled. */
export function quoteIdent(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}

/** `'text'` with embedded quotes doubled. */
export function quoteLiteral(text: string): string {
  return `'${text.replace(/'/g, "''")}'`;
}

/** Vector internals of @duckdb/node-api: the flat item array and its validity mask. */
interface RawVector {
  items?: ArrayLike<number> & { length: number };
  validity?: { data: unknown };
  getItem(i: number): unknown;
}

/**
 * Copies one result vector of `count` non-null numbers into `target` at `offset`. Uses the
 * vector's flat item array when available (the pinned @duckdb/node-api exposes it at runtime),
 * else reads item by item. Callers coalesce nulls in SQL so no validity mask is needed.
 */
export function copyVector(
  vector: unknown,
  count: number,
  target: Int32Array | Float64Array | Uint8Array,
  offset: number,
): void {
  const v = vector as RawVector;
  const items = v.items;
  const maskFree = !v.validity || v.validity.data === null;
  if (items && maskFree && ArrayBuffer.isView(items) && items.constructor === target.constructor) {
    target.set(items as unknown as ArrayLike<number>, offset);
    return;
  }
  for (let i = 0; i < count; i++) {
    const x = v.getItem(i);
    target[offset + i] = x === null ? Number.NaN : Number(x);
  }
}
