/**
 * Steps 1–7 of the per-recipe load pipeline (serving-runtime.md §7.3): read with pointer
 * resolution, hash, parse, verify, decode header, compatibility preflight, decode payload. Runs in
 * a worker thread in production (./decode-worker.ts) so hashing and verifying a large artifact
 * never stalls the event loop; the same function runs inline in tests that ask for it.
 */
import { extractKid, type KeyRing, openArtifact, readArtifactBytes, sha256Hex } from '../../artifact/index.js';
import { ArtifactError, type ArtifactErrorReason, errorMessage } from '../../errors/index.js';
import { safeKid } from '../../log/index.js';
import { type SharedPayload, shareArrays, shareCsr } from './shared.js';

export interface DecodeJob {
  uri: string;
  recipeName: string;
  artifactCap: number;
  payloadCap: number;
  keyRing: KeyRing;
  /** Stop after hashing when the resolved bytes have this SHA-256 (nothing would change). */
  skipIfSha: string | null;
}

export type DecodeOutcome =
  | { ok: true; unchanged: true; sha: string }
  | {
      ok: true;
      unchanged: false;
      sha: string;
      kid: string;
      header: Record<string, unknown>;
      resolvedPath: string;
      payload: SharedPayload;
    }
  | { ok: false; reason: ArtifactErrorReason; message: string; kid: string | null; kidFailure: string | null };

function failure(err: unknown, bytes: Uint8Array | null): DecodeOutcome {
  const reason: ArtifactErrorReason = err instanceof ArtifactError ? err.reason : 'unexpected';
  let kid: string | null = null;
  let kidFailure: string | null = null;
  if (bytes !== null) {
    const extracted = extractKid(bytes);
    if (extracted.ok) kid = safeKid(extracted.kid);
    else kidFailure = extracted.reason;
  }
  return { ok: false, reason, message: errorMessage(err), kid, kidFailure };
}

export async function runDecodeJob(job: DecodeJob): Promise<DecodeOutcome> {
  let bytes: Buffer | null = null;
  try {
    const read = await readArtifactBytes(job.uri, { artifactCap: job.artifactCap });
    bytes = read.bytes;
    const sha = sha256Hex(bytes);
    if (job.skipIfSha !== null && sha === job.skipIfSha) return { ok: true, unchanged: true, sha };
    const opened = openArtifact(bytes, {
      keyRing: job.keyRing,
      payloadCap: job.payloadCap,
      recipeName: job.recipeName,
      modelVersion: sha,
    });
    const p = opened.payload;
    return {
      ok: true,
      unchanged: false,
      sha,
      kid: opened.kid,
      header: opened.header as Record<string, unknown>,
      resolvedPath: read.resolvedPath,
      payload: {
        algorithm: p.algorithm,
        modelFormatVersion: p.modelFormatVersion,
        params: p.params,
        userIds: p.userIds,
        itemIds: p.itemIds,
        seen: shareCsr(p.seen),
        arrays: shareArrays(p.arrays),
      },
    };
  } catch (err) {
    return failure(err, bytes);
  }
}
