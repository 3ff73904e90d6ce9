/**
 * Turns the columns of a DuckDB table into {@link Column}s: dictionary columns are encoded in SQL
 * (distinct values numbered in the order of their text, then joined back), so millions of strings never cross into JS, only
 * the distinct values do; numbers become Float64Arrays with NaN for null, booleans Uint8Arrays.
 * Joins do not keep row order, so every row carries its rowid and is scattered into place.
 */
import { BOOL_NULL, type CellValue, type Column, type ColumnType } from '../table.js';
import { copyVector, type DuckSession, quoteIdent } from './session.js';

export type ColumnPlan =
  | {
      /** Dictionary-encode `expr` (any type; equal values share a code). */
      readonly kind: 'dict';
      readonly type: ColumnType;
      readonly expr: string;
      /**
       * Canonical key of a distinct `expr` value `v` (default `v`): values with equal keys share a
       * code, e.g. the texts `0042` and `42` under `CAST(v AS BIGINT)`.
       */
      readonly key?: string;
      /** A table whose column `v` already holds the distinct non-null values of `expr`. */
      readonly distinctTable?: string;
      /** Converts each distinct key, as DuckDB renders it to VARCHAR, into the cell value of `type`. */
      readonly decode?: (text: string) => CellValue;
    }
  | {
      /** `expr` yields a number (null allowed); `timestamp` values are epoch milliseconds. */
      readonly kind: 'number';
      readonly type: 'int' | 'float' | 'timestamp';
      readonly expr: string;
    }
  | {
      /** `expr` yields BOOLEAN (null allowed). */
      readonly kind: 'bool';
      readonly expr: string;
    };

/** Reads every planned column of `table` (a table with rowids 0..rowCount-1) into flat arrays. */
export async function materializeColumns(
  session: DuckSession,
  table: string,
  plans: readonly ColumnPlan[],
  rowCount: number,
): Promise<Column[]> {
  const selects: string[] = ['t.rowid::INTEGER'];
  const joins: string[] = [];
  const dictionaries: (CellValue[] | null)[] = [];
  for (let c = 0; c < plans.length; c++) {
    const plan = plans[c];
    if (plan.kind === 'dict') {
      const dict = quoteIdent(`recotem_dict_${c}`);
      const distinct =
        plan.distinctTable ??
        `(SELECT DISTINCT ${qualify(plan.expr, 'x')} AS v FROM ${table} x WHERE ${qualify(plan.expr, 'x')} IS NOT NULL)`;
      // Codes follow the text order of the keys, which usually makes the id sort a no-op later.
      await session.run(
        `CREATE TEMP TABLE ${dict} AS SELECT v, (dense_rank() OVER (ORDER BY CAST(k AS VARCHAR)) - 1)::INTEGER AS code, k ` +
          `FROM (SELECT v, ${plan.key ?? 'v'} AS k FROM ${distinct})`,
      );
      const texts = await session.firstColumn(
        `SELECT CAST(k AS VARCHAR) FROM (SELECT DISTINCT code, k FROM ${dict}) ORDER BY code`,
      );
      const decode = plan.decode;
      dictionaries.push(decode ? texts.map((t) => decode(t as string)) : (texts as string[]));
      joins.push(`LEFT JOIN ${dict} ON ${qualify(plan.expr, 't')} = ${dict}.v`);
      selects.push(`coalesce(${dict}.code, -1)`);
    } else if (plan.kind === 'number') {
      dictionaries.push(null);
      selects.push(`coalesce((${qualify(plan.expr, 't')})::DOUBLE, 'NaN'::DOUBLE)`);
    } else {
      dictionaries.push(null);
      const e = qualify(plan.expr, 't');
      selects.push(`(CASE WHEN (${e}) IS NULL THEN ${BOOL_NULL} WHEN (${e}) THEN 1 ELSE 0 END)::UTINYINT`);
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
    // A materialized result: chunks are read synchronously, without a round trip per chunk.
    const result = await session.run(`SELECT ${selects.join(', ')} FROM ${table} t ${joins.join(' ')}`);
    const rid = new Int32Array(2048);
    const scratch = plans.map((p) =>
      p.kind === 'dict' ? new Int32Array(2048) : p.kind === 'number' ? new Float64Array(2048) : new Uint8Array(2048),
    );
    let seen = 0;
    const chunks = result.chunkCount;
    for (let ci = 0; ci < chunks; ci++) {
      const chunk = result.getChunk(ci);
      const n = chunk.rowCount;
      if (n === 0) continue;
      copyVector(chunk.getColumnVector(0), n, rid, 0);
      for (let c = 0; c < plans.length; c++) {
        const src = scratch[c];
        const dst = targets[c];
        copyVector(chunk.getColumnVector(c + 1), n, src, 0);
        for (let k = 0; k < n; k++) dst[rid[k]] = src[k];
      }
      seen += n;
    }
    if (seen !== rowCount) throw new RangeError(`DuckDB returned ${seen} rows, expected ${rowCount}`);
  }
  return plans.map((plan, c): Column => {
    if (plan.kind === 'dict') {
      return { encoding: 'dict', type: plan.type, codes: targets[c] as Int32Array, dictionary: dictionaries[c] ?? [] };
    }
    if (plan.kind === 'number') return { encoding: 'number', type: plan.type, values: targets[c] as Float64Array };
    return { encoding: 'bool', type: 'bool', values: targets[c] as Uint8Array };
  });
}

/** Column references in plan expressions are written `$.name`; this binds them to a table alias. */
function qualify(expr: string, alias: string): string {
  return expr.replaceAll('$.', `${alias}.`);
}

/** `$."name"`: a column reference in a plan expression. */
export function colRef(name: string): string {
  return `$.${quoteIdent(name)}`;
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
