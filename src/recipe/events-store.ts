/**
 * Where a recipe's events live (`events.store`):
 *
 * | value                                   | store |
 * |-----------------------------------------|-------|
 * | absent / null                           | SQLite file `<output dir>/<name>.events.db` (local `output.path` only) |
 * | `postgresql://host[:port]/db` (`postgres://`) | PostgreSQL; credentials from PGUSER/PGPASSWORD, PGPASSFILE or ~/.pgpass |
 * | `sqlite:///rel.db`, `sqlite:////abs.db` | SQLite file |
 * | a plain path                            | SQLite file |
 *
 * A URL that embeds a user or password is refused, so a secret never sits in a recipe.
 */
import { basename, dirname, isAbsolute, join, resolve } from 'node:path';
import { RecipeError } from '../errors/index.js';
import { localPathOf, splitUrl } from './paths.js';

export type EventStoreLocation = { kind: 'sqlite'; path: string } | { kind: 'postgresql'; url: string };

export const EVENT_STORE_CREDENTIALS =
  'events.store must not embed credentials (user:pass@host); use PGPASSWORD, PGPASSFILE or ~/.pgpass instead.';

const SUPPORTED = 'postgresql://<host>[:port]/<database>, sqlite:///<path>, or a plain file path';

type Parsed = { ok: true; location: EventStoreLocation } | { ok: false; problem: string };

function parse(store: string | null, name: string, outputPath: string, cwd: string): Parsed {
  const value = (store ?? '').trim();
  if (value === '') {
    const local = localPathOf(outputPath);
    if (local === undefined) {
      return {
        ok: false,
        problem:
          'events.store must be set when output.path is not a local path (the default store is a SQLite file next to the artifact).',
      };
    }
    const dir = dirname(resolve(cwd, local));
    return { ok: true, location: { kind: 'sqlite', path: join(dir, `${basename(name)}.events.db`) } };
  }
  if (!value.includes('://')) return { ok: true, location: { kind: 'sqlite', path: resolve(cwd, value) } };
  const url = splitUrl(value);
  const base = url.scheme.split('+', 1)[0];
  if (url.netloc.includes('@')) return { ok: false, problem: EVENT_STORE_CREDENTIALS };
  if (base === 'postgresql' || base === 'postgres') {
    if (url.netloc === '' && !url.path.startsWith('/')) return { ok: false, problem: `events.store: ${SUPPORTED}.` };
    return { ok: true, location: { kind: 'postgresql', url: value.replace(/^[^:]+:\/\//, 'postgresql://') } };
  }
  if (base === 'sqlite') {
    const path = value.slice(value.indexOf('://') + 3);
    if (!path.startsWith('/') || path.length < 2) {
      return {
        ok: false,
        problem: `events.store '${value.slice(0, 80)}' is not a valid SQLite URL; use ${SUPPORTED}.`,
      };
    }
    const file = decodeURIComponent(path.slice(1).split('?', 1)[0]);
    return { ok: true, location: { kind: 'sqlite', path: isAbsolute(file) ? file : resolve(cwd, file) } };
  }
  return { ok: false, problem: `events.store scheme '${url.scheme}://' is not supported. Supported: ${SUPPORTED}.` };
}

/** The message for an unusable `events.store`, or null when it names a store. */
export function eventStoreProblem(store: string | null, outputPath: string): string | null {
  const parsed = parse(store, 'recipe', outputPath, process.cwd());
  return parsed.ok ? null : parsed.problem;
}

/** The store of a validated recipe (relative paths against `cwd`). */
export function resolveEventStore(
  recipe: { name: string; output: { path: string }; events: { store: string | null } | null },
  cwd: string = process.cwd(),
): EventStoreLocation {
  const parsed = parse(recipe.events?.store ?? null, recipe.name, recipe.output.path, cwd);
  if (!parsed.ok) throw new RecipeError(parsed.problem, { category: 'schema' });
  return parsed.location;
}
