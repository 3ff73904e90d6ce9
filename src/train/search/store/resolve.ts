/**
 * `training.storage_path` → study store.
 *
 * | value (trimmed)                          | store |
 * |------------------------------------------|-------|
 * | empty                                    | in memory (no resume) |
 * | `sqlite://…` (`sqlite:///rel.db`, `sqlite:////abs.db`, `sqlite://` or `sqlite:///:memory:` = in memory) | SQLite |
 * | `postgresql://…`, `postgres://…` (a `+driver` suffix such as `postgresql+psycopg2` is accepted) | PostgreSQL |
 * | `mysql://…` (any `+driver`)              | rejected: SearchError naming the supported schemes |
 * | any other `scheme://…`                   | rejected the same way |
 * | anything else                            | a SQLite file path |
 *
 * The URL branch requires `://` (the spec's "Improve": `sqlite.db` is a file path, not a broken
 * URL). A URL whose authority carries a user or password is refused before anything else, with
 * the spec's message and no part of the secret in it.
 */
import { isAbsolute, resolve as resolvePath } from 'node:path';
import { SearchError } from '../../../errors/index.js';
import { MemoryStudyStore } from './memory.js';
import type { StoreKind, StudyStore } from './types.js';

export const CREDENTIALS_MESSAGE =
  'training.storage_path must not embed credentials (user:pass@host).  Use a credential file or env-driven auth (PGPASSFILE, ~/.pgpass, sqlalchemy.url env) instead.';

const SUPPORTED = 'sqlite:///<path>, postgresql://<host>[:port]/<database> (or postgres://), or a plain file path';

export interface ResolvedStorage {
  kind: StoreKind;
  /** SQLite: file path (':memory:' for an in-memory database); PostgreSQL: connection string. */
  target: string;
  /** Whether this storage may be used by several concurrent trials (spec: only server databases). */
  allowsParallelism: boolean;
}

const URL_RE = /^([A-Za-z][A-Za-z0-9+.-]*):\/\//;

function hasCredentials(url: string): boolean {
  const rest = url.replace(URL_RE, '');
  const authority = rest.split(/[/?#]/, 1)[0];
  const at = authority.lastIndexOf('@');
  if (at < 0) return false;
  // Anything before '@' is userinfo: a user name alone is already refused.
  return authority.slice(0, at).length > 0;
}

export function resolveStoragePath(raw: string | null | undefined, cwd = process.cwd()): ResolvedStorage {
  const value = (raw ?? '').trim();
  if (value === '') return { kind: 'memory', target: '', allowsParallelism: true };
  const m = URL_RE.exec(value);
  if (!m) return { kind: 'sqlite', target: resolvePath(cwd, value), allowsParallelism: false };
  if (hasCredentials(value)) throw new SearchError(CREDENTIALS_MESSAGE);
  const scheme = m[1].toLowerCase();
  const base = scheme.split('+', 1)[0];
  if (base === 'sqlite') {
    const path = value.slice(m[0].length);
    // SQLAlchemy form: sqlite:///relative.db and sqlite:////absolute.db; empty or :memory: = memory.
    if (path === '' || path === '/' || path === '/:memory:') {
      return { kind: 'sqlite', target: ':memory:', allowsParallelism: false };
    }
    if (!path.startsWith('/')) {
      throw new SearchError(
        `training.storage_path '${value}' is not a valid SQLite URL; use sqlite:///relative/path.db or sqlite:////absolute/path.db.`,
      );
    }
    const file = decodeURIComponent(path.slice(1).split('?', 1)[0]);
    return { kind: 'sqlite', target: isAbsolute(file) ? file : resolvePath(cwd, file), allowsParallelism: false };
  }
  if (base === 'postgresql' || base === 'postgres') {
    return { kind: 'postgresql', target: value.replace(URL_RE, 'postgresql://'), allowsParallelism: true };
  }
  if (base === 'mysql' || base === 'mariadb') {
    throw new SearchError(
      `training.storage_path uses ${base}, which is not supported for the search study. Supported: ${SUPPORTED}.`,
    );
  }
  throw new SearchError(`training.storage_path scheme '${scheme}://' is not supported. Supported: ${SUPPORTED}.`);
}

/** Open the store a resolved storage names (drivers are loaded only when used). */
export async function openStudyStore(storage: ResolvedStorage): Promise<StudyStore> {
  if (storage.kind === 'memory') return new MemoryStudyStore();
  if (storage.kind === 'sqlite') {
    const { openSqliteStore } = await import('./sqlite.js');
    return openSqliteStore(storage.target);
  }
  const { openPostgresStore } = await import('./postgres.js');
  return openPostgresStore(storage.target);
}
