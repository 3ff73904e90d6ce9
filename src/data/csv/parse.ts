/**
 * CSV parsing rules on top of DuckDB: every cell is read as text with the
 * original's null tokens, then each column is typed (integer, float, boolean, string — or the
 * `dtype` override) with checks over the whole column, and materialised as a flat column.
 */
import { type ColumnPlan, colRef, decodeFloat, decodeInteger, materializeColumns } from '../duckdb/columns.js';
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
  /** Columns used as ids: checked and dictionary-encoded through their distinct values. */
  idColumns: ReadonlySet<string>;
  /**
   * The schema's time column: only "numeric or not" matters for it (a number needs a unit, text is
   * parsed), so it gets one cheap numeric check instead of the integer-then-float stages and is
   * typed float when numeric.
   */
  timeColumn?: string | null;
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
  const counts = (
    await session.rows(`SELECT count(*), ${internal.map((c) => `count(${quoteIdent(c)})`).join(', ')} FROM raw`)
  )[0].map(Number);
  const rowCount = counts[0];
  const nonNull = counts.slice(1);

  // Id columns are checked and encoded through their distinct texts: far fewer than their rows.
  const sources: ValueSource[] = [];
  for (let i = 0; i < names.length; i++) {
    if (opts.idColumns.has(names[i])) {
      const table = quoteIdent(`distinct_${internal[i]}`);
      await session.run(
        `CREATE TEMP TABLE ${table} AS SELECT DISTINCT ${quoteIdent(internal[i])} AS v FROM raw WHERE ${quoteIdent(internal[i])} IS NOT NULL`,
      );
      sources.push({ table, column: 'v', distinct: true });
    } else {
      sources.push({ table: 'raw', column: quoteIdent(internal[i]), distinct: false });
    }
  }
  const timeIdx = opts.timeColumn ? names.indexOf(opts.timeColumn) : -1;
  const types = await inferTypes(session, sources, forced, nonNull, rowCount, timeIdx);
  for (const [idx, t] of forced) await checkForced(session, sources[idx], names[idx], t, nonNull[idx] < rowCount);

  const plans = internal.map((c, i) => planFor(colRef(c), types[i], sources[i]));
  const columns = await materializeColumns(session, 'raw', plans, rowCount);
  return new InteractionTable(
    names.map((n, i) => [n, columns[i]] as const),
    rowCount,
  );
}

/** A nullstr no cell can equal: metadata CSVs keep every cell, empty ones as ''. */
const NEVER_NULL = 'recotem:no-null-token:7f3c9b';

/**
 * Item-metadata CSVs: every column as text, no missing-value detection
 * (an empty cell is an empty string), no type inference.
 */
export async function parseCsvAsText(
  session: DuckSession,
  input: PreparedCsv,
  opts: { delimiter: string; header: number },
): Promise<InteractionTable> {
  const scan = await readHeader(
    input.file,
    input.compression === 'gzip',
    opts.delimiter,
    opts.header,
    headerDecoder(input.encoding),
  );
  if (!scan.fields) throw new CsvFormatError('No columns to parse from file');
  const names = dedupeColumnNames(scan.fields);
  const internal = names.map((_, i) => `c${i}`);
  await session.run(
    `CREATE TEMP TABLE raw AS SELECT * FROM read_csv(${quoteLiteral(input.file)}, auto_detect = false, header = false, ` +
      `skip = ${scan.linesConsumed}, delim = ${quoteLiteral(opts.delimiter)}, quote = '"', escape = '"', ` +
      `columns = {${internal.map((c) => `${quoteLiteral(c)}: 'VARCHAR'`).join(', ')}}, nullstr = ${quoteLiteral(NEVER_NULL)}, ` +
      `null_padding = true, compression = ${quoteLiteral(input.compression)}, encoding = ${quoteLiteral(input.encoding)})`,
  );
  const rowCount = Number((await session.rows('SELECT count(*) FROM raw'))[0][0]);
  const plans: ColumnPlan[] = internal.map((c) => ({ kind: 'dict', type: 'string', expr: colRef(c) }));
  const columns = await materializeColumns(session, 'raw', plans, rowCount);
  return new InteractionTable(
    names.map((n, i) => [n, columns[i]] as const),
    rowCount,
  );
}

/** Where a column's values are checked: the raw table, or a table of its distinct texts. */
interface ValueSource {
  table: string;
  column: string;
  distinct: boolean;
}

const isInt = (c: string) => `TRY_CAST(${c} AS BIGINT) IS NOT NULL AND regexp_full_match(${c}, '${INT_RE}')`;
const isFloat = (c: string) => `regexp_full_match(${c}, '${FLOAT_RE}')`;
/** Numeric in the pandas sense (DuckDB's DOUBLE cast also takes `1_000`, which pandas does not). */
const isNumeric = (c: string) => `TRY_CAST(${c} AS DOUBLE) IS NOT NULL AND NOT contains(${c}, '_')`;
const isBool = (c: string) => `${c} IN (${[...TRUE_TEXTS, ...FALSE_TEXTS].map(quoteLiteral).join(', ')})`;

