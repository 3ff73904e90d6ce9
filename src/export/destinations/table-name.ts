/**
 * Table names for database exports: validated identifiers (optionally `schema.table`), quoted per
 * dialect, and the staging and retired names used for the atomic swap.
 */
import { randomBytes } from 'node:crypto';
import { ConfigError } from '../../errors/index.js';

const IDENT = /^[A-Za-z_][A-Za-z0-9_]{0,47}$/;

export interface TableName {
  /** Schema (PostgreSQL) or database (MySQL) qualifier, or null. */
  readonly schema: string | null;
  readonly table: string;
}

export function parseTableName(raw: string): TableName {
  const parts = raw.split('.');
  if (parts.length > 2 || !parts.every((p) => IDENT.test(p))) {
    throw new ConfigError(
      `--table '${raw}' is not a valid table name (letters, digits and _, at most 48 characters, optionally schema.table)`,
    );
  }
  return parts.length === 2 ? { schema: parts[0], table: parts[1] } : { schema: null, table: parts[0] };
}

/** A fresh staging name next to `name` (same schema). */
export function stagingName(name: TableName): TableName {
  return { schema: name.schema, table: `${name.table}__staging_${randomBytes(4).toString('hex')}` };
}

export function retiredName(name: TableName): TableName {
  return { schema: name.schema, table: `${name.table}__retired_${randomBytes(4).toString('hex')}` };
}

export type Quote = (ident: string) => string;

export const quoteDouble: Quote = (ident) => `"${ident}"`;
export const quoteBacktick: Quote = (ident) => `\`${ident}\``;

export function qualified(name: TableName, quote: Quote): string {
  return name.schema === null ? quote(name.table) : `${quote(name.schema)}.${quote(name.table)}`;
}
