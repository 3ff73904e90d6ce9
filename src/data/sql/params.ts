/**
 * Named `:name` parameters → driver placeholders. A `:name` is a bind
 * parameter when not preceded by `:`, a word character or `\` and not followed by `:` (so `::int`
 * casts and `\:` escapes are left alone). String literals, quoted identifiers and comments are
 * copied untouched. Values are always bound, never interpolated.
 */
import { DataSourceError } from '../../errors/index.js';
import type { SqlDialect } from './dsn.js';

export interface TranslatedQuery {
  readonly text: string;
  /** Parameter names in placeholder order (`?` styles repeat a name per occurrence). */
  readonly order: readonly string[];
}

const WORD = /[\p{L}\p{N}_]/u;

/** Rewrites `sql` for `dialect`: `$1, $2…` (one per distinct name) for postgres, `?` otherwise. */
export function translateNamedParams(sql: string, dialect: SqlDialect): TranslatedQuery {
  const positional = dialect !== 'postgres';
  const mysqlLike = dialect === 'mysql' || dialect === 'mariadb';
  const order: string[] = [];
  const pgIndex = new Map<string, number>();
  let out = '';
  let i = 0;
  const n = sql.length;
  while (i < n) {
    const ch = sql[i];
    // Quoted text: '...' always; "..." and `...` identifiers (strings in MySQL); backslash escapes in MySQL.
    if (ch === "'" || ch === '"' || ch === '`') {
      const end = quotedEnd(sql, i, ch, mysqlLike);
      out += sql.slice(i, end);
      i = end;
      continue;
    }
    if (ch === '-' && sql[i + 1] === '-') {
      const end = lineEnd(sql, i);
      out += sql.slice(i, end);
      i = end;
      continue;
    }
    if (ch === '#' && mysqlLike) {
      const end = lineEnd(sql, i);
      out += sql.slice(i, end);
      i = end;
      continue;
    }
    if (ch === '/' && sql[i + 1] === '*') {
      const close = sql.indexOf('*/', i + 2);
      const end = close < 0 ? n : close + 2;
      out += sql.slice(i, end);
      i = end;
      continue;
    }
    if (ch === '$' && dialect === 'postgres') {
      const tag = /^\$([A-Za-z_][A-Za-z0-9_]*)?\$/.exec(sql.slice(i));
      if (tag && !(i > 0 && WORD.test(sql[i - 1]))) {
        const close = sql.indexOf(tag[0], i + tag[0].length);
        const end = close < 0 ? n : close + tag[0].length;
        out += sql.slice(i, end);
        i = end;
        continue;
      }
    }
    if (ch === '\\' && sql[i + 1] === ':') {
      out += ':';
      i += 2;
      continue;
    }
    if (ch === ':') {
      const prev = i > 0 ? sql[i - 1] : '';
      const name = /^:([\p{L}\p{N}_]+)/u.exec(sql.slice(i));
      if (name && prev !== ':' && prev !== '\\' && !WORD.test(prev) && sql[i + name[0].length] !== ':') {
        const key = name[1];
        if (positional) {
          out += '?';
          order.push(key);
        } else {
          let k = pgIndex.get(key);
          if (k === undefined) {
            order.push(key);
            k = order.length;
            pgIndex.set(key, k);
          }
          out += `$${k}`;
        }
        i += name[0].length;
        continue;
      }
    }
    out += ch;
    i++;
  }
  return { text: out, order };
}

function quotedEnd(sql: string, start: number, quote: string, backslashEscapes: boolean): number {
  let i = start + 1;
  while (i < sql.length) {
    const c = sql[i];
    if (backslashEscapes && c === '\\' && quote !== '`') {
      i += 2;
      continue;
    }
    if (c === quote) {
      if (sql[i + 1] === quote) {
        i += 2;
        continue;
      }
      return i + 1;
    }
    i++;
  }
  return sql.length;
}

function lineEnd(sql: string, start: number): number {
  const nl = sql.indexOf('\n', start);
  return nl < 0 ? sql.length : nl;
}

export type BindValue = string | number | boolean;

/**
 * Values in placeholder order. Every placeholder needs a value and every given value must be used
 * (both mistakes are DataSourceErrors).
 */
export function bindValues(query: TranslatedQuery, params: Readonly<Record<string, unknown>>): BindValue[] {
  const used = new Set(query.order);
  for (const key of Object.keys(params)) {
    if (!used.has(key)) {
      throw new DataSourceError(`query_parameters key '${key}' does not appear as ':${key}' in the query`);
    }
  }
  return query.order.map((name) => {
    if (!Object.hasOwn(params, name)) {
      throw new DataSourceError(`query parameter ':${name}' has no value in query_parameters`);
    }
    const v = params[name];
    if (typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean') return v;
    if (v !== null && typeof v === 'object' && typeof (v as { valueOf(): unknown }).valueOf() === 'number') {
      return (v as { valueOf(): number }).valueOf(); // YAML float like 5.0
    }
    throw new DataSourceError(`query parameter ':${name}' must be a string, integer, float or boolean`);
  });
}
