/**
 * The signed binary container: fixed prefix, kid, HMAC, JSON header, payload.
 * Parsing compares every length with the bytes that remain before it slices or allocates, so a
 * hostile file can never make the reader reserve more memory than the file itself occupies.
 */
import { ArtifactError } from '../errors/index.js';
import { decodeUtf8 } from './bytes.js';
import {
  DEFAULT_PAYLOAD_CAP,
  FIXED_PREFIX_LEN,
  FORMAT_VERSION,
  HEADER_LEN_FIELD,
  HMAC_LEN,
  LEGACY_PICKLE_VERSION,
  MAGIC,
  MAX_HEADER_LEN,
  MAX_KID_LEN,
  MIN_KID_LEN,
} from './constants.js';

export interface ParsedContainer {
  version: number;
  kid: string;
  /** The raw kid bytes as stored (they are what the HMAC covers). */
  kidBytes: Buffer;
  /** 32 bytes, a view on the input. */
  hmac: Buffer;
  /** A view on the input; not yet interpreted as JSON. */
  headerBytes: Buffer;
  payloadOffset: number;
  /** A view on the input from `payloadOffset` to the end. */
  payload: Buffer;
}

export interface BuildContainerInput {
  version?: number;
  kid: string;
  hmac: Uint8Array;
  headerJson: Uint8Array;
  payload: Uint8Array;
}

function parseError(message: string): ArtifactError {
  return new ArtifactError(message, 'parse');
}

/** Assemble the container bytes in container order (writer side). */
export function buildContainer(input: BuildContainerInput): Buffer {
  const version = input.version ?? FORMAT_VERSION;
  if (!Number.isInteger(version) || version < 1 || version > 0xffff) {
    throw new ArtifactError(`format version ${version} is not a uint16`, 'write');
  }
  const kidBytes = Buffer.from(input.kid, 'utf8');
  if (kidBytes.length < MIN_KID_LEN || kidBytes.length > MAX_KID_LEN) {
    throw new ArtifactError(
      `kid must encode to ${MIN_KID_LEN}..${MAX_KID_LEN} UTF-8 bytes, got ${kidBytes.length}`,
      'write',
    );
  }
  if (input.hmac.length !== HMAC_LEN) {
    throw new ArtifactError(`HMAC must be ${HMAC_LEN} bytes, got ${input.hmac.length}`, 'write');
  }
  if (input.headerJson.length > MAX_HEADER_LEN) {
    throw new ArtifactError(
      `header JSON is ${input.headerJson.length} bytes, more than the maximum ${MAX_HEADER_LEN}`,
      'write',
    );
  }
  const total = FIXED_PREFIX_LEN + kidBytes.length + HMAC_LEN + HEADER_LEN_FIELD + input.headerJson.length;
  const out = Buffer.allocUnsafe(total + input.payload.length);
  MAGIC.copy(out, 0);
  out.writeUInt16LE(version, 8);
  out.writeUInt16LE(0, 10);
  out.writeUInt8(kidBytes.length, 12);
  let pos = FIXED_PREFIX_LEN;
  pos += kidBytes.copy(out, pos);
  out.set(input.hmac, pos);
  pos += HMAC_LEN;
  out.writeUInt32LE(input.headerJson.length, pos);
  pos += HEADER_LEN_FIELD;
  out.set(input.headerJson, pos);
  pos += input.headerJson.length;
  out.set(input.payload, pos);
  return out;
}

/** Offset at which the payload of a container with this kid and header length starts. */
export function payloadOffsetFor(kidByteLength: number, headerByteLength: number): number {
  return FIXED_PREFIX_LEN + kidByteLength + HMAC_LEN + HEADER_LEN_FIELD + headerByteLength;
}

/**
 * Structural parse; the checks run in the order below. Does not verify the HMAC
 * and does not interpret the header JSON. Every failure is an ArtifactError with reason `parse`.
 */
