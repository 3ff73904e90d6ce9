/**
 * Parquet files through DuckDB's bundled reader (snappy, gzip, zstd; INT64/INT96 timestamps).
 * Column types follow the Parquet schema the way pandas would see them: integers (float when a
 * null is present), floats, booleans, timestamps (UTC epoch ms), everything else as text.
 */
import { InteractionTable } from '../table.js';
import { type ColumnPlan, colRef, decodeFloat, decodeInteger, materializeColumns } from './columns.js';
import { type DuckSession, quoteIdent, quoteLiteral } from './session.js';

const INTEGER_TYPES = /^(TINYINT|SMALLINT|INTEGER|BIGINT|HUGEINT|UTINYINT|USMALLINT|UINTEGER|UBIGINT|UHUGEINT)$/;
const FLOAT_TYPES = /^(FLOAT|DOUBLE|REAL|DECIMAL.*)$/;
const TIME_TYPES = /^(TIMESTAMP.*|DATE)$/;

export async function readParquetTable(
  session: DuckSession,
  file: string,
  idColumns: ReadonlySet<string>,
): Promise<InteractionTable> {
  await session.run(`CREATE TEMP TABLE raw AS SELECT * FROM read_parquet(${quoteLiteral(file)})`);
  const described = await session.rows('DESCRIBE raw');
  const names = described.map((r) => String(r[0]));
  const types = described.map((r) => String(r[1]).toUpperCase());
  const rowCount = Number((await session.rows('SELECT count(*) FROM raw'))[0][0]);
  const integerCols = names.map((_, i) => INTEGER_TYPES.test(types[i]));
  let nullCounts: number[] = names.map(() => 0);
  if (integerCols.some(Boolean)) {
    const exprs = names.map((n, i) => (integerCols[i] ? `count(*) - count(${quoteIdent(n)})` : '0'));
    nullCounts = (await session.rows(`SELECT ${exprs.join(', ')} FROM raw`))[0].map(Number);
  }
  const plans = names.map((name, i): ColumnPlan => {
    const c = colRef(name);
    const t = types[i];
    const isId = idColumns.has(name);
    if (integerCols[i]) {
      // pandas turns an integer column with nulls into float64.
      const type = nullCounts[i] > 0 ? 'float' : 'int';
      if (isId) {
        return type === 'int'
          ? { kind: 'dict', type, expr: c, decode: decodeInteger }
          : { kind: 'dict', type, expr: `CAST(${c} AS DOUBLE)`, decode: decodeFloat };
      }
      return { kind: 'number', type, expr: `CAST(${c} AS DOUBLE)` };
    }
    if (FLOAT_TYPES.test(t)) {
      return isId
        ? { kind: 'dict', type: 'float', expr: `CAST(${c} AS DOUBLE)`, decode: decodeFloat }
        : { kind: 'number', type: 'float', expr: `CAST(${c} AS DOUBLE)` };
    }
    if (t === 'BOOLEAN') return { kind: 'bool', expr: c };
    if (TIME_TYPES.test(t)) {
      const ts = t === 'DATE' ? `CAST(${c} AS TIMESTAMP)` : c;
      return { kind: 'number', type: 'timestamp', expr: `epoch_ms(${ts})` };
    }
    return { kind: 'dict', type: 'string', expr: t === 'VARCHAR' ? c : `CAST(${c} AS VARCHAR)` };
  });
  const columns = await materializeColumns(session, 'raw', plans, rowCount);
  return new InteractionTable(
    names.map((n, i) => [n, columns[i]] as const),
    rowCount,
  );
}
