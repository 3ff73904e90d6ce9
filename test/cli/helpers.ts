import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type CliIo, type CommandBodies, runCli } from '../../src/cli/index.js';

export interface CliRun {
  code: number;
  stdout: string[];
  stderr: string[];
  /** Structured log records written during the run. */
  logs: Record<string, unknown>[];
}

/** Runs the CLI in-process with captured output and the given environment only. */
export async function runInProcess(
  argv: string[],
  env: Record<string, string> = {},
  bodies: Partial<CommandBodies> = {},
): Promise<CliRun> {
  const stdout: string[] = [];
  const stderr: string[] = [];
  const logLines: string[] = [];
  const io: CliIo = {
    env,
    stdout: (line) => stdout.push(line),
    stderr: (line) => stderr.push(line),
    logStream: { isTTY: false, write: (chunk: string) => logLines.push(chunk) },
  };
  const code = await runCli(argv, { io, bodies });
  return { code, stdout, stderr, logs: logLines.map((l) => JSON.parse(l) as Record<string, unknown>) };
}

export function tempDir(prefix: string): { path: string; remove: () => void } {
  const path = mkdtempSync(join(tmpdir(), prefix));
  return { path, remove: () => rmSync(path, { recursive: true, force: true }) };
}
