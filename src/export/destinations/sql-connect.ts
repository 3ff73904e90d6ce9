/**
 * Database URLs of export destinations (`postgresql://`, `mysql://`, `mariadb://`), parsed with
 * the SQL source's URL grammar. Messages never repeat the URL: it may hold a password.
 */

import { driverErrorLabel } from '../../data/sql/driver.js';
import { type ParsedDsn, parseDsn, queryParam } from '../../data/sql/dsn.js';
import { ConfigError, DataSourceError, errorMessage } from '../../errors/index.js';

export function parseDestinationDsn(url: string): ParsedDsn {
  try {
    return parseDsn(url, '--to');
  } catch (err) {
    throw new ConfigError(`--to is not a valid database URL: ${errorMessage(err)}`);
  }
}

/** Host, port and database, never user or password: what messages may show. */
export function describeDsn(dsn: ParsedDsn): string {
  const host = dsn.host ?? queryParam(dsn, 'host') ?? 'localhost';
  return `${dsn.backend}://${host}${dsn.port === null ? '' : `:${dsn.port}`}/${dsn.database ?? ''}`;
}

/** A driver failure as a destination error (exit 3), with the driver's class and code only. */
export function destinationFailure(where: string, what: string, err: unknown): DataSourceError {
  const detail = err instanceof DataSourceError ? err.message : driverErrorLabel(err);
  const message = (err as { message?: unknown })?.message;
  // Server-side messages (e.g. 'relation ... does not exist') hold no credentials; connection
  // errors can echo the URL, so only the class and code are kept for those.
  const safe = typeof message === 'string' && !message.includes('@') && !message.includes('://') ? `: ${message}` : '';
  return new DataSourceError(`export to '${where}' failed while ${what}: ${detail}${safe}`, { cause: err });
}
