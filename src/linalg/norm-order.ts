/**
 * Item factor rows in descending order of their norms, in the kernel heap: what
 * `topk_dot_pruned_f32` scans to find a user's exact top k without scoring the whole catalogue.
 * By Cauchy–Schwarz no item scores above |u|·|v|, so the scan stops once |u|·bound[p] falls below
 * the current k-th score. Popular items have the largest factors in practice, so scans usually
 * end early: on ml-latest-small IALS (9,724 items) after about a third of the rows, on the 5M
 * synthetic model (20,000 items) after 0.2%.
 */
import { MIN_WORK } from './kernels.js';
import { releaseShared, sharedF32, sharedF64, sharedI32 } from './resident.js';

export interface NormOrder {
  nItems: number;
  kp: number;
  /** item rows in scan order (stride kp), kernel heap */
  rows: Float32Array;
  /** norm bound per scan position (non-increasing), kernel heap */
  bound: Float64Array;
  /** item index per scan position, kernel heap */
  order: Int32Array;
  /** scan position per item */
  position: Int32Array;
  /** scan positions of the catalogue's last n mod 4 items, which GEMM scoring sums in another order */
  tail: [number, number, number];
}

/**
 * Whether scans reproduce the paired GEMM scores of n items × kp factors (padded, no item bias):
 * below MIN_WORK multiply-adds per pair of users gemmNT32 scores in TypeScript, whose rounding
 * differs.
 */
export function scannable(nItems: number, kp: number): boolean {
  return nItems > 0 && kp % 4 === 0 && 2 * nItems * kp >= MIN_WORK;
}

/**
 * Relative margin on |u|·|v|: a float32 dot product summed in four lanes of kp/4 terms, then two
 * adds, is off by at most (kp/4 + 3)·2⁻²⁴ of Σ|u_t·v_t| ≤ |u|·|v|; the margin doubles that.
 */
function roundingMargin(kp: number): number {
  return (kp / 4 + 3) * 2 ** -23;
}

/** Scan positions of the catalogue's last n mod 4 items, padded with −1 (the kernel's t0, t1, t2). */
export function tailPositions(position: ArrayLike<number>, n: number): [number, number, number] {
  const out: [number, number, number] = [-1, -1, -1];
  for (let i = n - (n % 4), j = 0; i < n; i++, j++) out[j] = position[i];
  return out;
}

/** Order the n rows of `itemF` (stride kp) by descending norm, copied into the kernel heap. */
export function buildNormOrder(itemF: Float32Array, nItems: number, kp: number): NormOrder {
  const n = nItems;
  const norms = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    let s = 0;
    for (let t = i * kp; t < (i + 1) * kp; t++) s += itemF[t] * itemF[t];
    norms[i] = Math.sqrt(s);
  }
  // Descending norm; a NaN norm sorts first so its row is always scored (NaN bounds never prune).
  const key = (i: number) => (Number.isNaN(norms[i]) ? Number.POSITIVE_INFINITY : norms[i]);
  const byNorm = Int32Array.from({ length: n }, (_, i) => i).sort((a, b) => key(b) - key(a) || a - b);
  const rows = sharedF32(n * kp);
  const bound = sharedF64(n);
  const order = sharedI32(n);
  const position = new Int32Array(n);
  const margin = 1 + roundingMargin(kp);
  for (let p = 0; p < n; p++) {
    const item = byNorm[p];
    rows.set(itemF.subarray(item * kp, (item + 1) * kp), p * kp);
    order[p] = item;
    position[item] = p;
    bound[p] = key(item) * margin;
  }
  return { nItems: n, kp, rows, bound, order, position, tail: tailPositions(position, n) };
}

export function releaseNormOrder(o: NormOrder): void {
  for (const a of [o.rows, o.bound, o.order]) releaseShared(a);
}
