/**
 * Checks an `item_metadata` file's columns from its header (CSV) or schema (Parquet) alone, with
 * the messages the loader gives when it meets the same file: `recotem validate` runs it so that a
 * misspelt field fails before training, not when the server first loads the model.
 */
import { DataSourceError } from '../errors/index.js';
import { availableColumnsText } from './column-list.js';
import { csvFileColumns, parquetFileColumns } from './sources/file-columns.js';
import { redactUrl } from './uri.js';

export interface MetadataColumnSpec {
  readonly type: string;
  readonly path: string;
  readonly item_id_column: string;
  readonly fields: readonly string[];
  readonly on_field_missing: 'error' | 'null';
}

export interface MetadataColumnCheck {
  /** The file's column names, or null when they cannot be read cheaply (remote file). */
  readonly columns: readonly string[] | null;
  /** Fields absent from the file that the loader will fill with nulls (`on_field_missing: null`). */
  readonly filledWithNull: readonly string[];
}

const listed = (names: readonly string[]) => names.map((c) => `'${c}'`).join(', ');

export async function checkMetadataColumns(spec: MetadataColumnSpec): Promise<MetadataColumnCheck> {
  // The loader reads metadata CSVs as plain UTF-8 text with a header on the first row.
  const shape =
    spec.type === 'parquet'
      ? await parquetFileColumns(spec.path, 'Parquet metadata')
      : await csvFileColumns(
          spec.path,
          { delimiter: ',', encoding: 'utf-8', header: 0, plainText: true },
          'CSV metadata',
        );
  if (shape === null) return { columns: null, filledWithNull: [] };
  const columns = shape.columnNames;
  const shown = redactUrl(spec.path);
  if (!columns.includes(spec.item_id_column)) {
    throw new DataSourceError(
      `item_id_column '${spec.item_id_column}' not found in metadata file '${shown}'; ${availableColumnsText(shape)}`,
    );
  }
  const missing = spec.fields.filter((f) => !columns.includes(f));
  if (missing.length > 0 && spec.on_field_missing !== 'null') {
    throw new DataSourceError(
      `item_metadata fields not found in '${shown}': [${listed(missing)}]; ${availableColumnsText(shape)}`,
    );
  }
  return { columns, filledWithNull: missing };
}
