/**
 * The ml-latest-small split behind the reference figures: train and test matrices
 * from split_seed42.csv, users in order of first appearance in ratings.csv, items in CPython
 * `set` order of ratings.csv's movie ids, every interaction worth 1.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { type CsrMatrix, csrFromCoo } from '../../src/linalg/csr.js';
import { pythonSetOrder } from './python-set-order.js';

export interface ReferenceSplit {
  train: CsrMatrix;
  test: CsrMatrix;
}

function readRows(path: string): string[][] {
  const text = readFileSync(path, 'utf8');
  const lines = text.split('\n');
  const out: string[][] = [];
  for (let i = 1; i < lines.length; i++) {
    const line = lines[i].trim();
    if (line !== '') out.push(line.split(','));
  }
  return out;
}

export function loadReferenceSplit(dataDir: string): ReferenceSplit {
  const ratings = readRows(join(dataDir, 'ratings.csv'));
  const userIndex = new Map<number, number>();
  for (const r of ratings) {
    const u = Number(r[0]);
    if (!userIndex.has(u)) userIndex.set(u, userIndex.size);
  }
  const itemOrder = pythonSetOrder(ratings.map((r) => Number(r[1])));
  const itemIndex = new Map<number, number>(itemOrder.map((id, i) => [id, i]));
  const parts = {
    train: { rows: [] as number[], cols: [] as number[] },
    test: { rows: [] as number[], cols: [] as number[] },
  };
  for (const [user, item, part] of readRows(join(dataDir, 'split_seed42.csv'))) {
    const u = userIndex.get(Number(user));
    const i = itemIndex.get(Number(item));
    if (u === undefined || i === undefined) throw new Error(`split row (${user}, ${item}) is not in ratings.csv`);
    const target = part === 'train' ? parts.train : part === 'test' ? parts.test : null;
    if (target === null) throw new Error(`split row (${user}, ${item}) has part '${part}'`);
    target.rows.push(u);
    target.cols.push(i);
  }
  const U = userIndex.size;
  const I = itemOrder.length;
  return {
    train: csrFromCoo(U, I, parts.train.rows, parts.train.cols),
    test: csrFromCoo(U, I, parts.test.rows, parts.test.cols),
  };
}
