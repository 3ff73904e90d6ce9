/**
 * The `.recotem` artifact: signed container, RTPK/1 payload, bounded reads with pointer files,
 * atomic publishing and `recotem inspect`. The only channel between train and serve.
 */
export type { KeyRing, SigningKey } from '../config/index.js';
export { sha256Hex } from './bytes.js';
export { checkCompatibility, isSupportedModelFormat, type ModelFormats } from './compat.js';
export {
  DEFAULT_ARTIFACT_CAP,
  DEFAULT_PAYLOAD_CAP,
  FORMAT_VERSION,
  MAX_HEADER_LEN,
  MAX_KID_LEN,
  MAX_MANIFEST_BYTES,
  MAX_POINTER_BYTES,
  PAYLOAD_FORMAT,
} from './constants.js';
export type { BuildContainerInput, KidExtraction, ParsedContainer } from './container.js';
export { buildContainer, extractKid, parseContainer } from './container.js';
export type { ArtifactHeader, DataStats, HeaderInput, ReadHeader, TuningSummary } from './header.js';
export { buildHeaderJson, completeHeader, parseHeaderJson } from './header.js';
export { computeHmac, verifyContainer } from './hmac.js';
export type { InspectIo, InspectOptions } from './inspect.js';
export { inspectArtifact } from './inspect.js';
export type { AtomicWriteOptions } from './local-store.js';
export {
  localByteStore,
  readHandleBounded,
  readLocalBounded,
  removeStaleTempFiles,
  writeLocalAtomic,
} from './local-store.js';
export type { OpenedArtifact, OpenOptions, SignArtifactInput, Verification, VerifiedHeader } from './open.js';
export { openArtifact, signArtifact, verifyArtifactHeader } from './open.js';
export type { DecodeOptions } from './payload-decode.js';
export { decodePayload } from './payload-decode.js';
export { encodePayload } from './payload-encode.js';
export type { DecodedPayload, MatrixDescriptor, PayloadInput } from './payload-types.js';
export type { ArtifactBytes, ReadArtifactOptions } from './read.js';
export { pointerContent, pointerTarget, readArtifactBytes, StoreReadError } from './read.js';
export type { ByteStore, RemoteStoreFactory, StoreChoice, StoreStat } from './store.js';
export { isNotFound, REMOTE_SCHEMES, StoreUnavailableError, storeFor } from './store.js';
export { localPathOf, repairCollapsedScheme, siblingUri, uriScheme } from './uri.js';
export type { Versioning, WriteArtifactInput, WrittenArtifact } from './write.js';
export { shaSuffixedPath, writeArtifact } from './write.js';
