/**
 * Environment configuration: every RECOTEM_* variable parsed with its default, clamp and error
 * rule, the signing key ring, API-key digests and the start-up security posture.
 * Functions take an env object (default process.env) so tests pass their own.
 */
export type { ApiKeyEntry } from './apiKeys.js';
export { API_KEY_SALT, API_KEY_SCRYPT, hashApiKey, parseApiKeys } from './apiKeys.js';
export type { KeyRing, SigningKey } from './keyring.js';
export {
  activeKey,
  DEV_KID,
  devKeyRing,
  findKey,
  keyFingerprint,
  keyRingFingerprints,
  MAX_KID_BYTES,
  parseSigningKeyRing,
  resolveTrainingKeyRing,
  SIGNING_KEY_BYTES,
  SIGNING_KEY_MISSING_MESSAGE,
} from './keyring.js';
export type { Env } from './parse.js';
export {
  isTruthy,
  parseClampedFloatOrThrow,
  parseClampedInt,
  parseCsvList,
  parseFloatStrict,
  parseIntStrict,
  readTrimmed,
} from './parse.js';
export type { PostureInput, ServeKeyRingResolution, SigningKeyStatus } from './posture.js';
export {
  COMPANION_FLAG_MESSAGE,
  devAllowUnsignedRefusal,
  INSECURE_NO_AUTH_ENVS,
  insecureNoAuthRefusal,
  LOOPBACK_HOST,
  logSecurityPosture,
  recotemEnvNormalized,
  recotemEnvRaw,
  resolveBindHost,
  resolveServeKeyRing,
  SERVE_SIGNING_KEY_MISSING_MESSAGE,
  securityPostureFields,
} from './posture.js';
export { NotRegularFileError, openRegularFile, pseudoFilesystemOf, requireRegularFileSync } from './regular-file.js';
export type { ArtifactCaps, FetchLimits, IoConfig, LogFormatSetting, ServeConfig, TrainConfig } from './settings.js';
export {
  DEFAULT_ALLOWED_HOSTS,
  DEFAULT_HOST,
  DEFAULT_PORT,
  GiB,
  loadArtifactCaps,
  loadFetchLimits,
  loadIoConfig,
  loadServeConfig,
  loadTrainConfig,
  MiB,
  parseLogFormatLenient,
  parseLogFormatStrict,
  parsePort,
  resolveStartupParallelism,
} from './settings.js';
