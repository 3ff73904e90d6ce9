/**
 * Argument-parser value checks. A failure here is a usage error (exit 2), raised before any
 * command body runs, like the original's Click types.
 */
import { statSync } from 'node:fs';
import { InvalidArgumentError } from 'commander';
import { parseFloatStrict, parseIntStrict } from '../config/index.js';

function statOrUndefined(path: string) {
  try {
    return statSync(path);
  } catch {
    return undefined;
  }
}

/** A path that must exist (file or directory). */
export function existingPath(value: string): string {
  if (!statOrUndefined(value)) throw new InvalidArgumentError(`Path '${value}' does not exist.`);
  return value;
}

/** A path that must exist and be a directory. */
export function existingDirectory(value: string): string {
  const st = statOrUndefined(value);
  if (!st) throw new InvalidArgumentError(`Directory '${value}' does not exist.`);
  if (!st.isDirectory()) throw new InvalidArgumentError(`Directory '${value}' is a file.`);
  return value;
}

/** A float (Python `float()` syntax, no NaN). */
export function floatValue(value: string): number {
  const n = parseFloatStrict(value);
  if (n === undefined) throw new InvalidArgumentError(`'${value}' is not a valid float.`);
  return n;
}

/** An integer (Python `int()` syntax). */
export function intValue(value: string): number {
  const n = parseIntStrict(value);
  if (n === undefined) throw new InvalidArgumentError(`'${value}' is not a valid integer.`);
  return n;
}

/** Repeatable option: every occurrence is kept, in order. */
export function collect(value: string, previous: string[] | undefined): string[] {
  return [...(previous ?? []), value];
}
