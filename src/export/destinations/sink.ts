/**
 * What every export destination implements. Rows arrive in column batches; nothing is visible to
 * readers until `commit` publishes the whole export in one step (a file renamed into place, a
 * staging table swapped in), and `abort` removes what was staged, leaving the previous export.
 */

/** One batch of rows, column by column; valid only until `write` returns (arrays are reused). */
export interface ExportBatch {
  readonly length: number;
  /** The user id (or seed item id) of each row. */
  readonly keys: readonly string[];
  readonly ranks: Int32Array;
  /** Model item index of each recommended item (lets writers cache encoded ids). */
  readonly itemIndices: Int32Array;
  readonly scores: Float32Array;
  /** One column per requested metadata field: text value or null. */
  readonly metadata: readonly (readonly (string | null)[])[];
}

/** What is the same for every row, and the shape of the table. */
export interface ExportLayout {
  /** `user_id`, or `seed_item_id` for related items. */
  readonly keyColumn: string;
  readonly metadataFields: readonly string[];
  readonly modelVersion: string;
  readonly generatedAt: Date;
  readonly itemIds: readonly string[];
}

export interface ExportSink {
  /** Where the rows go, safe for logs (credentials removed). */
  readonly description: string;
  open(layout: ExportLayout): Promise<void>;
  write(batch: ExportBatch): Promise<void>;
  /** Publish atomically. */
  commit(): Promise<void>;
  /** Drop what was staged; never throws. */
  abort(): Promise<void>;
}

/** Column names in output order. */
export function columnNames(layout: ExportLayout): string[] {
  return [layout.keyColumn, 'rank', 'item_id', 'score', 'model_version', 'generated_at', ...layout.metadataFields];
}
