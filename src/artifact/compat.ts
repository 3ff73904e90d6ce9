/**
 * Compatibility preflight (artifact.md §6): a fixed table of the payload formats and per-algorithm
 * model format versions this build can decode. Runs after the header is parsed, before the payload.
 */
import { CANONICAL_CLASSES, type CanonicalClass } from '../algorithms/types.js';
import { ArtifactError } from '../errors/index.js';
import { PAYLOAD_FORMAT } from './constants.js';
import type { ReadHeader } from './header.js';

/** payload_format → algorithm → supported model_format_version values. */
export const SUPPORTED_MODEL_FORMATS: Readonly<Record<string, Readonly<Record<CanonicalClass, readonly number[]>>>> = {
  [PAYLOAD_FORMAT]: {
    IALSRecommender: [1],
    CosineKNNRecommender: [1],
    TopPopRecommender: [1],
    RP3betaRecommender: [1],
    DenseSLIMRecommender: [1],
    TruncatedSVDRecommender: [1],
    BPRFMRecommender: [1],
  },
};

export function isCanonicalClass(name: unknown): name is CanonicalClass {
  return typeof name === 'string' && (CANONICAL_CLASSES as readonly string[]).includes(name);
}

export function isSupportedModelFormat(payloadFormat: unknown, algorithm: unknown, version: unknown): boolean {
  if (typeof payloadFormat !== 'string' || !Object.hasOwn(SUPPORTED_MODEL_FORMATS, payloadFormat)) return false;
  if (!isCanonicalClass(algorithm)) return false;
  return SUPPORTED_MODEL_FORMATS[payloadFormat][algorithm].includes(version as number);
}

const MAX_SKEW_MESSAGE = 200;

/** Versions this build decodes for the class under the current payload format (all, if unknown). */
function supportedVersions(algorithm: unknown): readonly number[] {
  const table = SUPPORTED_MODEL_FORMATS[PAYLOAD_FORMAT];
  if (isCanonicalClass(algorithm)) return table[algorithm];
  return [...new Set(Object.values(table).flat())].sort((a, b) => a - b);
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
export function checkCompatibility(header: ReadHeader, recipeName?: string): void {
  const payloadFormat = header.payload_format;
  const algorithm = header.best_class;
  const version = header.model_format_version;
  if (isSupportedModelFormat(payloadFormat, algorithm, version)) return;
  const name = shortText(recipeName ?? header.recipe_name ?? '?', 64);
  const cls = shortText(algorithm ?? '?', 40);
  const supported = supportedVersions(algorithm);
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
