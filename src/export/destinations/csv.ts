/**
 * CSV export, plain or gzip-compressed: a header line, then one line per row. Fields holding a
 * comma, quote or line break are quoted (RFC 4180). Scores are written as the same decimal the
 * API returns in JSON.
 */

import { once } from 'node:events';
import { createWriteStream, type WriteStream } from 'node:fs';
import type { Writable } from 'node:stream';
import { createGzip, type Gzip } from 'node:zlib';
import { DataSourceError } from '../../errors/index.js';
import { checkWritable, FileTarget } from './file-target.js';
import { columnNames, type ExportBatch, type ExportLayout, type ExportSink } from './sink.js';

const NEEDS_QUOTES = /[",\r\n]/;

export function csvField(value: string): string {
  return NEEDS_QUOTES.test(value) ? `"${value.replaceAll('"', '""')}"` : value;
}

export class CsvSink implements ExportSink {
  private readonly target: FileTarget;
  private file: WriteStream | null = null;
  private gzip: Gzip | null = null;
  private out: Writable | null = null;
  private constant = '';
  private itemCells: string[] = [];
  private failure: Error | null = null;

  constructor(
    uri: string,
    private readonly compress: boolean,
  ) {
    this.target = new FileTarget(uri);
  }

  get description(): string {
    return this.target.description;
  }

  async open(layout: ExportLayout): Promise<void> {
    await checkWritable(this.target);
    this.file = createWriteStream(this.target.tempPath);
    this.file.on('error', (err) => {
      this.failure = err;
    });
    if (this.compress) {
      this.gzip = createGzip({ level: 6 });
      this.gzip.pipe(this.file);
      this.out = this.gzip;
    } else {
      this.out = this.file;
    }
    this.constant = `${csvField(layout.modelVersion)},${layout.generatedAt.toISOString()}`;
    this.itemCells = layout.itemIds.map(csvField);
    await this.put(`${columnNames(layout).map(csvField).join(',')}\n`);
  }

  private async put(text: string): Promise<void> {
    if (this.failure) throw this.destinationError(this.failure);
    if (!this.out!.write(text)) await once(this.out!, 'drain');
  }

  private destinationError(err: Error): DataSourceError {
    return new DataSourceError(`cannot write the export to '${this.description}': ${err.message}`);
  }

  async write(batch: ExportBatch): Promise<void> {
    const parts: string[] = [];
    let lastKey: string | null = null;
    let keyCell = '';
    for (let r = 0; r < batch.length; r++) {
      const key = batch.keys[r];
      if (key !== lastKey) {
        lastKey = key;
        keyCell = csvField(key);
      }
      let line = `${keyCell},${batch.ranks[r]},${this.itemCells[batch.itemIndices[r]]},${batch.scores[r]},${this.constant}`;
      for (const column of batch.metadata) {
        const v = column[r];
        line += v === null ? ',' : `,${csvField(v)}`;
      }
      parts.push(line);
    }
    if (parts.length > 0) await this.put(`${parts.join('\n')}\n`);
  }

  async commit(): Promise<void> {
    const out = this.out!;
    out.end();
    await once(this.file!, 'close');
    if (this.failure) throw this.destinationError(this.failure);
    await this.target.publish();
  }

  async abort(): Promise<void> {
    if (this.file !== null && !this.file.closed) {
      this.out?.destroy();
      this.file.destroy();
    }
    await this.target.discard();
  }
}
