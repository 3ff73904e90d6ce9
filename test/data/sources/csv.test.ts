import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { deflateRawSync, gzipSync } from 'node:zlib';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { csvConfigSchema } from '../../../src/data/sources/configs.js';
import { createCsvSource } from '../../../src/data/sources/csv.js';
import type { FetchContext } from '../../../src/data/sources/types.js';
import type { InteractionTable } from '../../../src/data/table.js';
import { DataSourceError, exitCodeFor, HttpFetchError } from '../../../src/errors/index.js';
import { captureLogs } from '../../../src/log/index.js';
import { serveBytes, startHttpServer, type TestHttpServer } from '../../helpers/http-server.js';

let dir: string;
let srv: TestHttpServer;
const savedEnv = { ...process.env };

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'recotem-csv-'));
  srv = await startHttpServer();
});
afterAll(async () => {
  rmSync(dir, { recursive: true, force: true });
  await srv.close();
});
afterEach(() => {
  for (const k of ['RECOTEM_MAX_DOWNLOAD_BYTES', 'RECOTEM_HTTP_ALLOW_PRIVATE']) {
    if (savedEnv[k] === undefined) delete process.env[k];
    else process.env[k] = savedEnv[k];
  }
});

const ctx = (extra: Record<string, unknown> = {}): FetchContext => ({ recipeName: 'r1', runId: 'run1', extra });
let n = 0;
function file(content: string | Buffer, name = `f${++n}.csv`): string {
  const p = join(dir, name);
  writeFileSync(p, content);
  return p;
}
function source(cfg: Record<string, unknown>) {
  return createCsvSource(csvConfigSchema.parse({ type: 'csv', ...cfg }));
}
async function load(cfg: Record<string, unknown>, extra: Record<string, unknown> = {}): Promise<InteractionTable> {
  return source(cfg).fetch(ctx(extra));
}
async function failure(p: Promise<unknown>): Promise<DataSourceError> {
  const err = await p.then(
    () => {
      throw new Error('expected failure');
    },
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(DataSourceError);
  return err as DataSourceError;
}

describe('csv type inference', () => {
  it('infers int, float, bool and string columns and loses leading zeros of numbers', async () => {
    const t = await load({ path: file('user,item,score,flag,when\n0042,a,1.5,True,2024-01-01\n7,b,2,false,x\n') });
    expect(t.columnNames).toEqual(['user', 'item', 'score', 'flag', 'when']);
    expect(t.columnType('user')).toBe('int');
    expect(t.values('user')).toEqual([42, 7]);
    expect(t.columnType('score')).toBe('float');
    expect(t.values('score')).toEqual([1.5, 2]);
    expect(t.columnType('flag')).toBe('bool');
    expect(t.values('flag')).toEqual([true, false]);
    expect(t.columnType('item')).toBe('string');
    expect(t.values('when')).toEqual(['2024-01-01', 'x']);
  });

  it('treats the null tokens as missing, also in dtype str columns, and an int column with nulls as float', async () => {
    const t = await load(
      { path: file('u,i,n\n1,NA,5\n2,null,\n3,ok,7\n4,None,8\n'), dtype: { i: 'str' } },
      { user_column: 'u', item_column: 'i' },
    );
    expect(t.values('i')).toEqual([null, null, 'ok', null]);
    expect(t.columnType('n')).toBe('float');
    expect(t.values('n')).toEqual([5, Number.NaN, 7, 8]);
  });

  it('keeps id text with dtype str and types id columns as dictionaries', async () => {
    const path = file('user_id,item_id\n0042,007\n42,7\n');
    const typed = await load(
      { path, dtype: { user_id: 'str', missing_col: 'int' } },
      { user_column: 'user_id', item_column: 'item_id' },
    );
    expect(typed.values('user_id')).toEqual(['0042', '42']);
    expect(typed.column('user_id').encoding).toBe('dict');
    const inferred = await load({ path }, { user_column: 'user_id', item_column: 'item_id' });
    expect(inferred.columnType('item_id')).toBe('int');
    expect(inferred.column('item_id').encoding).toBe('dict');
    expect(inferred.values('item_id')).toEqual([7, 7]);
  });

  it('checks the schema time column only for being numeric', async () => {
    const extra = { user_column: 'u', item_column: 'i', time_column: 't' };
    const numeric = await load({ path: file('u,i,t\na,x,1700000000\nb,y,1.7e9\n') }, extra);
    expect(numeric.columnType('t')).toBe('float');
    expect(numeric.values('t')).toEqual([1_700_000_000, 1_700_000_000]);
    const text = await load({ path: file('u,i,t\na,x,1_700\nb,y,2024-01-01\n') }, extra);
    expect(text.columnType('t')).toBe('string');
  });

  it('enforces dtype overrides', async () => {
    const path = file('a,b\n1,x\n,y\n');
    expect((await failure(load({ path, dtype: { a: 'int' } }))).message).toBe(
      `Failed to parse CSV from '${path}': Integer column has NA values in column 'a'`,
    );
    expect((await load({ path, dtype: { a: 'Int64' } })).values('a')).toEqual([1, null]);
    expect((await failure(load({ path, dtype: { b: 'float' } }))).message).toContain(
      "could not convert string to float: 'x'",
    );
    expect((await failure(load({ path, dtype: { a: 'decimal128' } }))).message).toBe(
      `Failed to parse CSV from '${path}': data type 'decimal128' not understood`,
    );
    const err = await failure(load({ path, dtype: { a: 'int' } }));
    expect(exitCodeFor(err)).toBe(3);
  });
});

describe('csv layout', () => {
  it('honours the header row index, de-duplicates names pandas-style and names empty headers', async () => {
    const t = await load({ path: file('# exported\na,a,,b\n1,2,3,4\n'), header: 1 });
    expect(t.columnNames).toEqual(['a', 'a.1', 'Unnamed: 2', 'b']);
    expect(t.values('b')).toEqual([4]);
  });

  it('finds the header past blank lines and header fields spanning lines', async () => {
    const spanning = await load({ path: file('a,"b\nc"\n1,2\n3,4\n') });
    expect(spanning.columnNames).toEqual(['a', 'b\nc']);
    expect(spanning.values('a')).toEqual([1, 3]);
    const blanks = await load({ path: file('\n\na,b\n1,2\n') });
    expect(blanks.values('b')).toEqual([2]);
    const preamble = await load({ path: file('x\n\ny\na,b\n1,2\n'), header: 2 });
    expect(preamble.columnNames).toEqual(['a', 'b']);
    expect(preamble.rowCount).toBe(1);
  });

  it('parses quoted delimiters, newlines and doubled quotes with a custom delimiter', async () => {
    const t = await load({ path: file('x;y\n"a;b";"multi\nline"\n"q""uote";2\n'), delimiter: ';' });
    expect(t.values('x')).toEqual(['a;b', 'q"uote']);
    expect(t.values('y')).toEqual(['multi\nline', '2']);
  });

  it('accepts multi-character delimiters, CRLF line ends and skips blank lines', async () => {
    const t = await load({ path: file('u::i\r\nx::1\r\n\r\ny::2\r\n'), delimiter: '::' });
    expect(t.values('u')).toEqual(['x', 'y']);
    expect(t.values('i')).toEqual([1, 2]);
  });

  it('pads short rows with nulls and refuses rows with extra fields', async () => {
    expect((await load({ path: file('a,b\n1\n2,3\n') })).values('b')).toEqual([Number.NaN, 3]);
    const path = file('a,b\n1,2\n3,4,5\n');
    expect((await failure(load({ path }))).message).toMatch(
      new RegExp(`^Failed to parse CSV from '${path}': CSV Error on Line: 3`),
    );
  });

  it('keeps source row order over many row groups', async () => {
    const rows = Array.from({ length: 300_000 }, (_, k) => `u${k % 977},${k}`);
    const t = await load({ path: file(`u,k\n${rows.join('\n')}\n`) });
    const k = t.column('k');
    expect(k.encoding).toBe('number');
    const values = (k as { values: Float64Array }).values;
    let inOrder = true;
    for (let r = 0; r < values.length; r++) if (values[r] !== r) inOrder = false;
    expect(inOrder).toBe(true);
    expect(t.value('u', 299_999)).toBe(`u${299_999 % 977}`);
  });
});

describe('csv compression and encodings', () => {
  const text = 'user,item\nu1,i1\nu2,i2\n';
  it('reads gzip and single-member zip, inferred from the suffix only', async () => {
    expect((await load({ path: file(gzipSync(text), 'a.csv.gz') })).values('item')).toEqual(['i1', 'i2']);
    expect((await load({ path: file(gzipSync(text), 'a.CSV.GZ') })).rowCount).toBe(2);
    expect((await load({ path: file(makeZip([['data.csv', Buffer.from(text)]]), 'a.zip') })).values('user')).toEqual([
      'u1',
      'u2',
    ]);
    const two = file(
      makeZip([
        ['a.csv', Buffer.from(text)],
        ['b.csv', Buffer.from(text)],
      ]),
      'two.zip',
    );
    expect((await failure(load({ path: two }))).message).toContain('Multiple files found in ZIP file');
  });

  it('names unsupported compressions', async () => {
    const path = file('whatever', 'a.csv.bz2');
    expect((await failure(load({ path }))).message).toBe(
      `Failed to parse CSV from '${path}': bz2 compression is not supported (no bz2 decoder is available); decompress the file or recompress it with gzip`,
    );
    expect((await failure(load({ path: file('x', 'a.csv.xz') }))).message).toContain('xz compression is not supported');
  });

  it('decodes latin-1, cp932 and utf-8-sig, and fails on undecodable bytes', async () => {
    const latin = Buffer.concat([Buffer.from('name,n\ncaf'), Buffer.from([0xe9]), Buffer.from(',1\n')]);
    expect((await load({ path: file(latin), encoding: 'latin-1' })).values('name')).toEqual(['café']);
    // "あい" in Shift_JIS
    const sjis = Buffer.concat([Buffer.from('name,n\n'), Buffer.from([0x82, 0xa0, 0x82, 0xa2]), Buffer.from(',1\n')]);
    expect((await load({ path: file(sjis), encoding: 'cp932' })).values('name')).toEqual(['あい']);
    expect((await load({ path: file(gzipSync(sjis), 's.csv.gz'), encoding: 'shift_jis' })).values('name')).toEqual([
      'あい',
    ]);
    const bom = Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from('user,item\nu,i\n')]);
    expect((await load({ path: file(bom), encoding: 'utf-8-sig' })).columnNames).toEqual(['user', 'item']);
    const bad = file(Buffer.concat([Buffer.from('a,b\n'), Buffer.from([0xff, 0xfe]), Buffer.from(',1\n')]));
    expect((await failure(load({ path: bad }))).message).toMatch(/^Failed to parse CSV from .*Invalid unicode/);
    expect((await failure(load({ path: bad, encoding: 'cp932' }))).message).toContain("'cp932' codec can't decode");
    expect((await failure(load({ path: bad, encoding: 'klingon' }))).message).toBe(
      `Failed to parse CSV from '${bad}': unknown encoding: klingon`,
    );
  });
});

