/** `recotem train`: the gating checks, in their contractual order (the order decides which error a user sees first). */
import { randomUUID } from 'node:crypto';
import { COMPANION_FLAG_MESSAGE, devAllowUnsignedRefusal } from '../../config/index.js';
import { ExitCode } from '../../errors/index.js';
import { FailurePrefix, reportFailure } from '../exit.js';
import type { TrainFlags } from '../flags.js';
import type { CliIo } from '../io.js';
import { configureCliLogging } from '../logging.js';
import type { TrainCommandOptions } from '../options.js';
import { loadRecipeForCli } from '../recipe.js';

export const RUN_ID_PATTERN = /^[A-Za-z0-9_.-]{1,64}$/;

/** 12 lower-case hex chars from a random UUIDv4. */
export function generateRunId(): string {
  return randomUUID().replaceAll('-', '').slice(0, 12);
}

/**
 * `--env-var KEY=VALUE` entries → map (split on the first `=`, value may be empty, later entries
 * win). Returns the first malformed entry instead when one has no `=`.
 */
export function parseEnvVarEntries(
  entries: readonly string[],
): { ok: true; vars: Record<string, string> } | { ok: false; entry: string } {
  const vars: Record<string, string> = {};
  for (const entry of entries) {
    const eq = entry.indexOf('=');
    if (eq < 0) return { ok: false, entry };
    vars[entry.slice(0, eq)] = entry.slice(eq + 1);
  }
  return { ok: true, vars };
}

/** Returns the options for the train body, or the exit code when a step refused. */
export async function prepareTrain(
  recipePath: string,
  flags: TrainFlags,
  io: CliIo,
): Promise<TrainCommandOptions | number> {
  // 1. Logging.
  configureCliLogging(io);
  const devAllowUnsigned = flags.devAllowUnsigned === true;
  // 2. Companion flag.
  if (devAllowUnsigned && flags.iUnderstandThisLoadsArbitraryCode !== true) {
    io.stderr(COMPANION_FLAG_MESSAGE);
    return ExitCode.CONFIG;
  }
  // 3. RECOTEM_ENV=development.
  if (devAllowUnsigned) {
    const refusal = devAllowUnsignedRefusal(io.env);
    if (refusal) {
      io.stderr(refusal);
      return ExitCode.CONFIG;
    }
  }
  // 4. Lock timeout: 0, -1 or positive.
  const lockTimeoutSeconds = flags.lockTimeout;
  if (lockTimeoutSeconds < 0 && lockTimeoutSeconds !== -1) {
    io.stderr(
      `--lock-timeout must be 0 (one non-blocking attempt), -1 (wait indefinitely) or a positive number of seconds; got ${lockTimeoutSeconds}.`,
    );
    return ExitCode.CONFIG;
  }
  // 5. --env-var syntax.
  const envVars = parseEnvVarEntries(flags.envVar ?? []);
  if (!envVars.ok) {
    io.stderr(`--env-var '${envVars.entry}' must be in KEY=VALUE format.`);
    return ExitCode.RECIPE;
  }
  // 6. Recipe.
  let loaded: Awaited<ReturnType<typeof loadRecipeForCli>>;
  try {
    loaded = await loadRecipeForCli(recipePath, { envVars: envVars.vars, env: io.env });
  } catch (err) {
    return reportFailure(io, FailurePrefix.RECIPE, err);
  }
  // 7. Run id (after the recipe, so a bad recipe wins).
  let runId: string;
  if (flags.runId === undefined) {
    runId = generateRunId();
  } else if (RUN_ID_PATTERN.test(flags.runId)) {
    runId = flags.runId;
  } else {
    io.stderr('--run-id must match [A-Za-z0-9_.-]{1,64}.');
    return ExitCode.RECIPE;
  }
  return {
    recipePath,
    recipe: loaded.recipe,
    registry: loaded.registry,
    envVars: envVars.vars,
    runId,
    lock: flags.lock,
    failOnBusy: flags.failOnBusy === true,
    lockTimeoutSeconds,
    quiet: flags.quiet === true,
    verbose: flags.verbose === true,
    devAllowUnsigned,
    reportPath: flags.report,
    env: io.env,
  };
}
