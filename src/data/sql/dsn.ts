/**
 * SQLAlchemy-style database URLs:
 * `dialect[+driver]://[user[:password]@][host][:port][/database][?k=v&...]`.
 */
import { DataSourceError } from '../../errors/index.js';

export type SqlDialect = 'postgres' | 'mysql' | 'mariadb' | 'sqlite';

export interface ParsedDsn {
  /** The dialect part before `+`, lower-cased, as written (`postgresql`, `mariadb`, ...). */
  readonly backend: string;
  readonly dialect: SqlDialect;
  readonly username: string | null;
  readonly password: string | null;
  /** URL host, brackets of an IPv6 literal removed. */
  readonly host: string | null;
  readonly port: number | null;
  readonly database: string | null;
  /** Query parameters; a repeated key keeps every value. */
  readonly query: ReadonlyMap<string, readonly string[]>;
}

const URL_RE =
  /^(?<name>[\w+]+):\/\/(?:(?<username>[^:/]*)(?::(?<password>[^@]*))?@)?(?:(?:\[(?<ipv6host>[^/?]+)\]|(?<ipv4host>[^/:?]+))?(?::(?<port>[^/?]*))?)?(?:\/(?<database>[^?]*))?(?:\?(?<query>.*))?$/s;

const BACKENDS: Record<string, SqlDialect> = {
  postgresql: 'postgres',
  postgres: 'postgres',
  mysql: 'mysql',
  mariadb: 'mariadb',
  sqlite: 'sqlite',
};

/** Parses the DSN held by env var `envName`; messages never include the DSN itself. */
export function parseDsn(dsn: string, envName: string): ParsedDsn {
  const m = URL_RE.exec(dsn);
  const invalid = () => new DataSourceError(`env var ${envName} is not a valid SQLAlchemy URL`);
  if (!m?.groups) throw invalid();
  const g = m.groups;
  let port: number | null = null;
  if (g.port !== undefined && g.port !== '') {
    if (!/^\d+$/.test(g.port)) throw invalid();
    port = Number(g.port);
  }
  const query = new Map<string, string[]>();
  if (g.query) {
    for (const part of g.query.split('&')) {
      if (part === '') continue;
      const eq = part.indexOf('=');
      const key = decode((eq < 0 ? part : part.slice(0, eq)).replace(/\+/g, ' '), invalid);
      const value = eq < 0 ? '' : decode(part.slice(eq + 1).replace(/\+/g, ' '), invalid);
      query.set(key, [...(query.get(key) ?? []), value]);
    }
  }
  const backend = g.name.split('+')[0].toLowerCase();
  const dialect = BACKENDS[backend];
  if (!dialect) {
    throw new DataSourceError(
      `unsupported SQL dialect '${backend}'; officially supported: ['mysql', 'postgres', 'sqlite'].`,
    );
  }
  return {
    backend,
    dialect,
    username: g.username === undefined ? null : decode(g.username, invalid),
    password: g.password === undefined ? null : decode(g.password, invalid),
    host: g.ipv6host ?? g.ipv4host ?? null,
    port,
    database: g.database === undefined || g.database === '' ? null : decode(g.database, invalid),
    query,
  };
}

function decode(text: string, invalid: () => Error): string {
  try {
    return decodeURIComponent(text);
  } catch {
    throw invalid();
  }
}

/** First value of a query parameter, or null. */
export function queryParam(dsn: ParsedDsn, key: string): string | null {
  return dsn.query.get(key)?.[0] ?? null;
}

const SECRET_KEY = /pass|secret|token|key|cred|auth/i;

/** The DSN for logs: no username or password, secret-looking query values dropped. */
export function renderDsnForLog(dsn: ParsedDsn): string {
  const host = dsn.host === null ? '' : dsn.host.includes(':') ? `[${dsn.host}]` : dsn.host;
  const port = dsn.port === null ? '' : `:${dsn.port}`;
  const db = dsn.database === null ? '' : `/${dsn.database}`;
  const params = [...dsn.query]
    .filter(([k]) => !SECRET_KEY.test(k))
    .flatMap(([k, vs]) => vs.map((v) => `${k}=${v}`))
    .join('&');
  return `${dsn.backend}://${host}${port}${db}${params ? `?${params}` : ''}`;
}

/** The sqlite file: `sqlite:///rel.db` → `rel.db`, `sqlite:////abs.db` → `/abs.db`, `sqlite://` → memory. */
export function sqliteFile(dsn: ParsedDsn): string {
  return dsn.database ?? ':memory:';
}
