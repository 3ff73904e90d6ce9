/**
 * Validation splits for the hyper-parameter search.
 *
 * Input rows are in source order with user/item indices into the sorted id tables. The output
 * matrices share the sorted item index space, so a split is identical for the same data, recipe and
 * seed in every process.
 */
import { SplitError } from '../errors/index.js';
import { type CsrMatrix, csrFromCoo, nnz } from '../linalg/csr.js';

export interface SplitInput {
  readonly nRows: number;
  readonly nUsers: number;
  readonly nItems: number;
  readonly userIndex: Int32Array;
  readonly itemIndex: Int32Array;
  /** UTC epoch milliseconds per row, or null when no time column is configured or present. */
  readonly timeMs: Float64Array | null;
}

export interface SplitOptions {
  scheme: 'random' | 'time_user' | 'time_global';
  heldoutRatio: number;
  testUserRatio: number;
  /** A seeded uniform generator in [0, 1). */
  random: () => number;
  /** Time column name, for messages. */
  timeColumn?: string | null;
}

export interface SplitResult {
  /** The matrix every trial trains on (users × items). */
  search: CsrMatrix;
  /** Held-out rows of the validation users, aligned with rows `valOffset…` of `search`. */
  groundTruth: CsrMatrix;
  /** Row of `search` holding the first validation user. */
  valOffset: number;
  /** Original user index of each row of `search`. */
  rowUsers: Int32Array;
}

export function splitInteractions(input: SplitInput, opts: SplitOptions): SplitResult {
  if (opts.scheme !== 'random' && input.timeMs === null) {
    throw new SplitError(
      `split failed: training.split.scheme='${opts.scheme}' needs the time column${opts.timeColumn ? ` '${opts.timeColumn}'` : ''}, which is missing from the data.`,
    );
  }
  const result = opts.scheme === 'time_global' ? splitTimeGlobal(input, opts) : splitPartialUser(input, opts);
  if (nnz(result.groundTruth) === 0) {
    throw new SplitError(
      'Split produced an empty held-out test set. Try reducing heldout_ratio or increasing the dataset size.',
    );
  }
  return result;
}

/** Coordinate lists with a known upper bound on their length. */
class CooBuilder {
  private readonly rows: Int32Array;
  private readonly cols: Int32Array;
  private n = 0;
  constructor(capacity: number) {
    this.rows = new Int32Array(capacity);
    this.cols = new Int32Array(capacity);
  }
  push(row: number, col: number): void {
    this.rows[this.n] = row;
    this.cols[this.n++] = col;
  }
  build(nRows: number, nCols: number): CsrMatrix {
    return csrFromCoo(nRows, nCols, this.rows.subarray(0, this.n), this.cols.subarray(0, this.n));
  }
}

function shuffleInPlace(arr: Int32Array | number[], random: () => number): void {
  for (let i = arr.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    const t = arr[i];
    arr[i] = arr[j];
    arr[j] = t;
  }
}

/** Rows grouped by user, keeping source order within a user (counting sort). */
function groupRowsByUser(
  userIndex: Int32Array,
  rows: Int32Array,
  nUsers: number,
): { start: Int32Array; rows: Int32Array } {
  const start = new Int32Array(nUsers + 1);
  for (const r of rows) start[userIndex[r] + 1]++;
  for (let u = 0; u < nUsers; u++) start[u + 1] += start[u];
  const next = start.slice(0, nUsers);
  const out = new Int32Array(rows.length);
  for (const r of rows) out[next[userIndex[r]]++] = r;
  return { start, rows: out };
}

/** Rows with the first occurrence of each (user, item) pair, in source order. */
function firstOccurrenceRows(input: SplitInput): Int32Array {
  const byUser = groupRowsByUser(input.userIndex, identityRows(input.nRows), input.nUsers);
  const keep = new Uint8Array(input.nRows);
  const lastSeen = new Int32Array(input.nItems).fill(-1);
  for (let u = 0; u < input.nUsers; u++) {
    for (let k = byUser.start[u]; k < byUser.start[u + 1]; k++) {
      const r = byUser.rows[k];
      const item = input.itemIndex[r];
      if (lastSeen[item] !== u) {
        lastSeen[item] = u;
        keep[r] = 1;
      }
    }
  }
  let n = 0;
  for (let r = 0; r < input.nRows; r++) n += keep[r];
  const out = new Int32Array(n);
  for (let r = 0, j = 0; r < input.nRows; r++) if (keep[r]) out[j++] = r;
  return out;
}

function identityRows(n: number): Int32Array {
  const rows = new Int32Array(n);
  for (let i = 0; i < n; i++) rows[i] = i;
  return rows;
}

