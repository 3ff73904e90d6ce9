/**
 * Scoring, fold-in and explanations for item-item models (`score = x · W`), for a sparse W
 * (CosineKNN, RP3beta) and a dense W (DenseSLIM). Sums run in float64 and are rounded once into the
 * float32 output so ties between candidates are decided the same way on every path.
 */
import { ArtifactError, TrainingError } from '../errors/index.js';
import type { CsrMatrix } from '../linalg/csr.js';
import type { ItemContribution, NdArray, SavedModel } from './types.js';

/** Either a sparse CSR weight matrix or a dense row-major nItems × nItems one. */
export type ItemWeights = { kind: 'sparse'; W: CsrMatrix } | { kind: 'dense'; n: number; W: Float32Array };

/** Add `x · W[a,:]` into `acc` for every (a, x) of a sparse profile. */
function accumulate(
  weights: ItemWeights,
  profileItems: ArrayLike<number>,
  profileValues: ArrayLike<number> | undefined,
  from: number,
  to: number,
  acc: Float64Array,
): void {
  if (weights.kind === 'sparse') {
    const { indptr, indices, data } = weights.W;
    for (let p = from; p < to; p++) {
      const a = profileItems[p];
      const x = profileValues === undefined ? 1 : profileValues[p];
      for (let q = indptr[a]; q < indptr[a + 1]; q++) acc[indices[q]] += x * data[q];
    }
    return;
  }
  const { n, W } = weights;
  let p = from;
  // Four rows of W per pass over acc: a quarter of the accumulator traffic.
  for (; p + 3 < to; p += 4) {
    const x0 = profileValues === undefined ? 1 : profileValues[p];
    const x1 = profileValues === undefined ? 1 : profileValues[p + 1];
    const x2 = profileValues === undefined ? 1 : profileValues[p + 2];
    const x3 = profileValues === undefined ? 1 : profileValues[p + 3];
    const b0 = profileItems[p] * n;
    const b1 = profileItems[p + 1] * n;
    const b2 = profileItems[p + 2] * n;
    const b3 = profileItems[p + 3] * n;
    for (let j = 0; j < n; j++) acc[j] += x0 * W[b0 + j] + x1 * W[b1 + j] + x2 * W[b2 + j] + x3 * W[b3 + j];
  }
  for (; p < to; p++) {
    const x = profileValues === undefined ? 1 : profileValues[p];
    const base = profileItems[p] * n;
    for (let j = 0; j < n; j++) acc[j] += x * W[base + j];
  }
}

/** Scores of known users: row u of `seen` times W, written row-major into `out`. */
export function scoreKnownUsers(weights: ItemWeights, seen: CsrMatrix, users: Int32Array, out: Float32Array): void {
  const nItems = seen.cols;
  if (out.length < users.length * nItems) {
    throw new RangeError(`scoreUsers: output holds ${out.length} values, needs ${users.length * nItems}`);
  }
  const acc = new Float64Array(nItems);
  for (let r = 0; r < users.length; r++) {
    const u = users[r];
    if (u < 0 || u >= seen.rows) throw new RangeError(`scoreUsers: user index ${u} out of range [0, ${seen.rows})`);
    acc.fill(0);
    accumulate(weights, seen.indices, seen.data, seen.indptr[u], seen.indptr[u + 1], acc);
    out.set(acc, r * nItems);
  }
}

/** Fold-in: `x · W` for an arbitrary history (duplicate items add up). */
export function scoreProfile(
  weights: ItemWeights,
  nItems: number,
  items: Int32Array,
  itemWeights?: Float32Array,
): Float32Array {
  if (itemWeights !== undefined && itemWeights.length !== items.length) {
    throw new RangeError('scoreHistory: items and weights differ in length');
  }
  for (let p = 0; p < items.length; p++) {
    if (items[p] < 0 || items[p] >= nItems) {
      throw new RangeError(`scoreHistory: item index ${items[p]} out of range [0, ${nItems})`);
    }
  }
  const acc = new Float64Array(nItems);
  accumulate(weights, items, itemWeights, 0, items.length, acc);
  return Float32Array.from(acc);
}

function weightAt(weights: ItemWeights, a: number, j: number): number {
  if (weights.kind === 'dense') return weights.W[a * weights.n + j];
  const { indptr, indices, data } = weights.W;
  let lo = indptr[a];
  let hi = indptr[a + 1] - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    const c = indices[mid];
    if (c === j) return data[mid];
    if (c < j) lo = mid + 1;
    else hi = mid - 1;
  }
  return 0;
}

