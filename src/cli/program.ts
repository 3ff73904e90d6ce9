/**
 * The command surface: every command, their flags, help text and argument checks.
 * Each action runs its gating step, then the command body, and records the exit code.
 */
import { Command } from 'commander';
import { ConfigError } from '../errors/index.js';
import { runExportCommand } from './commands/export.js';
import { runInspectCommand } from './commands/inspect.js';
import { parseKeygenFlags, runKeygen } from './commands/keygen.js';
import { runSchema } from './commands/schema.js';
import { runServeCommand } from './commands/serve.js';
import { runTrainCommand } from './commands/train.js';
import { runValidate } from './commands/validate.js';
import { FailurePrefix, runReporting } from './exit.js';
import type { ExportFlags, InspectFlags, KeygenFlags, ServeFlags, TrainFlags } from './flags.js';
import type { CliIo } from './io.js';
import type {
  ExportCommandOptions,
  InspectCommandOptions,
  ServeCommandOptions,
  TrainCommandOptions,
} from './options.js';
import { collect, existingDirectory, existingPath, floatValue, intValue } from './parsers.js';
import { prepareExport } from './prepare/export.js';
import { prepareInspect } from './prepare/inspect.js';
import { prepareServe } from './prepare/serve.js';
import { prepareTrain } from './prepare/train.js';

/** The bodies other layers implement; tests substitute them. */
export interface CommandBodies {
  train(opts: TrainCommandOptions, io: CliIo): Promise<number>;
  serve(opts: ServeCommandOptions, io: CliIo): Promise<number>;
  inspect(opts: InspectCommandOptions, io: CliIo): Promise<number>;
  export(opts: ExportCommandOptions, io: CliIo): Promise<number>;
}

export const defaultBodies: CommandBodies = {
  train: runTrainCommand,
  serve: runServeCommand,
  inspect: runInspectCommand,
  export: runExportCommand,
};

const COMPANION_HELP = 'mandatory companion of --dev-allow-unsigned';

const EXIT_CODES_HELP = `
Exit codes:
  0 success   1 unexpected error   2 recipe or usage error   3 data source error
  4 training error   5 artifact error   6 lock contested   7 HTTP fetch error
  8 configuration error   9 promotion gate refused the new model`;

function stripNewline(chunk: string): string {
  return chunk.endsWith('\n') ? chunk.slice(0, -1) : chunk;
}

