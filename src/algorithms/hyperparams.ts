/**
 * Typed reads of hyper-parameters from a recipe/search `Params` object. A wrong type or value is a
 * TrainingError naming the algorithm and the parameter.
 */
import { TrainingError } from '../errors/index.js';
import type { Params } from './types.js';

function bad(algorithm: string, name: string, what: string): TrainingError {
  return new TrainingError(`${algorithm}: parameter '${name}' ${what}`, 'invalid_parameter');
}

export function readNumber(
  params: Params,
  algorithm: string,
  name: string,
  fallback: number,
  opts: { min?: number; max?: number; integer?: boolean; minExclusive?: boolean } = {},
): number {
  const raw = params[name];
  if (raw === undefined || raw === null) return fallback;
  const v = typeof raw === 'string' && raw.trim() !== '' ? Number(raw) : raw;
  if (typeof v !== 'number' || !Number.isFinite(v))
    throw bad(algorithm, name, `must be a finite number, got ${JSON.stringify(raw)}`);
  if (opts.integer && !Number.isInteger(v)) throw bad(algorithm, name, `must be an integer, got ${v}`);
  if (opts.min !== undefined && (opts.minExclusive ? v <= opts.min : v < opts.min)) {
    throw bad(algorithm, name, `must be ${opts.minExclusive ? '>' : '>='} ${opts.min}, got ${v}`);
  }
  if (opts.max !== undefined && v > opts.max) throw bad(algorithm, name, `must be <= ${opts.max}, got ${v}`);
  return v;
}

/** An optional positive integer where null means "no limit". */
export function readOptionalInt(params: Params, algorithm: string, name: string, min: number): number | null {
  const raw = params[name];
  if (raw === undefined || raw === null) return null;
  return readNumber(params, algorithm, name, 0, { integer: true, min });
}

export function readBoolean(params: Params, algorithm: string, name: string, fallback: boolean): boolean {
  const raw = params[name];
  if (raw === undefined || raw === null) return fallback;
  if (typeof raw === 'boolean') return raw;
  if (raw === 'true' || raw === 'True') return true;
  if (raw === 'false' || raw === 'False') return false;
  throw bad(algorithm, name, `must be true or false, got ${JSON.stringify(raw)}`);
}

export function readChoice<T extends string>(
  params: Params,
  algorithm: string,
  name: string,
  choices: readonly T[],
  fallback: T,
): T {
  const raw = params[name];
  if (raw === undefined || raw === null) return fallback;
  const s = String(raw).toUpperCase();
  const hit = choices.find((c) => c.toUpperCase() === s);
  if (hit === undefined) throw bad(algorithm, name, `must be one of ${choices.join(', ')}, got ${JSON.stringify(raw)}`);
  return hit;
}
