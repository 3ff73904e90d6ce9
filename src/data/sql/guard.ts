/**
 * SSRF guard for database DSNs: refuse routing the target
 * cannot be checked through, refuse private hosts, pin resolved addresses and re-check them right
 * before connecting. Plus the TLS advisory (step 6), which never blocks.
 */
import { isIP } from 'node:net';
import { DataSourceError } from '../../errors/index.js';
import { getLogger } from '../../log/index.js';
import { checkHost, HostCheckError, type LookupFn, stripBrackets, systemLookup } from '../http/index.js';
import { isInternalAddress } from '../http/ip.js';
import { type ParsedDsn, queryParam } from './dsn.js';

const log = getLogger('recotem.data.sql');

export interface DsnPins {
  /** Union of every resolved address of every candidate host (empty when the guard was skipped). */
  readonly pinned: ReadonlySet<string>;
  /** The host the driver will resolve again when it connects, or null. */
  readonly rebindingHost: string | null;
}

export interface GuardOptions {
  lookup?: LookupFn;
  isInternal?: (ip: string) => boolean;
}

function splitHosts(value: string | null): string[] {
  return value === null
    ? []
    : value
        .split(',')
        .map((h) => h.trim())
        .filter((h) => h !== '');
}

/** Runs the DSN guard; returns what the rebinding re-check needs. */
export async function guardDsn(dsn: ParsedDsn, allowPrivate: boolean, opts: GuardOptions = {}): Promise<DsnPins> {
  const none: DsnPins = { pinned: new Set(), rebindingHost: null };
  if (dsn.dialect === 'sqlite' || allowPrivate) return none;
  const postgres = dsn.dialect === 'postgres';
  if (postgres && dsn.query.has('service')) {
    throw new DataSourceError(
      'DSN routes via libpq service file (?service=...), whose target host cannot be checked; put the host in the DSN or set RECOTEM_SQL_ALLOW_PRIVATE=1 to opt in',
    );
  }
  if (!postgres && dsn.query.has('unix_socket')) {
    throw new DataSourceError(
      'DSN routes via a unix socket (?unix_socket=...), which cannot be checked; use a TCP host or set RECOTEM_SQL_ALLOW_PRIVATE=1 to opt in',
    );
  }
  const candidates = [
    ...(dsn.host ? [dsn.host] : []),
    ...(postgres ? splitHosts(queryParam(dsn, 'hostaddr')) : []),
    ...splitHosts(queryParam(dsn, 'host')),
  ].map(stripBrackets);
  for (const c of candidates) {
    if (c.startsWith('/')) {
      throw new DataSourceError(
        'DSN host is an absolute path (a unix socket directory), which cannot be checked; use a TCP host or set RECOTEM_SQL_ALLOW_PRIVATE=1 to opt in',
      );
    }
  }
  if (candidates.length === 0) {
    throw new DataSourceError(
      `DSN for dialect '${dsn.dialect}' does not specify a host; refusing because the target cannot be checked (set RECOTEM_SQL_ALLOW_PRIVATE=1 to opt in)`,
    );
  }
  const pinned = new Set<string>();
  for (const host of new Set(candidates)) {
    let addresses: string[];
    try {
      addresses = await checkHost(host, host, opts.lookup ?? systemLookup, opts.isInternal ?? isInternalAddress);
    } catch (err) {
      if (err instanceof HostCheckError) {
        throw new DataSourceError(
          err.failure === 'unresolvable'
            ? `hostname '${host}' does not resolve; verify the DSN host or set RECOTEM_SQL_ALLOW_PRIVATE=1 to bypass for offline tests`
            : `refusing to connect to private/loopback host '${host}'; set RECOTEM_SQL_ALLOW_PRIVATE=1 to opt in (intended for in-cluster or compose service-name destinations)`,
          { cause: err },
        );
      }
      throw err;
    }
    for (const a of addresses) pinned.add(a);
  }
  const rebindingHost = postgres
    ? (splitHosts(queryParam(dsn, 'hostaddr'))[0] ?? splitHosts(queryParam(dsn, 'host'))[0] ?? dsn.host)
    : (splitHosts(queryParam(dsn, 'host'))[0] ?? dsn.host);
  return { pinned, rebindingHost: rebindingHost === null ? null : stripBrackets(rebindingHost) };
}

/** Before probe and fetch: the rebinding host must still resolve to a pinned address. */
export async function recheckRebinding(pins: DsnPins, lookup: LookupFn = systemLookup): Promise<void> {
  const host = pins.rebindingHost;
  if (pins.pinned.size === 0 || host === null || isIP(host)) return;
  let current: string[];
  try {
    current = await lookup(host);
  } catch {
    current = [];
  }
  if (current.length === 0) {
    throw new DataSourceError(
      `DNS re-resolution of '${host}' failed before connect; aborting to prevent SSRF via DNS rebinding`,
    );
  }
  if (!current.some((a) => pins.pinned.has(a))) {
    throw new DataSourceError(
      `DNS rebinding detected for host '${host}': pinned=[${[...pins.pinned].sort().join(', ')}], current=[${[...current].sort().join(', ')}]; aborting to prevent SSRF`,
    );
  }
}

const OFF = new Set(['', 'false', '0']);

/** Step 6: warn (never block) when the DSN does not ask for TLS. */
export function adviseTls(dsn: ParsedDsn): void {
  if (dsn.dialect === 'postgres') {
    const mode = queryParam(dsn, 'sslmode');
    if (mode === null || ['disable', 'allow', 'prefer'].includes(mode)) {
      log.warn('sql_dsn_tls_not_configured', {
        dialect: dsn.dialect,
        detected_sslmode: mode ?? '(absent)',
        hint: 'add ?sslmode=verify-full (or require) to the DSN to encrypt and authenticate the connection',
      });
    }
  } else if (dsn.dialect === 'mysql' || dsn.dialect === 'mariadb') {
    const keys = ['ssl', 'ssl_ca', 'ssl_cert', 'ssl_key', 'ssl_verify_cert'];
    const enabled = keys.some((k) => (dsn.query.get(k) ?? []).some((v) => !OFF.has(v.trim().toLowerCase())));
    if (!enabled) {
      log.warn('sql_dsn_tls_not_configured', {
        dialect: dsn.dialect,
        detected_sslmode: '(absent)',
        hint: 'add ?ssl_ca=/path/to/ca.pem (or ssl=true) to the DSN to encrypt the connection',
      });
    }
  }
}
