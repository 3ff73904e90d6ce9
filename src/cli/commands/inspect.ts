/** `recotem inspect` body: read, verify and print the header (artifact layer). */
import type { CliIo } from '../io.js';
import type { InspectCommandOptions } from '../options.js';

export async function runInspectCommand(opts: InspectCommandOptions, io: CliIo): Promise<number> {
  // Imported here, not at the top: the object-store and HTTP client code (undici alone is about
  // 110 modules) would otherwise load with every command, `recotem serve` included.
  const [{ inspectArtifact }, { remoteArtifactStore }] = await Promise.all([
    import('../../artifact/index.js'),
    import('../../data/storage/artifact-store.js'),
  ]);
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
