/**
 * Progress of an export: a live bar on a TTY, `export_progress` events otherwise (at most one a
 * second, plus the last), and one `export_done` summary in every mode.
 */
import cliProgress from 'cli-progress';
import { getLogger } from '../log/index.js';

const log = getLogger('recotem.export');

export interface ExportProgress {
  start(total: number): void;
  advance(done: number, rows: number): void;
  stop(): void;
}

export class BarProgress implements ExportProgress {
  private readonly bar: cliProgress.SingleBar;
  constructor(label: string, stream: NodeJS.WritableStream = process.stderr) {
    this.bar = new cliProgress.SingleBar(
      {
        format: `Exporting ${label} |{bar}| {value}/{total} | {rows} rows | ETA {eta_formatted}`,
        stream,
        hideCursor: true,
        clearOnComplete: false,
      },
      cliProgress.Presets.shades_classic,
    );
  }
  start(total: number): void {
    this.bar.start(total, 0, { rows: 0 });
  }
  advance(done: number, rows: number): void {
    this.bar.update(done, { rows });
  }
  stop(): void {
    this.bar.stop();
  }
}

export class EventProgress implements ExportProgress {
  private total = 0;
  private last = 0;
  constructor(
    private readonly context: Record<string, unknown>,
    private readonly intervalMs = 1000,
  ) {}
  start(total: number): void {
    this.total = total;
    this.last = Date.now();
  }
  advance(done: number, rows: number): void {
    const now = Date.now();
    if (done < this.total && now - this.last < this.intervalMs) return;
    this.last = now;
    log.info('export_progress', { ...this.context, done, total: this.total, rows });
  }
  stop(): void {}
}

export function exportLog() {
  return log;
}