export function parseContainer(bytes: Uint8Array, opts: { payloadCap?: number } = {}): ParsedContainer {
  const data = Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length);
  const payloadCap = opts.payloadCap ?? DEFAULT_PAYLOAD_CAP;
  const len = data.length;
  if (len < MAGIC.length) throw parseError('artifact too short: missing magic bytes');
  if (!data.subarray(0, MAGIC.length).equals(MAGIC)) {
    // The file's own bytes are never quoted: a path pointed at a non-artifact must not reveal it.
    throw parseError(`magic bytes mismatch: expected ${MAGIC.toString('hex')}; this is not a Recotem artifact`);
  }
  if (len < 12) throw parseError('artifact too short: missing version/reserved fields');
  const version = data.readUInt16LE(8);
  if (version === LEGACY_PICKLE_VERSION) {
    throw parseError('unsupported format version 1 (pickle payloads are not supported; retrain)');
  }
  if (version === 0 || version > FORMAT_VERSION) {
    throw parseError(`unsupported format version ${version}; this build supports up to version ${FORMAT_VERSION}`);
  }
  const reserved = data.readUInt16LE(10);
  if (reserved !== 0) throw parseError(`reserved bytes must be 0, got ${reserved}`);
  if (len < FIXED_PREFIX_LEN) throw parseError('artifact too short: missing kid_len byte');
  const kidLen = data.readUInt8(12);
  if (kidLen < MIN_KID_LEN || kidLen > MAX_KID_LEN) {
    throw parseError(`kid_len ${kidLen} out of range [${MIN_KID_LEN}, ${MAX_KID_LEN}]`);
  }
  let pos = FIXED_PREFIX_LEN;
  if (len - pos < kidLen) throw parseError(`artifact truncated: kid needs ${kidLen} bytes, ${len - pos} remain`);
  const kidBytes = data.subarray(pos, pos + kidLen);
  const kid = decodeUtf8(kidBytes);
  if (kid === undefined) throw parseError('kid is not valid UTF-8');
  pos += kidLen;
  if (len - pos < HMAC_LEN) throw parseError(`artifact truncated: HMAC needs ${HMAC_LEN} bytes, ${len - pos} remain`);
  const hmac = data.subarray(pos, pos + HMAC_LEN);
  pos += HMAC_LEN;
  if (len - pos < HEADER_LEN_FIELD) throw parseError('artifact truncated: missing header_len field');
  const headerLen = data.readUInt32LE(pos);
  if (headerLen > MAX_HEADER_LEN) {
    throw parseError(`header_len ${headerLen} exceeds maximum ${MAX_HEADER_LEN}; refusing allocation`);
  }
  pos += HEADER_LEN_FIELD;
  if (len - pos < headerLen) {
    throw parseError(`artifact truncated: header needs ${headerLen} bytes, ${len - pos} remain`);
  }
  const headerBytes = data.subarray(pos, pos + headerLen);
  if (decodeUtf8(headerBytes) === undefined) throw parseError('header JSON is not valid UTF-8');
  pos += headerLen;
  const payloadLen = len - pos;
  if (payloadLen > payloadCap) {
    throw parseError(`payload size ${payloadLen} exceeds cap ${payloadCap}; refusing to load`);
  }
  return { version, kid, kidBytes, hmac, headerBytes, payloadOffset: pos, payload: data.subarray(pos) };
}

export type KidExtraction =
  | { ok: true; kid: string }
  | { ok: false; reason: 'too_short' | 'kid_len_out_of_range' | 'truncated' | 'decode_error' };

/**
 * Best-effort kid of raw bytes for failure logs: looks only at the
 * prefix, never throws, ignores magic and version.
 */
export function extractKid(bytes: Uint8Array): KidExtraction {
  if (bytes.length < FIXED_PREFIX_LEN) return { ok: false, reason: 'too_short' };
  const kidLen = bytes[12];
  if (kidLen < MIN_KID_LEN || kidLen > MAX_KID_LEN) return { ok: false, reason: 'kid_len_out_of_range' };
  if (bytes.length < FIXED_PREFIX_LEN + kidLen) return { ok: false, reason: 'truncated' };
  const kid = decodeUtf8(bytes.subarray(FIXED_PREFIX_LEN, FIXED_PREFIX_LEN + kidLen));
  return kid === undefined ? { ok: false, reason: 'decode_error' } : { ok: true, kid };
}
