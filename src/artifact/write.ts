/**
 * Publishing artifacts: `always_overwrite` replaces the
 * output atomically; `append_sha` writes `<stem>.<sha8>.recotem` first and then the pointer file
 * at the output path, so a reader sees either the old or the new complete artifact.
 */
import { ArtifactError } from '../errors/index.js';
import { getLogger, safeKid } from '../log/index.js';
import { sha256Hex } from './bytes.js';
import { extractKid } from './container.js';
import { type AtomicWriteOptions, removeStaleTempFiles, writeLocalAtomic } from './local-store.js';
import { pointerContent } from './read.js';
import { type StoreChoice, storeFor } from './store.js';
import { baseName, localPathOf } from './uri.js';

const log = getLogger('recotem.artifact');

export type Versioning = 'always_overwrite' | 'append_sha';

export interface WriteArtifactInput extends AtomicWriteOptions, StoreChoice {
  /** `output.path` of the recipe: a local path, `file://` URI or object-store URI. */
  outputPath: string;
  versioning: Versioning;
  /** The complete signed container. */
  bytes: Uint8Array;
  /**
   * First remove temp files a killed earlier writer left next to a local output. Only for callers
   * holding the recipe lock (no other writer of this output can be running).
   */
  removeStaleTemps?: boolean;
}

export interface WrittenArtifact {
  /** Where the artifact bytes went (the sha-suffixed file under append_sha). */
  artifactPath: string;
  /** The pointer file (append_sha only). */
  pointerPath?: string;
  /** SHA-256 hex of the artifact bytes (the serving `model_version`). */
  modelVersion: string;
}

const SUFFIX = '.recotem';

/** `<output path minus .recotem>.<sha8>.recotem`. */
export function shaSuffixedPath(outputPath: string, sha8: string): string {
  const stem = outputPath.endsWith(SUFFIX) ? outputPath.slice(0, -SUFFIX.length) : outputPath;
  return `${stem}.${sha8}${SUFFIX}`;
}

async function putBytes(uri: string, bytes: Uint8Array, input: WriteArtifactInput): Promise<void> {
  const local = localPathOf(uri);
  if (local !== undefined) {
    await writeLocalAtomic(local, bytes, { beforeRename: input.beforeRename });
    return;
  }
  const store = storeFor(uri, input);
  try {
    await store.writeAtomic(uri, bytes);
  } catch (err) {
    if (err instanceof ArtifactError) throw err;
    const detail = err instanceof Error ? err.message : String(err);
    throw new ArtifactError(`cannot write artifact '${uri}': ${detail}`, 'write', { cause: err });
  }
}

export async function writeArtifact(input: WriteArtifactInput): Promise<WrittenArtifact> {
  const { outputPath, versioning, bytes } = input;
  const modelVersion = sha256Hex(bytes);
  const kidInfo = extractKid(bytes);
  const kid = kidInfo.ok ? safeKid(kidInfo.kid) : undefined;
  const local = input.removeStaleTemps ? localPathOf(outputPath) : undefined;
  if (local !== undefined) {
    const removed = await removeStaleTempFiles(local);
    if (removed.length > 0) log.warn('artifact_stale_temp_removed', { count: removed.length, files: removed });
  }
  if (versioning === 'always_overwrite') {
    await putBytes(outputPath, bytes, input);
    log.info('artifact_written', { versioning, artifact: outputPath, kid });
    return { artifactPath: outputPath, modelVersion };
  }
  if (versioning !== 'append_sha')
    throw new ArtifactError(`unknown output versioning '${String(versioning)}'`, 'write');
  const target = shaSuffixedPath(outputPath, modelVersion.slice(0, 8));
  // Validate the pointer before writing anything: a name readers cannot follow must not be published.
  const pointer = pointerContent(baseName(target));
  await putBytes(target, bytes, input);
  await putBytes(outputPath, pointer, input);
  log.info('artifact_written', { versioning, artifact: target, pointer: outputPath, kid });
  return { artifactPath: target, pointerPath: outputPath, modelVersion };
}
