/** The command-line interface: `main` for the executable, `runCli` for in-process use. */

export { ExitRequest, exitProcess, FailurePrefix, reportFailure, requestExit, runReporting } from './exit.js';
export type { InspectFlags, KeygenFlags, ServeFlags, TrainFlags } from './flags.js';
export type { CliIo } from './io.js';
export { processIo } from './io.js';
export type { RunCliOptions } from './main.js';
export { main, runCli } from './main.js';
export type {
  InspectCommandOptions,
  KeygenCommandOptions,
  KeygenType,
  ServeCommandOptions,
  TrainCommandOptions,
  ValidateCommandOptions,
} from './options.js';
export type { CommandBodies } from './program.js';
export { buildProgram, defaultBodies } from './program.js';
