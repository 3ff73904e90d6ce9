/** Byte-level constants of the `.recotem` container and the RTPK payload. */

/** ASCII `RECOTEM` followed by NUL. */
export const MAGIC = Buffer.from([0x52, 0x45, 0x43, 0x4f, 0x54, 0x45, 0x4d, 0x00]);

/**
 * Container version written and read by this implementation. Version 1 is the Python layout with
 * a pickle payload; version 2 keeps the same byte layout but always carries an RTPK/1 payload, so
 * neither implementation ever hands the other's payload to its decoder.
 * The MAC of version 2 covers `kid ‖ header ‖ payload`, exactly as in version 1.
 */
export const FORMAT_VERSION = 2;
export const LEGACY_PICKLE_VERSION = 1;

/** magic (8) + version (2) + reserved (2) + kid length (1). */
export const FIXED_PREFIX_LEN = 13;
export const MIN_KID_LEN = 1;
export const MAX_KID_LEN = 32;
export const HMAC_LEN = 32;
export const HEADER_LEN_FIELD = 4;
export const MAX_HEADER_LEN = 65_536;

const MIB = 1024 * 1024;
export const DEFAULT_PAYLOAD_CAP = 512 * MIB;
export const DEFAULT_ARTIFACT_CAP = 2048 * MIB;

/** A file is only considered a pointer if it is at most this long. */
export const MAX_POINTER_BYTES = 512;
export const POINTER_PATTERN = /^[A-Za-z0-9_.-]+\.recotem\s*$/;

export const PAYLOAD_FORMAT = 'rtpk/1';
export const RTPK_MAGIC = Buffer.from('RTPK', 'ascii');
export const RTPK_FORMAT_VERSION = 1;
/** magic (4) + manifest length (4). */
export const RTPK_PREFIX_LEN = 8;
export const MAX_MANIFEST_BYTES = 64 * MIB;
export const BLOB_ALIGNMENT = 8;
