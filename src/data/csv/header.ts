/**
 * Reads the header row of a CSV in JS (DuckDB needs the column count before it can parse without
 * sniffing) and names the columns the way the original does.
 */
import { createReadStream } from 'node:fs';
import { createGunzip } from 'node:zlib';

export interface HeaderScan {
  /** Fields of the header record (0-based non-blank record `header`). */
  fields: string[] | null;
  /**
   * Rows up to and including the header record, counted the way DuckDB's `skip` counts them: blank
   * lines count, a quoted field spanning lines does not add any.
   */
  linesConsumed: number;
}

/**
 * Tokenises RFC-4180 records (quotes, doubled quotes, quoted newlines; `\n`, `\r\n` or `\r` line
 * ends; blank lines skipped but counted) until record `wanted` is complete.
 * Returns null when `text` ends before that record does and more text may follow.
 */
export function scanRecords(text: string, delimiter: string, wanted: number, atEof: boolean): HeaderScan | null {
  let i = text.charCodeAt(0) === 0xfeff ? 1 : 0;
  let lines = 0;
  let record = 0;
  const n = text.length;
  const dl = delimiter.length;
  while (i < n || atEof) {
    if (i >= n) return { fields: null, linesConsumed: lines };
    // Blank line: skipped, not a record.
    if (text[i] === '\n' || text[i] === '\r') {
      i += text[i] === '\r' && text[i + 1] === '\n' ? 2 : 1;
      if (text[i - 1] === '\r' && i >= n && !atEof) return null;
      lines++;
      continue;
    }
    const fields: string[] = [];
    let field = '';
    let inQuotes = false;
    let ended = false;
    while (!ended) {
      if (i >= n) {
        if (!atEof) return null;
        fields.push(field);
        lines++;
        ended = true;
        break;
      }
      const ch = text[i];
      if (inQuotes) {
        if (ch === '"') {
          if (text[i + 1] === '"') {
            field += '"';
            i += 2;
          } else if (i + 1 >= n && !atEof) {
            return null;
          } else {
            inQuotes = false;
            i++;
          }
        } else {
          field += ch;
          i++;
        }
        continue;
      }
      if (ch === '"' && field === '') {
        inQuotes = true;
        i++;
      } else if (text.startsWith(delimiter, i)) {
        fields.push(field);
        field = '';
        i += dl;
      } else if (ch === '\n' || ch === '\r') {
        if (ch === '\r' && i + 1 >= n && !atEof) return null;
        i += ch === '\r' && text[i + 1] === '\n' ? 2 : 1;
        lines++;
        fields.push(field);
        ended = true;
      } else {
        field += ch;
        i++;
      }
    }
    if (record === wanted) return { fields, linesConsumed: lines };
    record++;
  }
  return null;
}

/** pandas column naming: empty names become `Unnamed: i`, duplicates `a`, `a.1`, `a.2`, ... */
export function dedupeColumnNames(raw: readonly string[]): string[] {
  const counts = new Map<string, number>();
  return raw.map((name, i) => {
    let col = name === '' ? `Unnamed: ${i}` : name;
    let cur = counts.get(col) ?? 0;
    while (cur > 0) {
      counts.set(col, cur + 1);
      col = `${col}.${cur}`;
      cur = counts.get(col) ?? 0;
    }
    counts.set(col, cur + 1);
    return col;
  });
}

export type TextDecodeFn = (bytes: Buffer) => string;

/**
 * Reads just enough of `file` (gunzipping when `gzip`) to scan the header record. Decoding uses
 * `decode`, which must be byte-safe for prefixes (utf-8 text is cut at a line boundary).
 */
export async function readHeader(
  file: string,
  gzip: boolean,
  delimiter: string,
  headerRow: number,
  decode: TextDecodeFn,
): Promise<HeaderScan> {
  const source = createReadStream(file, { highWaterMark: 1 << 16 });
  const stream = gzip ? source.pipe(createGunzip()) : source;
  const chunks: Buffer[] = [];
  let total = 0;
  try {
    for await (const chunk of stream) {
      chunks.push(chunk as Buffer);
      total += (chunk as Buffer).length;
      const buf = Buffer.concat(chunks, total);
      // Only decode up to the last newline so a multi-byte character is never split.
      const cut = buf.lastIndexOf(0x0a);
      if (cut < 0) continue;
      const scan = scanRecords(decode(buf.subarray(0, cut + 1)), delimiter, headerRow, false);
      if (scan?.fields) return scan;
    }
  } finally {
    source.destroy();
    if (stream !== source) stream.destroy();
  }
  const all = Buffer.concat(chunks, total);
  return scanRecords(decode(all), delimiter, headerRow, true) ?? { fields: null, linesConsumed: 0 };
}
