/**
 * Turns the columns of a DuckDB table into {@link Column}s in one ordered pass: dictionary columns
 * become ENUM codes (so millions of strings never cross into JS, only the distinct values do),
 * numbers become Float64Arrays with NaN for null, booleans Uint8Arrays.
 */
import { BOOL_NULL, type CellValue, type Column, type ColumnType } from '../table.js';
import { copyVector, type DuckSession, quoteIdent } from './session.js';

export type ColumnPlan =
  | {
      /** Dictionary-encode `expr` (a VARCHAR expression over the source table). */
      readonly kind: 'dict';
      readonly type: ColumnType;
      readonly expr: string;
      /** Converts each distinct VARCHAR value into the cell value of `type`. */
      readonly decode?: (text: string) => CellValue;
    }
  | {
      /** `expr` yields DOUBLE (null allowed); `timestamp` values are epoch milliseconds. */
      readonly kind: 'number';
      readonly type: 'int' | 'float' | 'timestamp';
      readonly expr: string;
    }
  | {
      /** `expr` yields BOOLEAN (null allowed). */
      readonly kind: 'bool';
      readonly expr: string;
    };

/** Reads every planned column of `table` (row order = insertion order) into flat arrays. */
export async function materializeColumns(
  session: DuckSession,
  table: string,
  plans: readonly ColumnPlan[],
  rowCount: number,
): Promise<Column[]> {
  const selects: string[] = [];
  const dictionaries: (CellValue[] | null)[] = [];
  for (let c = 0; c < plans.length; c++) {
    const plan = plans[c];
    if (plan.kind === 'dict') {
      const enumName = quoteIdent(`recotem_enum_${c}`);
      await session.run(
        `CREATE TYPE ${enumName} AS ENUM (SELECT DISTINCT (${plan.expr}) AS v FROM ${table} WHERE (${plan.expr}) IS NOT NULL ORDER BY v)`,
      );
      const rows = await session.rows(`SELECT unnest(enum_range(NULL::${enumName}))`);
      const decode = plan.decode;
      dictionaries.push(rows.map((r) => (decode ? decode(r[0] as string) : (r[0] as string))));
      selects.push(`coalesce(enum_code((${plan.expr})::${enumName})::INTEGER, -1)`);
    } else if (plan.kind === 'number') {
      dictionaries.push(null);
      selects.push(`coalesce((${plan.expr})::DOUBLE, 'NaN'::DOUBLE)`);
    } else {
      dictionaries.push(null);
      selects.push(
        `(CASE WHEN (${plan.expr}) IS NULL THEN ${BOOL_NULL} WHEN (${plan.expr}) THEN 1 ELSE 0 END)::UTINYINT`,
      );
    }
  }
  const targets = plans.map((p) =>
    p.kind === 'dict'
      ? new Int32Array(rowCount)
      : p.kind === 'number'
        ? new Float64Array(rowCount)
        : new Uint8Array(rowCount),
  );
  if (plans.length > 0 && rowCount > 0) {
    const result = await session.run(`SELECT ${selects.join(', ')} FROM ${table}`);
    let offset = 0;
    for (;;) {
      const chunk = await result.fetchChunk();
      if (!chunk || chunk.rowCount === 0) break;
      const n = chunk.rowCount;
      if (offset + n > rowCount) throw new RangeError('DuckDB returned more rows than counted');
      for (let c = 0; c < plans.length; c++) copyVector(chunk.getColumnVector(c), n, targets[c], offset);
      offset += n;
    }
    if (offset !== rowCount) throw new RangeError(`DuckDB returned ${offset} rows, expected ${rowCount}`);
  }
  return plans.map((plan, c): Column => {
    if (plan.kind === 'dict') {
      return { encoding: 'dict', type: plan.type, codes: targets[c] as Int32Array, dictionary: dictionaries[c] ?? [] };
    }
    if (plan.kind === 'number') return { encoding: 'number', type: plan.type, values: targets[c] as Float64Array };
    return { encoding: 'bool', type: 'bool', values: targets[c] as Uint8Array };
  });
}

/** Integer text → number when exact, else bigint (ids beyond 2^53 keep every digit). */
export function decodeInteger(text: string): CellValue {
  const n = Number(text);
  return Number.isSafeInteger(n) ? n : BigInt(text);
}

/** DuckDB's DOUBLE text (`1.5`, `1e+16`, `inf`, `-inf`, `nan`) → number. */
export function decodeFloat(text: string): CellValue {
  const lower = text.toLowerCase();
  if (lower === 'inf' || lower === 'infinity') return Number.POSITIVE_INFINITY;
  if (lower === '-inf' || lower === '-infinity') return Number.NEGATIVE_INFINITY;
  if (lower === 'nan' || lower === '-nan') return Number.NaN;
  return Number(text);
}
