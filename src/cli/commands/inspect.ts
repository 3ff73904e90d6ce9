/** `recotem inspect` body: read, verify and print the header (artifact layer). */
import { inspectArtifact } from '../../artifact/index.js';
import { remoteArtifactStore } from '../../data/storage/artifact-store.js';
import type { CliIo } from '../io.js';
import type { InspectCommandOptions } from '../options.js';

export async function runInspectCommand(opts: InspectCommandOptions, io: CliIo): Promise<number> {
  // Steps 1–2 (dev-flag gate, serve configuration) already ran in prepareInspect; reuse its caps
  // so the configuration is parsed (and its warnings logged) once.
  return inspectArtifact(
    { artifact: opts.artifact, devAllowUnsigned: opts.devAllowUnsigned },
    {
      env: opts.env,
      stdout: io.stdout,
      stderr: io.stderr,
      // s3://, gs://, az://, abfs(s):// and http(s):// artifacts are read through the data layer.
      remoteStores: remoteArtifactStore,
      caps: { maxArtifactBytes: opts.maxArtifactBytes, maxPayloadBytes: opts.maxPayloadBytes },
    },
  );
}
