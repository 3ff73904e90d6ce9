/** The `recotem` executable: argument parsing, exit-code mapping and process exit. */
import { CommanderError } from 'commander';
import { ExitCode } from '../errors/index.js';
import { exitProcess } from './exit.js';
import { type CliIo, processIo } from './io.js';
import { buildProgram, type CommandBodies, defaultBodies } from './program.js';

export interface RunCliOptions {
  io?: CliIo;
  /** Replacement command bodies (tests). */
  bodies?: Partial<CommandBodies>;
}

function usageExitCode(err: CommanderError): number {
  // `--help` exits 0; every other parser complaint is a usage error (exit 2, like Click).
  if (err.code === 'commander.helpDisplayed') return ExitCode.OK;
  if (err.code === 'commander.help' && err.exitCode === 0) return ExitCode.OK;
  return ExitCode.RECIPE;
}

/**
 * Runs one command line and returns its exit code without exiting the process. Fatal runtime
 * errors (stack overflow, allocation failure) are rethrown, never mapped to a tidy code.
 */
export async function runCli(argv: readonly string[], options: RunCliOptions = {}): Promise<number> {
  const io = options.io ?? processIo();
  const bodies: CommandBodies = { ...defaultBodies, ...options.bodies };
  let exitCode: number = ExitCode.OK;
  const program = buildProgram(io, bodies, (code) => {
    exitCode = code;
  });
  if (argv.length === 0) {
    program.outputHelp({ error: true });
    return ExitCode.RECIPE;
  }
  try {
    await program.parseAsync([...argv], { from: 'user' });
  } catch (err) {
    if (err instanceof CommanderError) return usageExitCode(err);
    throw err;
  }
  return exitCode;
}

/** Entry point used by bin/recotem.js: runs the command, then exits with its code. */
export async function main(argv: string[]): Promise<void> {
  let code: number;
  try {
    code = await runCli(argv);
  } catch (err) {
    // Unmapped failure (a bug, or out of memory / stack overflow): show the stack, exit non-zero.
    process.stderr.write(`${err instanceof Error ? (err.stack ?? String(err)) : String(err)}\n`);
    code = ExitCode.UNKNOWN;
  }
  await exitProcess(code);
}
