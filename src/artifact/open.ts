/**
 * Signing and opening whole artifacts. Opening runs parse → HMAC verify → header JSON →
 * compatibility preflight → payload decode, always on the same buffer (read-once protocol).
 */

import type { KeyRing, SigningKey } from '../config/index.js';
import { ArtifactError } from '../errors/index.js';
import { sha256Hex } from './bytes.js';
import { checkCompatibility, type ModelFormats } from './compat.js';
import { DEFAULT_PAYLOAD_CAP, MAX_HEADER_LEN } from './constants.js';
import { buildContainer, type ParsedContainer, parseContainer, payloadOffsetFor } from './container.js';
import { buildHeaderJson, parseHeaderJson, type ReadHeader } from './header.js';
import { computeHmac, verifyContainer } from './hmac.js';
import { decodePayload } from './payload-decode.js';
import type { DecodedPayload } from './payload-types.js';

export interface SignArtifactInput {
  keyRing: KeyRing;
  /** Header object (serialised compactly) or header JSON bytes used verbatim. */
  header: Record<string, unknown> | Uint8Array;
  payload: Uint8Array;
}

/**
 * Header bytes padded with trailing spaces (still valid JSON) so the payload starts at an 8-byte
 * boundary of the file; then the decoder can hand out typed-array views instead of copies.
 */
function alignedHeader(header: Buffer, kidByteLength: number): Buffer {
  const misalignment = payloadOffsetFor(kidByteLength, header.length) % 8;
  if (misalignment === 0) return header;
  const pad = 8 - misalignment;
  if (header.length + pad > MAX_HEADER_LEN) return header;
  return Buffer.concat([header, Buffer.alloc(pad, 0x20)]);
}

/** Sign with the active (first) key of the ring and assemble the container. */
export function signArtifact(input: SignArtifactInput): Buffer {
  const active = input.keyRing[0];
  if (!active) throw new ArtifactError('cannot sign artifact: the signing key ring is empty', 'write');
  const kidBytes = Buffer.from(active.kid, 'utf8');
  const headerJson =
    input.header instanceof Uint8Array
      ? Buffer.from(input.header)
      : alignedHeader(buildHeaderJson(input.header), kidBytes.length);
  const hmac = computeHmac(active.key, kidBytes, headerJson, input.payload);
  return buildContainer({ kid: active.kid, hmac, headerJson, payload: input.payload });
}

export interface VerifiedHeader {
  version: number;
  kid: string;
  header: ReadHeader;
  /** The key that verified the artifact (undefined when verification was skipped in dev mode). */
  signingKey?: SigningKey;
  container: ParsedContainer;
}

/** Verification source: a key ring, or the explicit dev-mode opt-out of verification. */
export type Verification = { keyRing: KeyRing; devUnverified?: false } | { devUnverified: true; keyRing?: undefined };

export interface OpenOptions {
  /** The algorithms and saved-model versions the caller can load (the algorithm registry's table). */
  models: ModelFormats;
  payloadCap?: number;
  maxManifest?: number;
  /** Recipe name for the version-skew remedy message (defaults to the header's recipe_name). */
  recipeName?: string;
  /** SHA-256 hex of `bytes` when the caller already computed it for change detection. */
  modelVersion?: string;
}

export interface OpenedArtifact extends VerifiedHeader {
  payload: DecodedPayload;
  /** SHA-256 hex of the resolved artifact bytes. */
  modelVersion: string;
}

function openHeader(bytes: Uint8Array, verification: Verification, payloadCap: number | undefined): VerifiedHeader {
  const container = parseContainer(bytes, { payloadCap: payloadCap ?? DEFAULT_PAYLOAD_CAP });
  const signingKey = verification.devUnverified ? undefined : verifyContainer(container, verification.keyRing);
  const header = parseHeaderJson(container.headerBytes);
  return { version: container.version, kid: container.kid, header, signingKey, container };
}

/** Parse, verify and decode the header only; the payload is never interpreted (`inspect`). */
export function verifyArtifactHeader(
  bytes: Uint8Array,
  keyRing: KeyRing,
  opts: { payloadCap?: number } = {},
): VerifiedHeader {
  return openHeader(bytes, { keyRing }, opts.payloadCap);
}

/**
 * Open a resolved artifact: parse → verify (unless explicitly unverified in dev mode) → header
 * JSON → compatibility preflight → payload decode, then cross-check header against payload.
 */
export function openArtifact(bytes: Uint8Array, opts: Verification & OpenOptions): OpenedArtifact {
  const verified = openHeader(bytes, opts, opts.payloadCap);
  const { header } = verified;
  checkCompatibility(header, opts.models, opts.recipeName);
  const payload = decodePayload(verified.container.payload, { maxManifest: opts.maxManifest });
  if (payload.algorithm !== header.best_class || payload.modelFormatVersion !== header.model_format_version) {
    throw new ArtifactError(
      `payload invalid: it holds ${payload.algorithm} v${payload.modelFormatVersion} but the header names ${String(header.best_class)} v${String(header.model_format_version)}`,
      'deserialize',
    );
  }
  return { ...verified, payload, modelVersion: opts.modelVersion ?? sha256Hex(bytes) };
}
