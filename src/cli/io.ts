/** Where the CLI writes: real stdout/stderr in production, buffers in tests. */
import type { LogStream } from '../log/index.js';

export interface CliIo {
  /** The environment commands read (never mutated). */
  env: NodeJS.ProcessEnv;
  /** One line of command output (a newline is appended). */
  stdout(line: string): void;
  /** One human-readable stderr line (a newline is appended). */
  stderr(line: string): void;
  /** Where structured log records go; default process.stderr. */
  logStream?: LogStream;
}

export function processIo(env: NodeJS.ProcessEnv = process.env): CliIo {
  return {
    env,
    stdout: (line) => {
      process.stdout.write(`${line}\n`);
    },
    stderr: (line) => {
      process.stderr.write(`${line}\n`);
    },
  };
}
