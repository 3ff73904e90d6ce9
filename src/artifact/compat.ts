/**
 * Compatibility preflight: runs after the header is parsed, before the payload is decoded. The
 * container knows payload formats; which algorithms and saved-model versions exist is the caller's
 * knowledge (the algorithm registry), handed in as a `ModelFormats` table.
 */
import { ArtifactError } from '../errors/index.js';
import { PAYLOAD_FORMAT } from './constants.js';
import type { ReadHeader } from './header.js';

/** Algorithm class name → the saved-model format versions the caller can load. */
export type ModelFormats = ReadonlyMap<string, readonly number[]>;

export function isSupportedModelFormat(
  models: ModelFormats,
  payloadFormat: unknown,
  algorithm: unknown,
  version: unknown,
): boolean {
  if (payloadFormat !== PAYLOAD_FORMAT || typeof algorithm !== 'string') return false;
  return models.get(algorithm)?.includes(version as number) ?? false;
}

const MAX_SKEW_MESSAGE = 200;

/** Versions the caller loads for the class (all known versions, if the class is unknown). */
function supportedVersions(models: ModelFormats, algorithm: unknown): readonly number[] {
  const known = typeof algorithm === 'string' ? models.get(algorithm) : undefined;
  if (known !== undefined) return known;
  return [...new Set([...models.values()].flat())].sort((a, b) => a - b);
}

function shortText(value: unknown, max: number): string {
  const s = typeof value === 'string' ? value : (JSON.stringify(value) ?? String(value));
  const printable = s.replace(/[^\x20-\x7e]/g, '?');
  return printable.length > max ? `${printable.slice(0, max)}...` : printable;
}

/**
 * Refuse header combinations this build cannot decode, with the remedy first so the message stays
 * useful after the 200-character truncation of `last_load_error`. Reason `version_skew`.
 */
export function checkCompatibility(header: ReadHeader, models: ModelFormats, recipeName?: string): void {
  const payloadFormat = header.payload_format;
  const algorithm = header.best_class;
  const version = header.model_format_version;
  if (isSupportedModelFormat(models, payloadFormat, algorithm, version)) return;
  const name = shortText(recipeName ?? header.recipe_name ?? '?', 64);
  const cls = shortText(algorithm ?? '?', 40);
  const supported = supportedVersions(models, algorithm);
  const formatNote =
    payloadFormat === PAYLOAD_FORMAT
      ? ''
      : ` [payload_format ${shortText(payloadFormat ?? 'missing', 24)}, need ${PAYLOAD_FORMAT}]`;
  const message = `model format skew: retrain recipe '${name}' — ${cls} v${shortText(version ?? '?', 12)} not supported by this server (supports v${supported.join(', v')})${formatNote}`;
  throw new ArtifactError(
    message.length > MAX_SKEW_MESSAGE ? message.slice(0, MAX_SKEW_MESSAGE) : message,
    'version_skew',
  );
}