export function buildProgram(io: CliIo, bodies: CommandBodies, setExitCode: (code: number) => void): Command {
  const program = new Command('recotem')
    .description('Recipe-driven recommender system: train from a YAML recipe, serve signed models over HTTP.')
    .exitOverride()
    .helpCommand(false)
    .showHelpAfterError()
    .configureOutput({
      writeOut: (chunk) => io.stdout(stripNewline(chunk)),
      writeErr: (chunk) => io.stderr(stripNewline(chunk)),
    })
    .addHelpText('after', EXIT_CODES_HELP);

  program
    .command('train')
    .description('Train a model from a recipe: fetch, cleanse, split, tune, refit, sign and write the artifact.')
    .argument('<RECIPE>', 'recipe YAML file', existingPath)
    .option('--no-lock', 'do not take the per-recipe file lock at all')
    .option('--fail-on-busy', 'exit 6 instead of 0 when another run holds the lock (ignored with --no-lock)')
    .option(
      '--lock-timeout <seconds>',
      '0 = one non-blocking attempt, -1 = wait indefinitely, >0 = keep trying until the deadline',
      floatValue,
      0,
    )
    .option('-q, --quiet', 'no per-trial progress output (the summary is still emitted)')
    .option('-v, --verbose', "add each trial's hyper-parameters to its trial_done event")
    .option(
      '--dev-allow-unsigned',
      'sign with the fixed development key instead of RECOTEM_SIGNING_KEYS (needs RECOTEM_ENV=development)',
    )
    .option('--i-understand-this-loads-arbitrary-code', COMPANION_HELP)
    .option(
      '--env-var <KEY=VALUE>',
      // biome-ignore lint/suspicious/noTemplateCurlyInString: the recipe's own ${...} syntax, shown literally
      'value for ${KEY} expansion in the recipe; repeatable; not exported to the environment',
      collect,
    )
    .option('--run-id <id>', 'run identifier ([A-Za-z0-9_.-]{1,64}); needed to resume a persisted search')
    .option('--report <file>', 'write a self-contained HTML report of the run (data, split, every trial, best model)')
    .action(async (recipePath: string, flags: TrainFlags) => {
      const prepared = await prepareTrain(recipePath, flags, io);
      if (typeof prepared === 'number') return setExitCode(prepared);
      setExitCode(await runReporting(io, FailurePrefix.TRAINING, () => bodies.train(prepared, io)));
    });

  program
    .command('serve')
    .description('Serve the models of every recipe in a directory over HTTP, hot-swapping new artifacts.')
    .requiredOption('--recipes <DIR>', 'directory of recipe YAML files', existingDirectory)
    .option('-p, --port <port>', 'TCP port (default: RECOTEM_PORT or 8080)', intValue)
    .option('-H, --host <host>', 'bind address (default: RECOTEM_HOST or 127.0.0.1; loopback without API keys)')
    .option('--insecure-no-auth', 'disable API-key authentication (RECOTEM_ENV must be development, dev or test)')
    .option(
      '--console',
      'serve the operator console at /console/ (default: RECOTEM_CONSOLE, else on when bound to loopback)',
    )
    .option('--no-console', 'do not serve the operator console')
    .option(
      '--dev-allow-unsigned',
      'accept development-signed artifacts: verify with the dev key when RECOTEM_SIGNING_KEYS is unset (needs RECOTEM_ENV=development)',
    )
    .option('--i-understand-this-loads-arbitrary-code', COMPANION_HELP)
    .action(async (flags: ServeFlags) => {
      const prepared = prepareServe(flags, io);
      if (typeof prepared === 'number') return setExitCode(prepared);
      const prefix = (err: unknown) =>
        err instanceof ConfigError ? FailurePrefix.CONFIG : FailurePrefix.SERVER_STARTUP;
      setExitCode(await runReporting(io, prefix, () => bodies.serve(prepared, io)));
    });

  program
    .command('inspect')
    .description("Verify an artifact's signature and print its header without decoding the model.")
    .argument('<ARTIFACT>', 'local path or URI (file://, s3://, gs://, az://, abfs(s)://, http(s)://)')
    .option(
      '--dev-allow-unsigned',
      'verify with the development key when RECOTEM_SIGNING_KEYS is unset (needs RECOTEM_ENV=development)',
    )
    .action(async (artifact: string, flags: InspectFlags) => {
      const prepared = prepareInspect(artifact, flags, io);
      if (typeof prepared === 'number') return setExitCode(prepared);
      const prefix = (err: unknown) => (err instanceof ConfigError ? FailurePrefix.CONFIG : FailurePrefix.INSPECT);
      setExitCode(await runReporting(io, prefix, () => bodies.inspect(prepared, io)));
    });

  program
    .command('export')
    .description(
      "Write every user's recommendations (or every item's related items) to a file or a database table, atomically.",
    )
    .argument(
      '<ARTIFACT_OR_RECIPE>',
      'recipe YAML (its output.path artifact, metadata and serving rules) or artifact path/URI',
    )
    .requiredOption(
      '--to <DEST>',
      'file or object-store URI ending in .csv, .csv.gz or .parquet; postgresql://, mysql://, mariadb:// or sqlite:/// URL; or env:NAME',
    )
    .option('--limit <n>', 'items per user (1-1000)', intValue, 10)
    .option('--users <FILE>', 'only the ids listed in FILE, one per line (item ids with --items-related)', existingPath)
    .option('--items-related', 'write the related items of every item instead of user recommendations')
    .option('--filter <JSON>', 'item-metadata conditions, as in the API (fields declared in item_metadata.filterable)')
    .option('--exclude-seen', "leave out each user's training items (default)")
    .option('--include-seen', "allow each user's training items")
    .option('--metadata-field <FIELD>', 'add an item metadata column; repeatable or comma-separated', collect)
    .option('--table <NAME>', 'table for database destinations (default: recommendations, or related_items)')
    .option('--format <FORMAT>', 'csv, csv.gz or parquet (default: from the file suffix)')
    .option('--threads <n>', 'scoring threads (default: one per core, at most 8)', intValue)
    .option(
      '--dev-allow-unsigned',
      'verify with the development key when RECOTEM_SIGNING_KEYS is unset (needs RECOTEM_ENV=development)',
    )
    .option(
      '--env-var <KEY=VALUE>',
      // biome-ignore lint/suspicious/noTemplateCurlyInString: the recipe's own ${...} syntax, shown literally
      'value for ${KEY} expansion in the recipe; repeatable',
      collect,
    )
    .action(async (input: string, flags: ExportFlags) => {
      const prepared = await prepareExport(input, flags, io);
      if (typeof prepared === 'number') return setExitCode(prepared);
      const prefix = (err: unknown) => (err instanceof ConfigError ? FailurePrefix.CONFIG : FailurePrefix.EXPORT);
      setExitCode(await runReporting(io, prefix, () => bodies.export(prepared, io)));
    });

  program
    .command('validate')
    .description('Check a recipe, probe its data source and check the columns it names, without fetching any data.')
    .argument('<RECIPE>', 'recipe YAML file', existingPath)
    .action(async (recipePath: string) => {
      setExitCode(await runValidate({ recipePath, env: io.env }, io));
    });

  program
    .command('schema')
    .description('Print the JSON Schema of recipe documents, including every registered data source.')
    .action(async () => {
      setExitCode(await runSchema(io));
    });

  program
    .command('keygen')
    .description('Generate a signing key or an API key, with the line to put in the environment.')
    .option('--kid <kid>', 'key id (default: 8 random hex characters)')
    .option('--type <type>', "'signing' (RECOTEM_SIGNING_KEYS) or 'api' (RECOTEM_API_KEYS)", 'signing')
    .action((flags: KeygenFlags) => {
      const parsed = parseKeygenFlags(flags, io);
      setExitCode(typeof parsed === 'number' ? parsed : runKeygen(parsed, io));
    });

  return program;
}
