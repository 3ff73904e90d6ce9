/**
 * CSV parsing rules of data-sources.md §2.3 on top of DuckDB: every cell is read as text with the
 * original's null tokens, then each column is typed (integer, float, boolean, string — or the
 * `dtype` override) with checks over the whole column, and materialised as a flat column.
 */
import { type ColumnPlan, decodeFloat, decodeInteger, materializeColumns } from '../duckdb/columns.js';
import { type DuckSession, quoteIdent, quoteLiteral } from '../duckdb/session.js';
import { InteractionTable } from '../table.js';
import { CsvFormatError } from './errors.js';
import { dedupeColumnNames, readHeader } from './header.js';
import { headerDecoder, type PreparedCsv } from './prepare.js';

/** Cell texts that mean "missing" (pandas' default NA values). */
export const NULL_TOKENS: readonly string[] = [
  '',
  '#N/A',
  '#N/A N/A',
  '#NA',
  '-1.#IND',
  '-1.#QNAN',
  '-NaN',
  '-nan',
  '1.#IND',
  '1.#QNAN',
  '<NA>',
  'N/A',
  'NA',
  'NULL',
  'NaN',
  'None',
  'n/a',
  'nan',
  'null',
];

const INT_RE = String.raw`\s*[+-]?[0-9]+\s*`;
const FLOAT_RE = String.raw`\s*[+-]?((([0-9]+\.?[0-9]*)|(\.[0-9]+))([eE][+-]?[0-9]+)?|[iI][nN][fF]([iI][nN][iI][tT][yY])?)\s*`;
const TRUE_TEXTS = ['True', 'true', 'TRUE'];
const FALSE_TEXTS = ['False', 'false', 'FALSE'];
const SAMPLE_ROWS = 2048;

type CsvType = 'int' | 'nullable-int' | 'float' | 'bool' | 'nullable-bool' | 'string';

/** A `dtype` value → the type it forces; throws for unknown or unsupported names. */
export function dtypeToType(dtype: string): CsvType {
  const d = dtype.trim();
  if (['str', 'string', 'object', 'category', 'U'].includes(d)) return 'string';
  if (
    ['int', 'int64', 'int32', 'int16', 'int8', 'uint8', 'uint16', 'uint32', 'uint64', 'i8', 'i4', 'long'].includes(d)
  ) {
    return 'int';
  }
  if (['Int64', 'Int32', 'Int16', 'Int8', 'UInt64', 'UInt32', 'UInt16', 'UInt8'].includes(d)) return 'nullable-int';
  if (['float', 'float64', 'float32', 'float16', 'double', 'f8', 'f4', 'Float64', 'Float32'].includes(d))
    return 'float';
  if (d === 'bool') return 'bool';
  if (d === 'boolean') return 'nullable-bool';
  if (/^datetime64|^timedelta64|^period/i.test(d)) {
    throw new CsvFormatError(
      `dtype '${dtype}' is not supported for CSV columns; leave the column untyped and set schema.time_column instead`,
    );
  }
  throw new CsvFormatError(`data type '${dtype}' not understood`);
}

export interface CsvParseOptions {
  delimiter: string;
  /** 0-based index of the header record. */
  header: number;
  dtype: Readonly<Record<string, string>> | null;
  /** Columns used as ids: dictionary-encoded whatever their type (cheap string coercion later). */
  idColumns: ReadonlySet<string>;
}

/** Parses a prepared CSV file; CsvFormatError or DuckDB errors on malformed input. */
export async function parseCsv(
  session: DuckSession,
  input: PreparedCsv,
  opts: CsvParseOptions,
): Promise<InteractionTable> {
  if (opts.delimiter.length === 0) throw new CsvFormatError('delimiter must not be empty');
  const scan = await readHeader(
    input.file,
    input.compression === 'gzip',
    opts.delimiter,
    opts.header,
    headerDecoder(input.encoding),
  );
  if (!scan.fields) {
    if (opts.header === 0) throw new CsvFormatError('No columns to parse from file');
    throw new CsvFormatError(`Passed header=${opts.header}, but the file has fewer non-blank rows`);
  }
  const names = dedupeColumnNames(scan.fields);
  const forced = new Map<number, CsvType>();
  for (const [col, dt] of Object.entries(opts.dtype ?? {})) {
    const t = dtypeToType(dt);
    const idx = names.indexOf(col);
    if (idx >= 0) forced.set(idx, t); // unknown column keys are ignored
  }

  const internal = names.map((_, i) => `c${i}`);
  const columnsSpec = internal.map((c) => `${quoteLiteral(c)}: 'VARCHAR'`).join(', ');
  const nullList = NULL_TOKENS.map(quoteLiteral).join(', ');
  await session.run(
    `CREATE TEMP TABLE raw AS SELECT * FROM read_csv(${quoteLiteral(input.file)}, auto_detect = false, header = false, ` +
      `skip = ${scan.linesConsumed}, delim = ${quoteLiteral(opts.delimiter)}, quote = '"', escape = '"', ` +
      `columns = {${columnsSpec}}, nullstr = [${nullList}], null_padding = true, ` +
      `compression = ${quoteLiteral(input.compression)}, encoding = ${quoteLiteral(input.encoding)})`,
  );
  const rowCount = Number((await session.rows('SELECT count(*) FROM raw'))[0][0]);
  const types = await inferTypes(session, internal, forced, rowCount);
  for (const [idx, t] of forced) await checkForced(session, internal[idx], names[idx], t);

  const plans = internal.map((c, i) => planFor(quoteIdent(c), types[i], opts.idColumns.has(names[i])));
  const columns = await materializeColumns(session, 'raw', plans, rowCount);
  return new InteractionTable(
    names.map((n, i) => [n, columns[i]] as const),
    rowCount,
  );
}

