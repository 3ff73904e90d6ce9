/**
 * Parsing rules shared by every RECOTEM_* variable:
 * truthy flags, CSV lists, clamped integers and floats with their warning events.
 */
import { ConfigError } from '../errors/index.js';
import { getLogger } from '../log/index.js';

/** The environment as read by config functions; `process.env` satisfies it. */
export type Env = Readonly<Record<string, string | undefined>>;

const log = getLogger('recotem.config');

const TRUTHY = new Set(['1', 'true', 'yes', 'on']);

/** `1`, `true`, `yes`, `on` (trimmed, case-insensitive); anything else, unset included, is false. */
export function isTruthy(raw: string | undefined | null): boolean {
  return typeof raw === 'string' && TRUTHY.has(raw.trim().toLowerCase());
}

/** Split on `,`, trim, drop empty parts; an empty result means `fallback`. */
export function parseCsvList(raw: string | undefined | null, fallback: readonly string[] = []): string[] {
  const parts = (raw ?? '')
    .split(',')
    .map((p) => p.trim())
    .filter((p) => p.length > 0);
  return parts.length > 0 ? parts : [...fallback];
}

const INT_SYNTAX = /^[+-]?\d+(?:_\d+)*$/;
const FLOAT_SYNTAX = /^[+-]?(?:\d+(?:_\d+)*(?:\.(?:\d+(?:_\d+)*)?)?|\.\d+(?:_\d+)*)(?:[eE][+-]?\d+(?:_\d+)*)?$/;
const INFINITY_SYNTAX = /^[+-]?inf(?:inity)?$/i;

/**
 * Integer syntax of the original (Python `int()`): surrounding whitespace, a sign and `_` between
 * digits are accepted; `1.5`, `1e3`, `0x10` and `""` are not. Returns undefined when unparseable.
 */
export function parseIntStrict(raw: string): number | undefined {
  const text = raw.trim();
  if (!INT_SYNTAX.test(text)) return undefined;
  return Number(text.replaceAll('_', ''));
}

/** Float syntax of the original (Python `float()`), without NaN. Returns undefined when unparseable. */
export function parseFloatStrict(raw: string): number | undefined {
  const text = raw.trim();
  if (INFINITY_SYNTAX.test(text)) return text.startsWith('-') ? Number.NEGATIVE_INFINITY : Number.POSITIVE_INFINITY;
  if (!FLOAT_SYNTAX.test(text)) return undefined;
  return Number(text.replaceAll('_', ''));
}

function clampWithWarning(name: string, requested: number, lo: number, hi: number): number {
  const clamped = Math.min(Math.max(requested, lo), hi);
  if (clamped !== requested) log.warn('env_var_clamped', { name, requested, clamped, lo, hi });
  return clamped;
}

/**
 * Clamped-integer rule: unset or empty → `fallback` silently; not an integer → `fallback` plus
 * WARN `env_var_unparseable {name, raw, fallback}`; outside [lo, hi] → clamped plus WARN
 * `env_var_clamped {name, requested, clamped, lo, hi}`.
 */
export function parseClampedInt(env: Env, name: string, fallback: number, lo: number, hi: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = parseIntStrict(raw);
  if (value === undefined) {
    log.warn('env_var_unparseable', { name, raw, fallback });
    return fallback;
  }
  return clampWithWarning(name, value, lo, hi);
}

/**
 * Clamped float whose unparseable values are configuration errors (RECOTEM_WATCH_INTERVAL).
 * Out-of-range values are clamped with the same `env_var_clamped` warning as integers.
 */
export function parseClampedFloatOrThrow(env: Env, name: string, fallback: number, lo: number, hi: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = parseFloatStrict(raw);
  if (value === undefined) throw new ConfigError(`${name} must be a number of seconds, got ${quoteForMessage(raw)}`);
  return clampWithWarning(name, value, lo, hi);
}

/** Trimmed value, or `fallback` when unset or blank. */
export function readTrimmed(env: Env, name: string, fallback = ''): string {
  const raw = env[name];
  if (raw === undefined) return fallback;
  const text = raw.trim();
  return text.length > 0 ? text : fallback;
}

/** A short, quoted rendering of a non-secret env value for error messages. */
export function quoteForMessage(raw: string): string {
  const cut = raw.length > 40 ? `${raw.slice(0, 40)}...` : raw;
  return `'${cut}'`;
}
