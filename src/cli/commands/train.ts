/**
 * `recotem train` body: runs the pipeline (training.md) with the gated options. Returns the exit
 * code; a thrown error is reported by the caller as `Training failed: <message>`.
 */
import type { CliIo } from '../io.js';
import type { TrainCommandOptions } from '../options.js';

interface TrainingModule {
  runTraining(opts: TrainCommandOptions): Promise<{ status: string } | undefined>;
}

// Resolved at run time so that `--help`, `keygen` and `validate` never load the training stack.
const TRAINING_MODULE = '../../train/index.js';

export async function runTrainCommand(opts: TrainCommandOptions, _io: CliIo): Promise<number> {
  const { runTraining } = (await import(TRAINING_MODULE)) as TrainingModule;
  await runTraining(opts);
  // Success and "lock contended, skipped" both exit 0 (cli.md §2.2 step 8).
  return 0;
}