const isInt = (c: string) => `regexp_full_match(${c}, '${INT_RE}') AND TRY_CAST(trim(${c}) AS BIGINT) IS NOT NULL`;
const isFloat = (c: string) => `regexp_full_match(${c}, '${FLOAT_RE}')`;
const isBool = (c: string) => `${c} IN (${[...TRUE_TEXTS, ...FALSE_TEXTS].map(quoteLiteral).join(', ')})`;

/** Types of all columns: a cheap pass over a sample rules out string columns, then full checks. */
async function inferTypes(
  session: DuckSession,
  internal: readonly string[],
  forced: ReadonlyMap<number, CsvType>,
  rowCount: number,
): Promise<CsvType[]> {
  const types: (CsvType | undefined)[] = internal.map((_, i) => forced.get(i));
  const open = internal.map((_, i) => i).filter((i) => types[i] === undefined);
  if (open.length === 0) return types as CsvType[];
  const preds = (c: string) => [isInt(c), isFloat(c), isBool(c)].map((p) => `bool_and(${c} IS NULL OR (${p}))`);
  const sample = await session.rows(
    `SELECT ${open.flatMap((i) => preds(quoteIdent(internal[i]))).join(', ')} FROM (SELECT * FROM raw LIMIT ${SAMPLE_ROWS})`,
  );
  const full = open.filter((i, k) => sample[0].slice(k * 3, k * 3 + 3).some((v) => v !== false));
  for (const i of open) if (!full.includes(i)) types[i] = 'string';
  if (full.length > 0) {
    const exprs = full.flatMap((i) => {
      const c = quoteIdent(internal[i]);
      return [...preds(c), `count(${c})`];
    });
    const row = (await session.rows(`SELECT ${exprs.join(', ')} FROM raw`))[0];
    full.forEach((i, k) => {
      const [int, float, bool, nonNull] = row.slice(k * 4, k * 4 + 4) as [
        boolean | null,
        boolean | null,
        boolean | null,
        bigint,
      ];
      const nulls = rowCount - Number(nonNull);
      if (Number(nonNull) === 0)
        types[i] = 'float'; // an all-missing column is float (all NaN)
      else if (int) types[i] = nulls > 0 ? 'float' : 'int';
      else if (float) types[i] = 'float';
      else if (bool) types[i] = 'bool';
      else types[i] = 'string';
    });
  }
  return types as CsvType[];
}

/** A `dtype` override must hold for every cell, as pandas enforces it. */
async function checkForced(session: DuckSession, internal: string, name: string, t: CsvType): Promise<void> {
  const c = quoteIdent(internal);
  const firstBad = async (pred: string) => {
    const rows = await session.rows(`SELECT ${c} FROM raw WHERE ${c} IS NOT NULL AND NOT (${pred}) LIMIT 1`);
    return rows.length > 0 ? String(rows[0][0]) : null;
  };
  const hasNull = async () => (await session.rows(`SELECT count(*) FROM raw WHERE ${c} IS NULL`))[0][0] !== 0n;
  if (t === 'int' || t === 'nullable-int') {
    const bad = await firstBad(isInt(c));
    if (bad !== null) throw new CsvFormatError(`Unable to parse string "${bad}" as integer in column '${name}'`);
    if (t === 'int' && (await hasNull())) throw new CsvFormatError(`Integer column has NA values in column '${name}'`);
  } else if (t === 'float') {
    const bad = await firstBad(isFloat(c));
    if (bad !== null) throw new CsvFormatError(`could not convert string to float: '${bad}' in column '${name}'`);
  } else if (t === 'bool' || t === 'nullable-bool') {
    const bad = await firstBad(isBool(c));
    if (bad !== null) throw new CsvFormatError(`Unable to parse "${bad}" as boolean in column '${name}'`);
    if (t === 'bool' && (await hasNull())) throw new CsvFormatError(`Bool column has NA values in column '${name}'`);
  }
}

function planFor(c: string, t: CsvType, isId: boolean): ColumnPlan {
  switch (t) {
    case 'string':
      return { kind: 'dict', type: 'string', expr: c };
    case 'int':
    case 'nullable-int':
      return isId
        ? { kind: 'dict', type: 'int', expr: `CAST(CAST(trim(${c}) AS BIGINT) AS VARCHAR)`, decode: decodeInteger }
        : { kind: 'number', type: 'int', expr: `CAST(trim(${c}) AS BIGINT)` };
    case 'float':
      return isId
        ? { kind: 'dict', type: 'float', expr: `CAST(CAST(trim(${c}) AS DOUBLE) AS VARCHAR)`, decode: decodeFloat }
        : { kind: 'number', type: 'float', expr: `CAST(trim(${c}) AS DOUBLE)` };
    default:
      return {
        kind: 'bool',
        expr: `CASE WHEN ${c} IN (${TRUE_TEXTS.map(quoteLiteral).join(', ')}) THEN true WHEN ${c} IN (${FALSE_TEXTS.map(quoteLiteral).join(', ')}) THEN false END`,
      };
  }
}
