/**
 * Environment knobs of the ingestion layer, read on every use so tests and
 * long-lived servers see changes. Parsing and clamping rules live in src/config.
 */
import { type Env, isTruthy, parseClampedInt } from '../config/index.js';

const MiB = 1024 * 1024;
const GiB = 1024 * MiB;

export function maxDownloadBytes(env: Env = process.env): number {
  return parseClampedInt(env, 'RECOTEM_MAX_DOWNLOAD_BYTES', 256 * MiB, MiB, 16 * GiB);
}

export function httpTimeoutSeconds(env: Env = process.env): number {
  return parseClampedInt(env, 'RECOTEM_HTTP_TIMEOUT_SECONDS', 30, 1, 600);
}

export function httpAllowPrivate(env: Env = process.env): boolean {
  return isTruthy(env.RECOTEM_HTTP_ALLOW_PRIVATE);
}

export function sqlAllowPrivate(env: Env = process.env): boolean {
  return isTruthy(env.RECOTEM_SQL_ALLOW_PRIVATE);
}

export function maxSqlRows(env: Env = process.env): number {
  return parseClampedInt(env, 'RECOTEM_MAX_SQL_ROWS', 50_000_000, 1_000, 500_000_000);
}

export function bqRequireStorageApi(env: Env = process.env): boolean {
  return isTruthy(env.RECOTEM_BQ_REQUIRE_STORAGE_API);
}

/** Lower-cased field names from `RECOTEM_METADATA_FIELD_DENY` (comma-separated). */
export function metadataFieldDeny(env: Env = process.env): Set<string> {
  return new Set(
    (env.RECOTEM_METADATA_FIELD_DENY ?? '')
      .split(',')
      .map((s) => s.trim().toLowerCase())
      .filter((s) => s.length > 0),
  );
}

/** `1234567` → `1,234,567` (the size-cap message uses thousands separators). */
export function withThousands(n: number): string {
  return Math.trunc(n)
    .toString()
    .replace(/\B(?=(\d{3})+(?!\d))/g, ',');
}