describe('csv errors and events', () => {
  it('separates zero-byte files (parse error) from header-only files (empty)', async () => {
    const zero = file('');
    expect((await failure(load({ path: zero }))).message).toBe(
      `Failed to parse CSV from '${zero}': No columns to parse from file`,
    );
    const hdr = file('user,item\n');
    expect((await failure(load({ path: hdr }))).message).toBe(
      `CSV file '${hdr}' is empty (no data rows after header).`,
    );
  });

  it('reports missing files and missing schema columns with exit 3', async () => {
    const missing = join(dir, 'nope.csv');
    const err = await failure(load({ path: missing }));
    expect(err.message).toBe(`CSV file not found: ${missing}`);
    expect(exitCodeFor(err)).toBe(3);
    const path = file('user,item,c\nu,i,1\n');
    const col = await failure(load({ path }, { user_column: 'user_id', item_column: 'item' }));
    expect(col.message).toBe(
      `required column 'user_id' not found in source '${path}'; available columns: ['c', 'item', 'user']`,
    );
    expect(exitCodeFor(col)).toBe(3);
  });

  it('enforces RECOTEM_MAX_DOWNLOAD_BYTES before reading', async () => {
    process.env.RECOTEM_MAX_DOWNLOAD_BYTES = String(1024 * 1024);
    const path = file(Buffer.alloc(1024 * 1024 + 10, 'a'));
    const err = await failure(load({ path }));
    expect(err.message).toBe(
      `CSV file '${path}' is 1,048,586 bytes which exceeds the 1048576-byte cap set by RECOTEM_MAX_DOWNLOAD_BYTES. Raise the limit or downsample the source data.`,
    );
    expect(exitCodeFor(err)).toBe(3);
  });

  it('verifies the sha256 pin of local files: mismatch is exit 7, a match is logged as verified', async () => {
    const body = 'user,item\nu,i\n';
    const path = file(body);
    const good = createHash('sha256').update(body).digest('hex');
    const bad = 'a'.repeat(64);
    const err = await failure(load({ path, sha256: bad }));
    expect(err.cause).toBeInstanceOf(HttpFetchError);
    expect(err.message).toBe(`sha256 mismatch: got ${good.slice(0, 8)}…, expected aaaaaaaa…`);
    expect(exitCodeFor(err)).toBe(7);
    const logs = captureLogs();
    try {
      await load({ path, sha256: good });
      expect(logs.events('csv_source_fetch_start')[0]).toMatchObject({
        recipe: 'r1',
        run_id: 'run1',
        path,
        scheme: 'local',
      });
      expect(logs.events('csv_source_fetch_done')[0]).toMatchObject({
        rows: 1,
        bytes: body.length,
        sha256_verified: true,
        columns: ['user', 'item'],
      });
    } finally {
      logs.stop();
    }
  });

  it('downloads http sources through the guarded fetcher, wrapping fetch errors with exit 7', async () => {
    const body = Buffer.from('user,item\nu1,i1\n');
    srv.route('/d.csv.gz', serveBytes(gzipSync(body)));
    const url = `http://user:pw@127.0.0.1:${srv.port}/d.csv.gz?token=1`;
    const shown = `http://127.0.0.1:${srv.port}/d.csv.gz?token=1`;
    const pin = createHash('sha256').update(gzipSync(body)).digest('hex');
    process.env.RECOTEM_HTTP_ALLOW_PRIVATE = '1';
    const logs = captureLogs();
    try {
      expect((await load({ path: url, sha256: pin })).values('item')).toEqual(['i1']);
      expect(logs.events('csv_source_fetch_start')[0]).toMatchObject({ path: shown, scheme: 'http' });
      expect(logs.text()).not.toContain('pw@');
    } finally {
      logs.stop();
    }
    const mismatch = await failure(load({ path: url, sha256: 'b'.repeat(64) }));
    expect(exitCodeFor(mismatch)).toBe(7);
    process.env.RECOTEM_HTTP_ALLOW_PRIVATE = '0';
    const refused = await failure(load({ path: url, sha256: pin }));
    expect(refused.cause).toBeInstanceOf(HttpFetchError);
    expect(refused.message).toContain(
      `Refusing fetch to private/internal address for ${shown} (resolved to 127.0.0.1)`,
    );
    expect(exitCodeFor(refused)).toBe(7);
  });

  it('probes: host check only for http, existence for files', async () => {
    const refused = await source({ path: 'http://127.0.0.1:1/x.csv', sha256: 'a'.repeat(64) })
      .probe?.()
      .then(
        () => null,
        (e: unknown) => e,
      );
    expect(refused).toBeInstanceOf(DataSourceError);
    expect((refused as Error).message).toBe(
      'CSV HTTP probe refused: Refusing fetch to private/internal address for http://127.0.0.1:1/x.csv (resolved to 127.0.0.1). Set RECOTEM_HTTP_ALLOW_PRIVATE=1 to allow internal HTTP origins.',
    );
    expect(exitCodeFor(refused)).toBe(7);
    const missing = join(dir, 'absent.csv');
    await expect(source({ path: missing }).probe?.()).rejects.toThrow(`CSV file not found: ${missing}`);
    await expect(source({ path: file('a\n1\n') }).probe?.()).resolves.toBeUndefined();
  });
});

