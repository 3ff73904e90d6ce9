/**
 * `--users FILE`: one id per line (blank lines skipped, surrounding whitespace trimmed, a UTF-8
 * byte-order mark ignored). Ids the model does not know are returned separately, in file order.
 */
import { readFile } from 'node:fs/promises';
import { ConfigError } from '../errors/index.js';

export interface IdSelection {
  /** Model indices of the known ids, in file order, duplicates removed. */
  known: Int32Array;
  /** Ids the model does not know, in file order, duplicates removed. */
  unknown: string[];
}

export async function readIdsFile(path: string): Promise<string[]> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    throw new ConfigError(`--users '${path}': ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
  }
  if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
  const ids: string[] = [];
  for (const line of text.split(/\r?\n/)) {
    const id = line.trim();
    if (id !== '') ids.push(id);
  }
  return ids;
}

export function selectIds(ids: readonly string[], index: ReadonlyMap<string, number>): IdSelection {
  const known: number[] = [];
  const unknown: string[] = [];
  const seen = new Set<string>();
  for (const id of ids) {
    if (seen.has(id)) continue;
    seen.add(id);
    const i = index.get(id);
    if (i === undefined) unknown.push(id);
    else known.push(i);
  }
  return { known: Int32Array.from(known), unknown };
}
