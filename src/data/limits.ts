/**
 * Environment knobs of the ingestion layer (cli.md §10): byte and row caps, the HTTP timeout and
 * the private-network opt-ins. Read on every use so tests and long-lived servers see changes.
 */
import { getLogger } from '../log/index.js';

const log = getLogger('recotem.data.limits');

const MiB = 1024 * 1024;
const GiB = 1024 * MiB;

export const DEFAULT_MAX_DOWNLOAD_BYTES = 256 * MiB;
export const DEFAULT_HTTP_TIMEOUT_SECONDS = 30;
export const DEFAULT_MAX_SQL_ROWS = 50_000_000;

/** `1`, `true`, `yes`, `on` (trimmed, case-insensitive). */
export function isTruthy(raw: string | undefined): boolean {
  if (raw === undefined) return false;
  return ['1', 'true', 'yes', 'on'].includes(raw.trim().toLowerCase());
}

/**
 * Integer env var with the clamp rule: unset/empty → default; not an integer → default plus
 * `env_var_unparseable`; out of range → clamped plus `env_var_clamped`.
 */
export function readClampedInt(name: string, fallback: number, lo: number, hi: number, env = process.env): number {
  const raw = env[name];
  if (raw === undefined || raw.trim() === '') return fallback;
  const text = raw.trim();
  if (!/^[+-]?\d+$/.test(text)) {
    log.warn('env_var_unparseable', { name, raw, fallback });
    return fallback;
  }
  const requested = Number(text);
  const clamped = Math.min(hi, Math.max(lo, requested));
  if (clamped !== requested) log.warn('env_var_clamped', { name, requested, clamped, lo, hi });
  return clamped;
}

export function maxDownloadBytes(env = process.env): number {
  return readClampedInt('RECOTEM_MAX_DOWNLOAD_BYTES', DEFAULT_MAX_DOWNLOAD_BYTES, MiB, 16 * GiB, env);
}

export function httpTimeoutSeconds(env = process.env): number {
  return readClampedInt('RECOTEM_HTTP_TIMEOUT_SECONDS', DEFAULT_HTTP_TIMEOUT_SECONDS, 1, 600, env);
}

export function maxSqlRows(env = process.env): number {
  return readClampedInt('RECOTEM_MAX_SQL_ROWS', DEFAULT_MAX_SQL_ROWS, 1000, 500_000_000, env);
}

export function httpAllowPrivate(env = process.env): boolean {
  return isTruthy(env.RECOTEM_HTTP_ALLOW_PRIVATE);
}

export function sqlAllowPrivate(env = process.env): boolean {
  return isTruthy(env.RECOTEM_SQL_ALLOW_PRIVATE);
}

export function bqRequireStorageApi(env = process.env): boolean {
  return isTruthy(env.RECOTEM_BQ_REQUIRE_STORAGE_API);
}

/** Lower-cased field names from `RECOTEM_METADATA_FIELD_DENY` (comma-separated). */
export function metadataFieldDeny(env = process.env): Set<string> {
  const raw = env.RECOTEM_METADATA_FIELD_DENY ?? '';
  return new Set(
    raw
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
