/**
 * Load-error text as exposed by `/v1/health/details`: a step prefix,
 * then sanitised — object-store and HTTP URIs replaced, local directories dropped (only the file
 * name stays), 200 characters at most, after the value redaction the logs apply (long hex and
 * base64url runs, URL credentials). Applied to every stored error, from every source.
 */
import type { ArtifactErrorReason } from '../../errors/index.js';
import { scrubString } from '../../log/index.js';

const URI = /\b(?:s3|gs|az|abfs|abfss|http|https):\/\/\S+/gi;
/** An absolute local path with at least one directory: keep only the last component. */
const ABSOLUTE_PATH = /(^|[\s'"(=])\/(?:[^\s/'"()]+\/)+([^\s/'"()]*)/g;
export const MAX_ERROR_CHARS = 200;

export function sanitizeLoadError(text: string): string {
  // The log redaction runs on the whole text first: cutting first could leave part of a key behind.
  const redacted = scrubString(text).replace(URI, '<redacted-uri>').replace(ABSOLUTE_PATH, '$1.../$2');
  return redacted.length > MAX_ERROR_CHARS ? redacted.slice(0, MAX_ERROR_CHARS) : redacted;
}

const PREFIX: Readonly<Partial<Record<ArtifactErrorReason, string>>> = {
  read: 'read failed',
  parse: 'parse failed',
  hmac: 'HMAC verify failed',
  header_json: 'header JSON decode failed',
  recipe_mismatch: 'recipe mismatch',
  deserialize: 'deserialize failed',
  metadata: 'metadata load failed',
  unexpected: 'unexpected error',
};

/** `"<step prefix>: <message>"`, sanitised; version-skew messages carry their remedy as is. */
export function loadErrorText(reason: ArtifactErrorReason, message: string): string {
  const prefix = PREFIX[reason];
  return sanitizeLoadError(prefix === undefined ? message : `${prefix}: ${message}`);
}

/** Startup log event per failure reason. */
export const INITIAL_EVENT: Readonly<Partial<Record<ArtifactErrorReason, string>>> = {
  read: 'initial_artifact_read_failed',
  parse: 'initial_artifact_parse_failed',
  hmac: 'initial_artifact_hmac_failed',
  header_json: 'initial_artifact_header_json_failed',
  version_skew: 'initial_artifact_version_skew',
  recipe_mismatch: 'initial_artifact_recipe_mismatch',
  deserialize: 'initial_artifact_deserialize_failed',
  metadata: 'initial_artifact_metadata_failed',
  unexpected: 'initial_artifact_read_error',
};
