/**
 * Steps 2–7 of the per-recipe load pipeline over bytes already read:
 * hash, parse, verify, decode header, compatibility preflight, decode payload into shared
 * arrays. Pure CPU work on one buffer (read-once protocol), so it runs either on the event loop
 * (small artifacts) or in a worker thread (./decode-worker.ts) that receives the buffer by transfer.
 */
import { type CanonicalClass, MODEL_FORMATS } from '../../algorithms/registry.js';
import { extractKid, type KeyRing, openArtifact, sha256Hex } from '../../artifact/index.js';
import { ArtifactError, type ArtifactErrorReason, errorMessage } from '../../errors/index.js';
import { safeKid } from '../../log/index.js';
import { type SharedPayload, shareArrays, shareCsr } from './shared.js';

export interface DecodeJob {
  recipeName: string;
  /** Refuse an artifact whose signed header names another recipe. */
  bindToRecipe: boolean;
  payloadCap: number;
  keyRing: KeyRing;
  /** Stop after hashing when the bytes have this SHA-256 (nothing would change). */
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
      payload: SharedPayload;
    }
  | { ok: false; reason: ArtifactErrorReason; message: string; kid: string | null; kidFailure: string | null };

/** A failure as a value, with the kid extracted best-effort from the raw bytes for the log. */
export function decodeFailure(err: unknown, bytes: Uint8Array | null): DecodeOutcome {
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

export function decodeBytes(bytes: Uint8Array, job: DecodeJob): DecodeOutcome {
  try {
    const sha = sha256Hex(bytes);
    if (job.skipIfSha !== null && sha === job.skipIfSha) return { ok: true, unchanged: true, sha };
    const opened = openArtifact(bytes, {
      models: MODEL_FORMATS,
      keyRing: job.keyRing,
      payloadCap: job.payloadCap,
      recipeName: job.recipeName,
      modelVersion: sha,
    });
    // The signed header names the recipe it was trained for: a pointer or output path aimed at
    // another recipe's (validly signed) artifact must not swap that model in.
    const trainedFor = opened.header.recipe_name;
    if (job.bindToRecipe && trainedFor !== job.recipeName) {
      throw new ArtifactError(
        `the artifact was trained for recipe '${safeKid(trainedFor)}', not '${job.recipeName}'`,
        'recipe_mismatch',
      );
    }
    const p = opened.payload;
    return {
      ok: true,
      unchanged: false,
      sha,
      kid: opened.kid,
      header: opened.header as Record<string, unknown>,
      payload: {
        // openArtifact refused any class MODEL_FORMATS does not list.
        algorithm: p.algorithm as CanonicalClass,
        modelFormatVersion: p.modelFormatVersion,
        params: p.params,
        userIds: p.userIds,
        itemIds: p.itemIds,
        seen: shareCsr(p.seen),
        arrays: shareArrays(p.arrays),
      },
    };
  } catch (err) {
    return decodeFailure(err, bytes);
  }
}
