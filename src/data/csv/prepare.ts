/**
 * Gets CSV bytes into a form DuckDB reads natively: plain or gzip, UTF-8 or Latin-1. Other
 * encodings are decoded in JS (TextDecoder, fatal on bad bytes) and zip archives are unpacked, each
 * into a private temp file.
 */
import { promises as fs } from 'node:fs';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { pathSuffix } from '../uri.js';
import { CsvFormatError } from './errors.js';
import { extractSingleZipMember } from './zip.js';

export type CsvCompression = 'none' | 'gzip' | 'zip' | 'bz2' | 'xz';

/** Compression from the path suffix only (URL query ignored), like the original. */
export function compressionOf(path: string): CsvCompression {
  switch (pathSuffix(path)) {
    case '.gz':
      return 'gzip';
    case '.zip':
      return 'zip';
    case '.bz2':
      return 'bz2';
    case '.xz':
      return 'xz';
    default:
      return 'none';
  }
}

type NativeEncoding = 'utf-8' | 'latin-1';

const UTF8_LABELS = new Set(['utf-8', 'utf8', 'u8', 'utf', 'cp65001', 'utf-8-sig', 'utf8-sig']);
const LATIN1_LABELS = new Set(['latin-1', 'latin1', 'iso-8859-1', 'iso8859-1', '8859', 'cp819', 'l1', 'iso-ir-100']);
/** Python codec names that WHATWG TextDecoder knows under another label. */
const DECODER_ALIASES: Record<string, string> = {
  cp932: 'shift_jis',
  ms932: 'shift_jis',
  mskanji: 'shift_jis',
  'ms-kanji': 'shift_jis',
  'windows-31j': 'shift_jis',
  sjis: 'shift_jis',
  's-jis': 'shift_jis',
  'shift-jis': 'shift_jis',
  shift_jis: 'shift_jis',
  eucjp: 'euc-jp',
  'euc-jp': 'euc-jp',
  cp1252: 'windows-1252',
  cp1251: 'windows-1251',
  cp1250: 'windows-1250',
  cp949: 'euc-kr',
  cp936: 'gbk',
  'utf-16': 'utf-16le',
  utf16: 'utf-16le',
  'utf-16-le': 'utf-16le',
  'utf-16-be': 'utf-16be',
};

export type EncodingPlan = { native: NativeEncoding } | { decoder: string; ascii?: boolean };

/** Maps a Python codec name to DuckDB's native reader or a TextDecoder label. */
export function encodingPlan(encoding: string): EncodingPlan {
  const label = encoding.trim().toLowerCase().replace(/_/g, '-');
  if (UTF8_LABELS.has(label)) return { native: 'utf-8' };
  if (LATIN1_LABELS.has(label)) return { native: 'latin-1' };
  if (label === 'ascii' || label === 'us-ascii' || label === '646') return { decoder: 'utf-8', ascii: true };
  const alias = DECODER_ALIASES[label] ?? DECODER_ALIASES[encoding.trim().toLowerCase()] ?? label;
  try {
    new TextDecoder(alias);
  } catch {
    throw new CsvFormatError(`unknown encoding: ${encoding}`);
  }
  return { decoder: alias };
}

export interface PreparedCsv {
  /** File DuckDB reads. */
  file: string;
  /** DuckDB `compression` option. */
  compression: 'none' | 'gzip';
  /** DuckDB `encoding` option. */
  encoding: NativeEncoding;
}

/**
 * Input is either a file already on disk (read in place when no transformation is needed) or bytes
 * in memory. `scratchDir` is a private temp directory the caller removes.
 */
export async function prepareCsv(
  input: { file: string } | { bytes: Buffer },
  sourcePath: string,
  encoding: string,
  scratchDir: string,
): Promise<PreparedCsv> {
  const compression = compressionOf(sourcePath);
  if (compression === 'bz2' || compression === 'xz') {
    throw new CsvFormatError(
      `${compression} compression is not supported (no ${compression} decoder is available); decompress the file or recompress it with gzip`,
    );
  }
  const plan = encodingPlan(encoding);
  const needsBytes = compression === 'zip' || 'decoder' in plan;
  if (!needsBytes) {
    const native = (plan as { native: NativeEncoding }).native;
    const file = 'file' in input ? input.file : await writeScratch(scratchDir, input.bytes);
    return { file, compression: compression === 'gzip' ? 'gzip' : 'none', encoding: native };
  }
  let bytes = 'bytes' in input ? input.bytes : await fs.readFile(input.file);
  if (compression === 'gzip') {
    try {
      bytes = gunzipSync(bytes);
    } catch (err) {
      throw new CsvFormatError(`gzip decompression failed: ${(err as Error).message}`);
    }
  } else if (compression === 'zip') {
    bytes = extractSingleZipMember(bytes);
  }
  if ('decoder' in plan) {
    if (plan.ascii) {
      const bad = bytes.findIndex((b) => b > 0x7f);
      if (bad >= 0) {
        throw new CsvFormatError(`'ascii' codec can't decode byte 0x${bytes[bad].toString(16)} in position ${bad}`);
      }
    }
    let text: string;
    try {
      text = new TextDecoder(plan.decoder, { fatal: true }).decode(bytes);
    } catch {
      throw new CsvFormatError(`'${encoding}' codec can't decode the file (invalid byte sequence)`);
    }
    return { file: await writeScratch(scratchDir, Buffer.from(text, 'utf8')), compression: 'none', encoding: 'utf-8' };
  }
  return {
    file: await writeScratch(scratchDir, bytes),
    compression: 'none',
    encoding: (plan as { native: NativeEncoding }).native,
  };
}

let scratchCounter = 0;

async function writeScratch(dir: string, bytes: Buffer): Promise<string> {
  const file = join(dir, `input-${++scratchCounter}.csv`);
  await fs.writeFile(file, bytes, { mode: 0o600 });
  return file;
}

/** Decoder for the header scan matching DuckDB's reading of the prepared file. */
export function headerDecoder(encoding: NativeEncoding): (bytes: Buffer) => string {
  return encoding === 'latin-1' ? (b) => b.toString('latin1') : (b) => b.toString('utf8');
}
