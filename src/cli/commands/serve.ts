/**
 * `recotem serve` body: load recipes and artifacts, build the HTTP app, bind and serve until
 * stopped. Returns the exit code.
 */
import type { CliIo } from '../io.js';
import type { ServeCommandOptions } from '../options.js';

interface ServeModule {
  runServer(opts: ServeCommandOptions): Promise<number>;
}

// Resolved at run time so that other commands never load the HTTP stack.
const SERVE_MODULE = '../../serve/index.js';

export async function runServeCommand(opts: ServeCommandOptions, _io: CliIo): Promise<number> {
  const { runServer } = (await import(SERVE_MODULE)) as ServeModule;
  return runServer(opts);
}