/** History items ranked by their contribution W[a, item] (times multiplicity) to `item`'s score. */
export function explainItem(
  weights: ItemWeights,
  nItems: number,
  history: Int32Array,
  item: number,
  k: number,
): ItemContribution[] {
  if (item < 0 || item >= nItems) throw new RangeError(`explain: item index ${item} out of range [0, ${nItems})`);
  const multiplicity = new Map<number, number>();
  for (let p = 0; p < history.length; p++) {
    const a = history[p];
    if (a < 0 || a >= nItems) throw new RangeError(`explain: history item ${a} out of range [0, ${nItems})`);
    multiplicity.set(a, (multiplicity.get(a) ?? 0) + 1);
  }
  const out: ItemContribution[] = [];
  for (const [a, m] of multiplicity) {
    const w = weightAt(weights, a, item) * m;
    if (w !== 0) out.push({ itemIndex: a, weight: w });
  }
  out.sort((x, y) => y.weight - x.weight || x.itemIndex - y.itemIndex);
  return out.slice(0, Math.max(0, k));
}

/** Saved arrays of a sparse W (`W.indptr`, `W.indices`, `W.data`). */
export function sparseWeightArrays(W: CsrMatrix): Record<string, NdArray> {
  return {
    'W.indptr': { dtype: 'int32', shape: [W.rows + 1], data: W.indptr },
    'W.indices': { dtype: 'int32', shape: [W.indptr[W.rows]], data: W.indices },
    'W.data': { dtype: 'float32', shape: [W.indptr[W.rows]], data: W.data },
  };
}

function need(saved: SavedModel, name: string): NdArray {
  const a = saved.arrays[name];
  if (a === undefined) throw new ArtifactError(`${saved.algorithm}: saved model lacks array '${name}'`, 'deserialize');
  return a;
}

/** An index array as int32 (int64/uint32 accepted when every value fits), else null. */
function asInt32(a: NdArray['data']): Int32Array | null {
  if (a instanceof Int32Array) return a;
  if (a instanceof BigInt64Array || a instanceof Uint32Array) {
    const out = new Int32Array(a.length);
    for (let i = 0; i < a.length; i++) {
      const v = Number(a[i]);
      if (v > 0x7fffffff || v < 0) return null;
      out[i] = v;
    }
    return out;
  }
  return null;
}

/** Rebuild and validate a sparse nItems × nItems W from saved arrays. */
export function loadSparseWeights(saved: SavedModel, nItems: number): CsrMatrix {
  const fail = (what: string) => new ArtifactError(`${saved.algorithm}: W ${what}`, 'deserialize');
  const indptr = asInt32(need(saved, 'W.indptr').data);
  const indices = asInt32(need(saved, 'W.indices').data);
  const data = need(saved, 'W.data').data;
  if (indptr === null || indices === null)
    throw fail('index arrays must be int32 (or int64/uint32 within int32 range)');
  const values = data instanceof Float32Array ? data : data instanceof Float64Array ? Float32Array.from(data) : null;
  if (values === null) throw fail('data must be float32 or float64');
  if (indptr.length !== nItems + 1 || indptr[0] !== 0)
    throw fail(`indptr must have ${nItems + 1} entries starting at 0`);
  const total = indptr[nItems];
  if (indices.length !== total || values.length !== total) throw fail('indices/data length differs from indptr');
  for (let r = 0; r < nItems; r++) {
    if (indptr[r + 1] < indptr[r]) throw fail('indptr must be non-decreasing');
    for (let p = indptr[r]; p < indptr[r + 1]; p++) {
      const c = indices[p];
      if (c < 0 || c >= nItems || (p > indptr[r] && c <= indices[p - 1])) throw fail(`row ${r} has bad column ${c}`);
      if (!Number.isFinite(values[p])) throw fail(`row ${r} has a non-finite value`);
    }
  }
  return { rows: nItems, cols: nItems, indptr, indices, data: values };
}

/** Rebuild and validate a dense nItems × nItems W. */
export function loadDenseWeights(saved: SavedModel, nItems: number): Float32Array {
  const arr = need(saved, 'W');
  if (arr.shape.length !== 2 || arr.shape[0] !== nItems || arr.shape[1] !== nItems) {
    throw new ArtifactError(`${saved.algorithm}: W must have shape [${nItems}, ${nItems}]`, 'deserialize');
  }
  const d = arr.data;
  const W = d instanceof Float32Array ? d : d instanceof Float64Array ? Float32Array.from(d) : null;
  if (W === null || W.length !== nItems * nItems) {
    throw new ArtifactError(
      `${saved.algorithm}: W must be float32/float64 with ${nItems * nItems} values`,
      'deserialize',
    );
  }
  return W;
}

/** Guard against scoring before `fit()`. */
export function requireFitted<T>(value: T | null, className: string): T {
  if (value === null) throw new TrainingError(`${className}: fit() must run before scoring`, 'not_fitted');
  return value;
}
