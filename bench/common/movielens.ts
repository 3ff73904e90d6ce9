/**
 * Loader for the fixed ml-latest-small split (`split_seed42.csv`: user,item,part
 * with part = train | test). Users and items are indexed in order of first appearance in the file;
 * every row is an implicit interaction of value 1.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { type CsrMatrix, csrFromCoo } from '../../src/linalg/csr.js';

export const DEFAULT_SPLIT_PATH = fileURLToPath(
  new URL('../../../shared/data/ml-latest-small/split_seed42.csv', import.meta.url),
);

export interface MovielensSplit {
  /** users × items training interactions */
  train: CsrMatrix;
  /** users × items held-out interactions (ground truth), same row and column order */
  test: CsrMatrix;
  userIds: string[];
  itemIds: string[];
}

export function loadMovielensSplit(path: string = DEFAULT_SPLIT_PATH): MovielensSplit {
  const text = readFileSync(path, 'utf8');
  const lines = text.split(/\r?\n/);
  const header = lines[0].split(',');
  const ui = header.indexOf('user');
  const ii = header.indexOf('item');
  const pi = header.indexOf('part');
  if (ui < 0 || ii < 0 || pi < 0) throw new Error(`${path}: expected columns user,item,part, got ${lines[0]}`);
  const userIndex = new Map<string, number>();
  const itemIndex = new Map<string, number>();
  const tr = { r: [] as number[], c: [] as number[] };
  const te = { r: [] as number[], c: [] as number[] };
  for (let n = 1; n < lines.length; n++) {
    const line = lines[n];
    if (line === '') continue;
    const f = line.split(',');
    let u = userIndex.get(f[ui]);
    if (u === undefined) {
      u = userIndex.size;
      userIndex.set(f[ui], u);
    }
    let i = itemIndex.get(f[ii]);
    if (i === undefined) {
      i = itemIndex.size;
      itemIndex.set(f[ii], i);
    }
    const part = f[pi];
    const dst = part === 'train' ? tr : part === 'test' ? te : null;
    if (!dst) throw new Error(`${path}:${n + 1}: part must be train or test, got '${part}'`);
    dst.r.push(u);
    dst.c.push(i);
  }
  const U = userIndex.size;
  const I = itemIndex.size;
  const ones = (k: number) => new Float32Array(k).fill(1);
  return {
    train: csrFromCoo(U, I, tr.r, tr.c, ones(tr.r.length)),
    test: csrFromCoo(U, I, te.r, te.c, ones(te.r.length)),
    userIds: [...userIndex.keys()],
    itemIds: [...itemIndex.keys()],
  };
}
