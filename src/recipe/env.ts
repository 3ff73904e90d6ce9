/**
 * `${NAME}` expansion over the parsed recipe: one pass over string values, with a
 * blacklist and a mandatory `RECOTEM_RECIPE_` prefix so a recipe can never pull secrets or
 * arbitrary process state into a model. Messages name the variable, never its value.
 */
import type { DocumentPath } from './yaml.js';

const REFERENCE = /\$\{([^}]+)\}/g;
const REQUIRED_PREFIX = 'RECOTEM_RECIPE_';

const BLACKLIST_EXACT = new Set(['RECOTEM_SIGNING_KEYS', 'RECOTEM_API_KEYS']);
const BLACKLIST_PREFIXES = [
  'AWS_',
  'GCP_',
  'GOOGLE_',
  'AZURE_',
  'ALIYUN_',
  'ALICLOUD_',
  'OCI_',
  'IBM_',
  'DO_',
  'HCLOUD_',
  'DIGITALOCEAN_',
];
const BLACKLIST_SUBSTRINGS = ['SECRET', 'PASSWORD', 'PASSWD', 'TOKEN', 'KEY', 'AUTH', 'BEARER', 'CRED', 'PRIVATE'];

/** Keys whose whole subtree is copied verbatim wherever they appear (compared case-insensitively). */
const GLOBAL_NO_EXPAND = new Set(['query', 'query_parameters']);

/** True when a variable may never be referenced from a recipe (applied to the upper-cased name). */
export function isBlacklistedEnvName(name: string): boolean {
  const upper = name.toUpperCase();
  if (BLACKLIST_EXACT.has(upper)) return true;
  if (BLACKLIST_PREFIXES.some((p) => upper.startsWith(p))) return true;
  return BLACKLIST_SUBSTRINGS.some((s) => upper.includes(s));
}

export interface EnvExpansionOptions {
  /** Values given with `--env-var NAME=VALUE`; consulted before the process environment. */
  readonly envVars?: Readonly<Record<string, string>>;
  /** The process environment (defaults to `process.env`). */
  readonly env?: Readonly<Record<string, string | undefined>>;
  /** The source plugin's `noExpandFields`, applied inside the top-level `source` mapping. */
  readonly sourceNoExpandFields?: ReadonlySet<string>;
  /** Called for every reference whose value is the empty string. */
  readonly onEmpty?: (name: string, path: DocumentPath) => void;
  /** Raises the recipe error for a failed reference at `path`. */
  readonly fail: (message: string, path: DocumentPath) => never;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (typeof value !== 'object' || value === null) return false;
  const proto = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

function lookup(name: string, path: DocumentPath, opts: EnvExpansionOptions): string {
  if (isBlacklistedEnvName(name)) {
    opts.fail(`Environment variable '\${${name}}' is blacklisted and cannot be used in a recipe.`, path);
  }
  if (!name.toUpperCase().startsWith(REQUIRED_PREFIX)) {
    opts.fail(
      `Environment variable '\${${name}}' is not allowed in a recipe. ` +
        `Only variables with the prefix '${REQUIRED_PREFIX}' are expanded.`,
      path,
    );
  }
  const fromFlags = opts.envVars && Object.hasOwn(opts.envVars, name) ? opts.envVars[name] : undefined;
  const env = opts.env ?? process.env;
  const value = fromFlags ?? (Object.hasOwn(env, name) ? env[name] : undefined);
  if (value === undefined) {
    opts.fail(`Environment variable '\${${name}}' is referenced in the recipe but is not set.`, path);
  }
  if (value === '') opts.onEmpty?.(name, path);
  return value;
}

function expandString(text: string, path: DocumentPath, opts: EnvExpansionOptions): string {
  // String.replace scans once: substituted text is never re-examined.
  return text.replace(REFERENCE, (_match, name: string) => lookup(name, path, opts));
}

function expandValue(
  value: unknown,
  path: (string | number)[],
  skip: ReadonlySet<string>,
  opts: EnvExpansionOptions,
): unknown {
  if (typeof value === 'string') return expandString(value, path, opts);
  if (Array.isArray(value)) return value.map((item, i) => expandValue(item, [...path, i], skip, opts));
  if (isPlainObject(value)) {
    const out: Record<string, unknown> = {};
    for (const [key, child] of Object.entries(value)) {
      const lower = key.toLowerCase();
      const verbatim = GLOBAL_NO_EXPAND.has(lower) || skip.has(lower);
      // defineProperty keeps a literal "__proto__" key an ordinary entry.
      Object.defineProperty(out, key, {
        value: verbatim ? child : expandValue(child, [...path, key], skip, opts),
        enumerable: true,
        writable: true,
        configurable: true,
      });
    }
    return out;
  }
  return value;
}

/** Returns an expanded copy of the parsed document (the input is left untouched). */
export function expandRecipeEnv(document: Record<string, unknown>, opts: EnvExpansionOptions): Record<string, unknown> {
  const none = new Set<string>();
  const sourceSkip = new Set([...(opts.sourceNoExpandFields ?? [])].map((f) => f.toLowerCase()));
  const out: Record<string, unknown> = {};
  for (const [key, child] of Object.entries(document)) {
    const lower = key.toLowerCase();
    const expanded = GLOBAL_NO_EXPAND.has(lower)
      ? child
      : expandValue(child, [key], key === 'source' ? sourceSkip : none, opts);
    Object.defineProperty(out, key, { value: expanded, enumerable: true, writable: true, configurable: true });
  }
  return out;
}
