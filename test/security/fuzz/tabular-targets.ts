/**
 * Fuzz targets: the csv and parquet sources reading bytes from a temp file. Allowed: a table, or
 * a DataSourceError; anything else (a crash of the parser, a foreign error class) is a failure.
 */
import { spawnSync } from 'node:child_process';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import fc from 'fast-check';
import { parquetWriteBuffer } from 'hyparquet-writer';
import { csvConfigSchema, parquetConfigSchema } from '../../../src/data/sources/configs.js';
import { createCsvSource } from '../../../src/data/sources/csv.js';
import { createParquetSource } from '../../../src/data/sources/parquet.js';
import type { DataSource } from '../../../src/data/sources/types.js';
import { DataSourceError } from '../../../src/errors/index.js';
import { captureLogs } from '../../../src/log/index.js';
import { applyMutations, describeError, type FuzzTarget, mutationArbitrary } from './runner.js';

const CTX = {
  recipeName: 'fuzz',
  runId: 'fuzz',
  extra: { user_column: 'user_id', item_column: 'item_id', time_column: 'ts' },
};

async function fetchOutcome(source: DataSource): Promise<string> {
  try {
    const table = await source.fetch(CTX);
    if (table.rowCount < 0) throw new Error('negative row count');
    return 'ok';
  } catch (err) {
    if (err instanceof DataSourceError) return 'DataSourceError';
    throw new Error(`the source threw outside the specification: ${describeError(err)}`);
  }
}

const CSV_TOKENS = [
  'user_id',
  'item_id',
  'ts',
  ',',
  ';',
  '\t',
  '||',
  '"',
  '""',
  '\n',
  '\r\n',
  '\r',
  'u1',
  'i1',
  '1700000000',
  '1.5',
  '-0',
  'NaN',
  'nan',
  'NULL',
  'True',
  '',
  ' ',
  '\ufeff',
  '\u0000',
  'é',
  '中',
  '😀',
  '\\',
  '#',
];

interface CsvInput {
  bytes: Uint8Array;
  gzip: boolean;
  delimiter: string;
  encoding: string;
  header: number;
  dtype: boolean;
  /** Read this special file instead of the bytes (it must be refused, never read or waited on). */
  special: string | null;
}

/** Special files the csv fuzz points the source at: each must be a DataSourceError, at once. */
const SPECIAL_FILES = ['fifo', 'socket', 'directory', '/proc/self/environ', '/dev/zero', '/dev/null'];

