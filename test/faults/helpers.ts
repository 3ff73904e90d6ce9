/** Running the real CLI as a child process and following its JSON log events on stderr. */
import { type ChildProcess, spawn } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

export const ENTRY = fileURLToPath(new URL('../../src/cli/entry.ts', import.meta.url));
export const IO_FAULTS = fileURLToPath(new URL('./fixtures/io-faults.mjs', import.meta.url));

export type LogEvent = Record<string, unknown> & { event?: string };

export interface CliProcess {
  readonly child: ChildProcess;
  readonly events: LogEvent[];
  stderr(): string;
  stdout(): string;
  /** Resolves with the first event matching `name` (already seen or future). */
  waitForEvent(name: string, timeoutMs?: number): Promise<LogEvent>;
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  seen(name: string): boolean;
}

export function startCli(args: string[], env: NodeJS.ProcessEnv, opts: { faults?: boolean } = {}): CliProcess {
  const node = ['--import', 'tsx', ...(opts.faults ? ['--import', IO_FAULTS] : []), ENTRY, ...args];
  const child = spawn(process.execPath, node, {
    env: { ...env, RECOTEM_LOG_FORMAT: 'json' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const events: LogEvent[] = [];
  let err = '';
  let out = '';
  let partial = '';
  const waiters: { name: string; resolve: (e: LogEvent) => void }[] = [];
  child.stdout?.on('data', (d: Buffer) => {
    out += d.toString();
  });
  child.stderr?.on('data', (d: Buffer) => {
    const text = d.toString();
    err += text;
    partial += text;
    const lines = partial.split('\n');
    partial = lines.pop() ?? '';
    for (const line of lines) {
      if (!line.startsWith('{')) continue;
      let event: LogEvent;
      try {
        event = JSON.parse(line) as LogEvent;
      } catch {
        continue;
      }
      events.push(event);
      for (const w of [...waiters]) {
        if (w.name === event.event) {
          waiters.splice(waiters.indexOf(w), 1);
          w.resolve(event);
        }
      }
    }
  });
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.on('exit', (code, signal) => resolve({ code, signal })),
  );
  return {
    child,
    events,
    stderr: () => err,
    stdout: () => out,
    seen: (name) => events.some((e) => e.event === name),
    exited,
    waitForEvent(name, timeoutMs = 60_000) {
      const hit = events.find((e) => e.event === name);
      if (hit) return Promise.resolve(hit);
      return new Promise((resolve, reject) => {
        const timer = setTimeout(
          () => reject(new Error(`no '${name}' event within ${timeoutMs} ms; stderr tail: ${err.slice(-1500)}`)),
          timeoutMs,
        );
        waiters.push({
          name,
          resolve: (e) => {
            clearTimeout(timer);
            resolve(e);
          },
        });
        void exited.then(({ code, signal }) => {
          clearTimeout(timer);
          reject(new Error(`exited (${code ?? signal}) before '${name}'; stderr tail: ${err.slice(-1500)}`));
        });
      });
    },
  };
}

/** Names in `dir` that are neither the lock nor its journal. */
export function filesBesidesLock(dir: string): string[] {
  return readdirSync(dir)
    .filter((n) => !/\.lock(-journal)?$/.test(n))
    .sort();
}
