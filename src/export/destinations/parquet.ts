/**
 * Parquet export through hyparquet-writer, one row group per 32k rows, so the writer holds at
 * most one row group. Ids are UTF-8-encoded once (item ids when the export starts, a user id once
 * for its rows) instead of once per row; `generated_at` is a UTC millisecond timestamp.
 */
import { fileWriter, ParquetWriter } from 'hyparquet-writer';
import { DataSourceError } from '../../errors/index.js';
import { checkWritable, FileTarget } from './file-target.js';
import type { ExportBatch, ExportLayout, ExportSink } from './sink.js';

/** Rows per row group: small enough that encoding one creates little garbage (peak memory). */
const ROW_GROUP = 32_768;

type SchemaElement = ConstructorParameters<typeof ParquetWriter>[0]['schema'][number];

export class ParquetSink implements ExportSink {
  private readonly target: FileTarget;
  private writer: ParquetWriter | null = null;
  private layout: ExportLayout | null = null;
  private readonly encoder = new TextEncoder();
  private itemBytes: Uint8Array[] = [];
  private versionBytes = new Uint8Array(0);
  private generatedAt = 0n;
  // The row group being filled (arrays reused from one group to the next).
  private readonly keys: Uint8Array[] = new Array(ROW_GROUP);
  private readonly ranks = new Int32Array(ROW_GROUP);
  private readonly items: Uint8Array[] = new Array(ROW_GROUP);
  private readonly scores = new Float32Array(ROW_GROUP);
  private metadata: (string | null)[][] = [];
  private versions: Uint8Array[] = [];
  private times: bigint[] = [];
  private filled = 0;
  private lastKey: string | null = null;
  private lastKeyBytes = new Uint8Array(0);

  constructor(uri: string) {
    this.target = new FileTarget(uri);
  }

  get description(): string {
    return this.target.description;
  }

  async open(layout: ExportLayout): Promise<void> {
    await checkWritable(this.target);
    this.layout = layout;
    this.itemBytes = layout.itemIds.map((id) => this.encoder.encode(id));
    this.versionBytes = this.encoder.encode(layout.modelVersion);
    this.generatedAt = BigInt(layout.generatedAt.getTime());
    this.metadata = layout.metadataFields.map(() => new Array(ROW_GROUP).fill(null));
    this.versions = new Array(ROW_GROUP).fill(this.versionBytes);
    this.times = new Array(ROW_GROUP).fill(this.generatedAt);
    const text = (name: string, required: boolean): SchemaElement => ({
      name,
      type: 'BYTE_ARRAY',
      converted_type: 'UTF8',
      repetition_type: required ? 'REQUIRED' : 'OPTIONAL',
    });
    const schema: SchemaElement[] = [
      { name: 'root', num_children: 6 + layout.metadataFields.length },
      text(layout.keyColumn, true),
      { name: 'rank', type: 'INT32', repetition_type: 'REQUIRED' },
      text('item_id', true),
      { name: 'score', type: 'FLOAT', repetition_type: 'REQUIRED' },
      text('model_version', true),
      { name: 'generated_at', type: 'INT64', converted_type: 'TIMESTAMP_MILLIS', repetition_type: 'REQUIRED' },
      ...layout.metadataFields.map((f) => text(f, false)),
    ];
    try {
      this.writer = new ParquetWriter({ writer: fileWriter(this.target.tempPath), schema, statistics: false });
    } catch (err) {
      throw new DataSourceError(`cannot write the export to '${this.description}': ${(err as Error).message}`);
    }
  }

  async write(batch: ExportBatch): Promise<void> {
    for (let r = 0; r < batch.length; r++) {
      const key = batch.keys[r];
      if (key !== this.lastKey) {
        this.lastKey = key;
        this.lastKeyBytes = this.encoder.encode(key);
      }
      const row = this.filled++;
      this.keys[row] = this.lastKeyBytes;
      this.ranks[row] = batch.ranks[r];
      this.items[row] = this.itemBytes[batch.itemIndices[r]];
      this.scores[row] = batch.scores[r];
      for (let m = 0; m < this.metadata.length; m++) this.metadata[m][row] = batch.metadata[m][r];
      if (this.filled === ROW_GROUP) this.flush();
    }
  }

  private flush(): void {
    const n = this.filled;
    if (n === 0) return;
    const layout = this.layout!;
    // Every column must hold exactly n values; only the last group is shorter than the arrays.
    const cut = <T>(a: T[]): T[] => (n === ROW_GROUP ? a : a.slice(0, n));
    const columnData = [
      { name: layout.keyColumn, data: cut(this.keys) },
      { name: 'rank', data: this.ranks.subarray(0, n) },
      { name: 'item_id', data: cut(this.items) },
      { name: 'score', data: this.scores.subarray(0, n) },
      { name: 'model_version', data: cut(this.versions) },
      { name: 'generated_at', data: cut(this.times) },
      ...layout.metadataFields.map((name, m) => ({ name, data: cut(this.metadata[m]) })),
    ];
    try {
      this.writer!.write({ columnData, rowGroupSize: n });
    } catch (err) {
      throw new DataSourceError(`cannot write the export to '${this.description}': ${(err as Error).message}`);
    }
    this.filled = 0;
  }

  async commit(): Promise<void> {
    try {
      this.flush();
      this.writer!.finish();
    } catch (err) {
      if (err instanceof DataSourceError) throw err;
      throw new DataSourceError(`cannot write the export to '${this.description}': ${(err as Error).message}`);
    }
    await this.target.publish();
  }

  async abort(): Promise<void> {
    await this.target.discard();
  }
}