/** `random` and `time_user`: hold out part of each validation user's interactions. */
function splitPartialUser(input: SplitInput, opts: SplitOptions): SplitResult {
  // Users in order of first appearance.
  const seenUser = new Uint8Array(input.nUsers);
  const users: number[] = [];
  for (let r = 0; r < input.nRows; r++) {
    const u = input.userIndex[r];
    if (!seenUser[u]) {
      seenUser[u] = 1;
      users.push(u);
    }
  }
  const nVal = Math.floor(users.length * opts.testUserRatio);
  const rows = firstOccurrenceRows(input);
  shuffleInPlace(users, opts.random);
  const grouped = groupRowsByUser(input.userIndex, rows, input.nUsers);

  const search = new CooBuilder(rows.length);
  const gt = new CooBuilder(rows.length);
  const nTrain = users.length - nVal;
  const rowUsers = new Int32Array(users.length);
  // Train-only users first, then validation users, both in shuffled order.
  const ordered = users.slice(nVal).concat(users.slice(0, nVal));
  for (let row = 0; row < ordered.length; row++) {
    const u = ordered[row];
    rowUsers[row] = u;
    const begin = grouped.start[u];
    const end = grouped.start[u + 1];
    const userRows = grouped.rows.subarray(begin, end);
    if (row < nTrain) {
      for (const r of userRows) search.push(row, input.itemIndex[r]);
      continue;
    }
    const nHeld = Math.floor(userRows.length * opts.heldoutRatio);
    const order = Int32Array.from(userRows);
    if (opts.scheme === 'time_user') {
      // Most recent last; ties keep source order (the rows are in source order already).
      const time = input.timeMs as Float64Array;
      const idx = Array.from(order.keys()).sort((a, b) => time[order[a]] - time[order[b]] || a - b);
      const sorted = idx.map((i) => order[i]);
      order.set(sorted);
    } else {
      shuffleInPlace(order, opts.random);
    }
    const cut = order.length - nHeld;
    for (let k = 0; k < order.length; k++) {
      const item = input.itemIndex[order[k]];
      if (k < cut) search.push(row, item);
      else gt.push(row - nTrain, item);
    }
  }
  return {
    search: search.build(users.length, input.nItems),
    groundTruth: gt.build(nVal, input.nItems),
    valOffset: nTrain,
    rowUsers,
  };
}

/** Linear-interpolation quantile of sorted values (numpy's default). */
function quantileSorted(sorted: Float64Array, q: number): number {
  const pos = (sorted.length - 1) * q;
  const lo = Math.floor(pos);
  const hi = Math.ceil(pos);
  return sorted[lo] + (sorted[hi] - sorted[lo]) * (pos - lo);
}

/** `time_global`: everything at or after one global cut-off time is held out. */
function splitTimeGlobal(input: SplitInput, opts: SplitOptions): SplitResult {
  if (input.nRows === 0) {
    throw new SplitError('time_global split requires at least one interaction; got an empty DataFrame.');
  }
  const time = input.timeMs as Float64Array;
  const sorted = Float64Array.from(time).sort();
  const cutoff = quantileSorted(sorted, 1 - opts.heldoutRatio);
  const flagged = new Uint8Array(input.nUsers);
  let anyFlagged = false;
  for (let r = 0; r < input.nRows; r++) {
    if (time[r] >= cutoff) {
      flagged[input.userIndex[r]] = 1;
      anyFlagged = true;
    }
  }
  if (!anyFlagged) {
    throw new SplitError(
      `time_global split produced no held-out interactions at cutoff=${new Date(cutoff).toISOString()}; check heldout_ratio and time_column values.`,
    );
  }
  const validatable: number[] = [];
  for (let u = 0; u < input.nUsers; u++) if (flagged[u]) validatable.push(u);
  const isVal = new Uint8Array(input.nUsers);
  if (opts.testUserRatio >= 1) {
    for (const u of validatable) isVal[u] = 1;
  } else {
    const shuffled = validatable.slice();
    shuffleInPlace(shuffled, opts.random);
    const nTrainValidatable = Math.floor((1 - opts.testUserRatio) * shuffled.length);
    for (let k = nTrainValidatable; k < shuffled.length; k++) isVal[shuffled[k]] = 1;
  }
  // Users present in the data, sorted within each block.
  const present = new Uint8Array(input.nUsers);
  for (let r = 0; r < input.nRows; r++) present[input.userIndex[r]] = 1;
  const trainUsers: number[] = [];
  const valUsers: number[] = [];
  for (let u = 0; u < input.nUsers; u++) {
    if (!present[u]) continue;
    if (isVal[u]) valUsers.push(u);
    else trainUsers.push(u);
  }
  const rowOf = new Int32Array(input.nUsers).fill(-1);
  const rowUsers = new Int32Array(trainUsers.length + valUsers.length);
  trainUsers.forEach((u, i) => {
    rowOf[u] = i;
    rowUsers[i] = u;
  });
  valUsers.forEach((u, i) => {
    rowOf[u] = trainUsers.length + i;
    rowUsers[trainUsers.length + i] = u;
  });
  const search = new CooBuilder(input.nRows);
  const gt = new CooBuilder(input.nRows);
  for (let r = 0; r < input.nRows; r++) {
    const u = input.userIndex[r];
    const row = rowOf[u];
    if (isVal[u] && time[r] >= cutoff) gt.push(row - trainUsers.length, input.itemIndex[r]);
    else search.push(row, input.itemIndex[r]);
  }
  return {
    search: search.build(rowUsers.length, input.nItems),
    groundTruth: gt.build(valUsers.length, input.nItems),
    valOffset: trainUsers.length,
    rowUsers,
  };
}
