/**
 * `recotem train` body: runs the pipeline with the gated options. Returns the exit
 * code; a thrown error is reported by the caller as `Training failed: <message>`.
 */
import type { CliIo } from '../io.js';
import type { TrainCommandOptions } from '../options.js';

export async function runTrainCommand(opts: TrainCommandOptions, _io: CliIo): Promise<number> {
  // Loaded here so that `--help`, `keygen` and `validate` never load the training stack.
  const { runTraining } = await import('../../train/index.js');
  await runTraining({
    recipe: opts.recipe,
    registry: opts.registry,
    runId: opts.runId,
    lock: opts.lock,
    failOnBusy: opts.failOnBusy,
    lockTimeoutSeconds: opts.lockTimeoutSeconds,
    quiet: opts.quiet,
    verbose: opts.verbose,
    devAllowUnsigned: opts.devAllowUnsigned,
    reportPath: opts.reportPath,
    env: opts.env,
  });
  // Success and "lock contended, skipped" both exit 0.
  return 0;
}
