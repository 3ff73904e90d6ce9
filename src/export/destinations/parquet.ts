/**
 * Parquet export through hyparquet-writer, one row group per ~128k rows, so the writer holds at
 * most one row group. Ids are UTF-8-encoded once (item ids when the export starts, a user id once
 * for its rows) instead of once per row; `generated_at` is a UTC millisecond timestamp.
 */
import { fileWriter, ParquetWriter } from 'hyparquet-writer';
import { DataSourceError } from '../../errors/index.js';
import { checkWritable, FileTarget } from './file-target.js';
import type { ExportBatch, ExportLayout, ExportSink } from './sink.js';

const ROW_GROUP = 131_072;

type SchemaElement = ConstructorParameters<typeof ParquetWriter>[0]['schema'][number];

export class ParquetSink implements ExportSink {
  private readonly target: FileTarget;
  private writer: ParquetWriter | null = null;
  private layout: ExportLayout | null = null;
  private readonly encoder = new TextEncoder();
  private itemBytes: Uint8Array[] = [];
  private versionBytes = new Uint8Array(0);
  private generatedAt = 0n;
  // The row group being filled.
  private keys: Uint8Array[] = [];
  private ranks: number[] = [];
  private items: Uint8Array[] = [];
  private scores: number[] = [];
  private metadata: (string | null)[][] = [];
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
    this.metadata = layout.metadataFields.map(() => []);
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
      this.keys.push(this.lastKeyBytes);
      this.ranks.push(batch.ranks[r]);
      this.items.push(this.itemBytes[batch.itemIndices[r]]);
      this.scores.push(batch.scores[r]);
      for (let m = 0; m < this.metadata.length; m++) this.metadata[m].push(batch.metadata[m][r]);
      if (this.keys.length >= ROW_GROUP) this.flush();
    }
  }

  private flush(): void {
    const n = this.keys.length;
    if (n === 0) return;
    const layout = this.layout!;
    const columnData = [
      { name: layout.keyColumn, data: this.keys },
      { name: 'rank', data: Int32Array.from(this.ranks) },
      { name: 'item_id', data: this.items },
      { name: 'score', data: Float32Array.from(this.scores) },
      { name: 'model_version', data: new Array(n).fill(this.versionBytes) },
      { name: 'generated_at', data: new Array(n).fill(this.generatedAt) },
      ...layout.metadataFields.map((name, m) => ({ name, data: this.metadata[m] })),
    ];
    try {
      this.writer!.write({ columnData, rowGroupSize: n });
    } catch (err) {
      throw new DataSourceError(`cannot write the export to '${this.description}': ${(err as Error).message}`);
    }
    this.keys = [];
    this.ranks = [];
    this.items = [];
    this.scores = [];
    this.metadata = layout.metadataFields.map(() => []);
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