/** `bool_and` of `pred` over the non-null values of each source, one query per table. */
async function allMatch(
  session: DuckSession,
  srcs: readonly ValueSource[],
  pred: (c: string) => string,
  limit?: number,
): Promise<boolean[]> {
  const out = new Array<boolean>(srcs.length);
  const byTable = new Map<string, number[]>();
  for (let k = 0; k < srcs.length; k++) byTable.set(srcs[k].table, [...(byTable.get(srcs[k].table) ?? []), k]);
  for (const [table, ks] of byTable) {
    const exprs = ks.map((k) => `bool_and(${srcs[k].column} IS NULL OR (${pred(srcs[k].column)}))`);
    const from = limit === undefined ? table : `(SELECT * FROM ${table} LIMIT ${limit})`;
    const row = (await session.rows(`SELECT ${exprs.join(', ')} FROM ${from}`))[0];
    ks.forEach((k, j) => {
      out[k] = row[j] !== false; // null (no rows) counts as a match
    });
  }
  return out;
}

/**
 * Types of the columns without a dtype. A pass over a sample rules out string columns cheaply; the
 * others are checked over every value in stages (integer, then float, then boolean) so that each
 * column pays only for the checks it needs.
 */
async function inferTypes(
  session: DuckSession,
  sources: readonly ValueSource[],
  forced: ReadonlyMap<number, CsvType>,
  nonNull: readonly number[],
  rowCount: number,
  timeIdx = -1,
): Promise<CsvType[]> {
  const types: (CsvType | undefined)[] = sources.map((_, i) => forced.get(i));
  let open = sources.map((_, i) => i).filter((i) => types[i] === undefined);
  for (const i of open) if (nonNull[i] === 0) types[i] = 'float'; // all missing: float (all NaN)
  open = open.filter((i) => types[i] === undefined);
  const sampled = open.filter((i) => !sources[i].distinct);
  if (sampled.length > 0) {
    const srcs = sampled.map((i) => sources[i]);
    const [int, float, bool] = await Promise.all(
      [isInt, isFloat, isBool].map((p) => allMatch(session, srcs, p, SAMPLE_ROWS)),
    );
    sampled.forEach((i, k) => {
      if (!int[k] && !float[k] && !bool[k]) types[i] = 'string';
    });
    open = open.filter((i) => types[i] === undefined);
  }
  const timeOnly = timeIdx >= 0 && open.includes(timeIdx) && !sources[timeIdx].distinct;
  for (const [pred, type] of [
    [isNumeric, 'float'],
    [isInt, 'int'],
    [isFloat, 'float'],
    [isBool, 'bool'],
  ] as const) {
    // The numeric stage is for the time column alone; the integer and float stages skip it.
    const stage = open.filter((i) =>
      pred === isNumeric ? timeOnly && i === timeIdx : pred === isBool || !(timeOnly && i === timeIdx),
    );
    if (stage.length === 0) continue;
    const ok = await allMatch(
      session,
      stage.map((i) => sources[i]),
      pred,
    );
    const passed = new Set(stage.filter((_, k) => ok[k]));
    open = open.filter((i) => {
      if (!passed.has(i)) return true;
      // An integer column with missing values is a float column, as in pandas.
      types[i] = type === 'int' && nonNull[i] < rowCount ? 'float' : type;
      return false;
    });
  }
  for (const i of open) types[i] = 'string';
  return types as CsvType[];
}

/** A `dtype` override must hold for every cell, as pandas enforces it. */
async function checkForced(
  session: DuckSession,
  src: ValueSource,
  name: string,
  t: CsvType,
  hasNull: boolean,
): Promise<void> {
  const c = src.column;
  const firstBad = async (pred: string) => {
    const rows = await session.rows(`SELECT ${c} FROM ${src.table} WHERE ${c} IS NOT NULL AND NOT (${pred}) LIMIT 1`);
    return rows.length > 0 ? String(rows[0][0]) : null;
  };
  if (t === 'int' || t === 'nullable-int') {
    const bad = await firstBad(isInt(c));
    if (bad !== null) throw new CsvFormatError(`Unable to parse string "${bad}" as integer in column '${name}'`);
    if (t === 'int' && hasNull) throw new CsvFormatError(`Integer column has NA values in column '${name}'`);
  } else if (t === 'float') {
    const bad = await firstBad(isFloat(c));
    if (bad !== null) throw new CsvFormatError(`could not convert string to float: '${bad}' in column '${name}'`);
  } else if (t === 'bool' || t === 'nullable-bool') {
    const bad = await firstBad(isBool(c));
    if (bad !== null) throw new CsvFormatError(`Unable to parse "${bad}" as boolean in column '${name}'`);
    if (t === 'bool' && hasNull) throw new CsvFormatError(`Bool column has NA values in column '${name}'`);
  }
}

const BOOL_CASE = (c: string) =>
  `CASE WHEN ${c} IN (${TRUE_TEXTS.map(quoteLiteral).join(', ')}) THEN true WHEN ${c} IN (${FALSE_TEXTS.map(quoteLiteral).join(', ')}) THEN false END`;

function planFor(c: string, t: CsvType, src: ValueSource): ColumnPlan {
  const distinctTable = src.distinct ? src.table : undefined;
  switch (t) {
    case 'string':
      return { kind: 'dict', type: 'string', expr: c, distinctTable };
    case 'int':
    case 'nullable-int':
      return src.distinct
        ? { kind: 'dict', type: 'int', expr: c, key: 'CAST(v AS BIGINT)', distinctTable, decode: decodeInteger }
        : { kind: 'number', type: 'int', expr: `CAST(${c} AS BIGINT)` };
    case 'float':
      return src.distinct
        ? { kind: 'dict', type: 'float', expr: c, key: 'CAST(v AS DOUBLE)', distinctTable, decode: decodeFloat }
        : { kind: 'number', type: 'float', expr: `CAST(${c} AS DOUBLE)` };
    default:
      return { kind: 'bool', expr: BOOL_CASE(c) };
  }
}
