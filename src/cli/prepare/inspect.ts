/** `recotem inspect` gating: the dev-flag gate before any I/O, then the caps. */
import { devAllowUnsignedRefusal, loadServeConfig } from '../../config/index.js';
import { ConfigError, ExitCode } from '../../errors/index.js';
import { FailurePrefix, reportFailure } from '../exit.js';
import type { InspectFlags } from '../flags.js';
import type { CliIo } from '../io.js';
import { configureCliLogging } from '../logging.js';
import type { InspectCommandOptions } from '../options.js';

/** Returns the options for the inspect body, or the exit code when a step refused. */
export function prepareInspect(artifact: string, flags: InspectFlags, io: CliIo): InspectCommandOptions | number {
  configureCliLogging(io);
  const devAllowUnsigned = flags.devAllowUnsigned === true;
  // 1. Dev flag: RECOTEM_ENV=development (no companion flag needed here).
  if (devAllowUnsigned) {
    const refusal = devAllowUnsignedRefusal(io.env);
    if (refusal) {
      io.stderr(refusal);
      return ExitCode.CONFIG;
    }
  }
  // 2. The whole serve configuration; invalid → exit 8 (the original crashed with exit 1).
  try {
    const { maxArtifactBytes, maxPayloadBytes } = loadServeConfig(io.env);
    return { artifact, devAllowUnsigned, maxArtifactBytes, maxPayloadBytes, env: io.env };
  } catch (err) {
    return reportFailure(io, err instanceof ConfigError ? FailurePrefix.CONFIG : FailurePrefix.INSPECT, err);
  }
}
