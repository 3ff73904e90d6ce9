/**
 * Export progress: a bar on a terminal stream, `export_progress` events otherwise, at most one
 * per interval plus the final one.
 */
import { afterEach, describe, expect, it, vi } from 'vitest';
import { BarProgress, EventProgress } from '../../src/export/progress.js';
import { captureLogs, type LogCapture } from '../../src/log/index.js';

let logs: LogCapture | null = null;
afterEach(() => {
  logs?.stop();
  logs = null;
  vi.useRealTimers();
});

describe('export progress', () => {
  it('draws a bar with users done and rows written on a terminal stream', () => {
    let text = '';
    const stream = {
      write: (chunk: string) => {
        text += chunk;
        return true;
      },
      isTTY: true,
      columns: 120,
      cursorTo: () => true,
      clearLine: () => true,
      moveCursor: () => true,
      on: () => stream,
      removeListener: () => stream,
    } as unknown as NodeJS.WritableStream;
    const bar = new BarProgress('nightly', stream);
    bar.start(10);
    bar.advance(10, 200);
    bar.stop();
    expect(text).toContain('Exporting nightly');
    expect(text).toContain('10/10');
    expect(text).toContain('200 rows');
  });

  it('emits export_progress at most once per interval, and always the last step', () => {
    vi.useFakeTimers();
    logs = captureLogs();
    const progress = new EventProgress({ recipe: 'r', destination: 'out.csv' }, 1000);
    progress.start(4);
    progress.advance(1, 10);
    progress.advance(2, 20);
    vi.advanceTimersByTime(1500);
    progress.advance(3, 30);
    progress.advance(4, 40);
    progress.stop();
    const events = logs.events('export_progress');
    expect(events.map((e) => [e.done, e.total, e.rows])).toEqual([
      [3, 4, 30],
      [4, 4, 40],
    ]);
    expect(events[0]).toMatchObject({ recipe: 'r', destination: 'out.csv' });
  });
});