export const csvTarget: FuzzTarget = {
  name: 'csv',
  summary: 'the csv source over a temp file: random bytes and CSV token soup, several dialects and encodings',
  async setup() {
    const dir = await mkdtemp(join(tmpdir(), 'recotem-fuzz-csv-'));
    const logs = captureLogs();
    let n = 0;
    if (spawnSync('mkfifo', [join(dir, 'fifo')]).status !== 0) throw new Error('mkfifo failed');
    await mkdir(join(dir, 'directory.csv'));
    const socketServer = createServer();
    await new Promise<void>((resolve) => socketServer.listen(join(dir, 'socket'), resolve));
    const specialPath = (name: string) =>
      name.startsWith('/') ? name : join(dir, name === 'directory' ? 'directory.csv' : name);
    const text = fc.array(fc.constantFrom(...CSV_TOKENS), { maxLength: 120 }).map((t) => Buffer.from(t.join('')));
    const arbitrary: fc.Arbitrary<CsvInput> = fc.record({
      bytes: fc.oneof(
        { weight: 3, arbitrary: text },
        { weight: 1, arbitrary: fc.uint8Array({ maxLength: 1024 }) },
        {
          weight: 1,
          arbitrary: fc
            .tuple(text, fc.array(mutationArbitrary, { maxLength: 3 }))
            .map(([t, ms]) => applyMutations(Buffer.concat([Buffer.from('user_id,item_id,ts\n'), t]), ms)),
        },
      ),
      gzip: fc.boolean(),
      delimiter: fc.constantFrom(',', ';', '\t', '||'),
      encoding: fc.constantFrom('utf-8', 'utf-8-sig', 'latin-1', 'cp932'),
      header: fc.constantFrom(0, 0, 1, 5),
      dtype: fc.boolean(),
      special: fc.oneof(
        { weight: 12, arbitrary: fc.constant(null) },
        { weight: 1, arbitrary: fc.constantFrom(...SPECIAL_FILES) },
      ),
    });
    return {
      arbitrary,
      async check(input: CsvInput) {
        logs.clear();
        const special = input.special === null ? null : specialPath(input.special);
        const path = special ?? join(dir, `f${++n}.csv${input.gzip ? '.gz' : ''}`);
        if (special === null) await writeFile(path, input.gzip ? gzipSync(input.bytes) : input.bytes);
        try {
          const config = csvConfigSchema.parse({
            type: 'csv',
            path,
            delimiter: input.delimiter,
            encoding: input.encoding,
            header: input.header,
            dtype: input.dtype ? { user_id: 'str', item_id: 'str' } : null,
          });
          const label = await fetchOutcome(createCsvSource(config));
          if (special !== null && label !== 'DataSourceError') throw new Error(`special file ${special} was read`);
          return { label: special === null ? label : 'special_refused' };
        } finally {
          if (special === null) await rm(path, { force: true });
        }
      },
      describe: (input: CsvInput) => JSON.stringify({ ...input, bytes: Buffer.from(input.bytes).toString('base64') }),
      async teardown() {
        logs.stop();
        await new Promise((resolve) => socketServer.close(resolve));
        await rm(dir, { recursive: true, force: true });
      },
    };
  },
};

function validParquet(): Buffer {
  const users = Array.from({ length: 40 }, (_, i) => `u${i % 7}`);
  const items = Array.from({ length: 40 }, (_, i) => `i${(i * 3) % 11}`);
  const ts = Array.from({ length: 40 }, (_, i) => BigInt(1_700_000_000 + i));
  const buffer = parquetWriteBuffer({
    columnData: [
      { name: 'user_id', data: users, type: 'STRING' },
      { name: 'item_id', data: items, type: 'STRING' },
      { name: 'ts', data: ts, type: 'INT64' },
    ],
  });
  return Buffer.from(buffer);
}

export const parquetTarget: FuzzTarget = {
  name: 'parquet',
  summary: 'the parquet source (DuckDB) over a temp file: mutated valid files and random bytes framed by PAR1',
  async setup() {
    const dir = await mkdtemp(join(tmpdir(), 'recotem-fuzz-parquet-'));
    const logs = captureLogs();
    const valid = validParquet();
    const magic = Buffer.from('PAR1');
    let n = 0;
    const arbitrary: fc.Arbitrary<Buffer> = fc.oneof(
      {
        weight: 4,
        arbitrary: fc.array(mutationArbitrary, { minLength: 1, maxLength: 4 }).map((ms) => applyMutations(valid, ms)),
      },
      { weight: 1, arbitrary: fc.uint8Array({ maxLength: 512 }).map((b) => Buffer.concat([magic, b, magic])) },
      { weight: 1, arbitrary: fc.uint8Array({ maxLength: 256 }).map((b) => Buffer.from(b)) },
    );
    return {
      arbitrary,
      async check(bytes: Buffer) {
        logs.clear();
        const path = join(dir, `f${++n}.parquet`);
        await writeFile(path, bytes);
        try {
          return {
            label: await fetchOutcome(createParquetSource(parquetConfigSchema.parse({ type: 'parquet', path }))),
          };
        } finally {
          await rm(path, { force: true });
        }
      },
      describe: (bytes: Buffer) => bytes.toString('base64'),
      async teardown() {
        logs.stop();
        await rm(dir, { recursive: true, force: true });
      },
    };
  },
};