/** A zip archive of deflated members (enough of the format for the reader under test). */
function makeZip(members: [string, Buffer][]): Buffer {
  const locals: Buffer[] = [];
  const centrals: Buffer[] = [];
  let offset = 0;
  for (const [name, data] of members) {
    const comp = deflateRawSync(data);
    const nameBuf = Buffer.from(name);
    const local = Buffer.alloc(30);
    local.writeUInt32LE(0x04034b50, 0);
    local.writeUInt16LE(20, 4);
    local.writeUInt16LE(8, 8);
    local.writeUInt32LE(comp.length, 18);
    local.writeUInt32LE(data.length, 22);
    local.writeUInt16LE(nameBuf.length, 26);
    const central = Buffer.alloc(46);
    central.writeUInt32LE(0x02014b50, 0);
    central.writeUInt16LE(20, 6);
    central.writeUInt16LE(8, 10);
    central.writeUInt32LE(comp.length, 20);
    central.writeUInt32LE(data.length, 24);
    central.writeUInt16LE(nameBuf.length, 28);
    central.writeUInt32LE(offset, 42);
    locals.push(local, nameBuf, comp);
    centrals.push(central, nameBuf);
    offset += 30 + nameBuf.length + comp.length;
  }
  const cd = Buffer.concat(centrals);
  const eocd = Buffer.alloc(22);
  eocd.writeUInt32LE(0x06054b50, 0);
  eocd.writeUInt16LE(members.length, 8);
  eocd.writeUInt16LE(members.length, 10);
  eocd.writeUInt32LE(cd.length, 12);
  eocd.writeUInt32LE(offset, 16);
  return Buffer.concat([...locals, cd, eocd]);
}
