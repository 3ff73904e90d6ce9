/**
 * Evaluation of latent-factor models on the worker pool: each worker scores a block of users
 * against the item factors (packed once into panels of 8 items, `gemm_packed_f32`), then masks,
 * ranks and scores that block. Scoring is the cost of a
 * full-ranking evaluation (users × items × factors multiply-adds), so it is spread over every pool
 * thread instead of running on the calling thread.
 *
 * When the model's item norms let most users stop early, users are instead ranked by scanning
 * the item rows in descending norm order (`topk_dot_pruned_f32`, as serving does): on the 5M
 * synthetic model a top 10 scores 0.2% of the catalogue. A probe of the first users decides.
 *
 * Users go to the pool in ranges of fixed size and per-range sums are added in range order, so
 * the result does not depend on the thread count.
 */
import { buildNormOrder, releaseNormOrder, scannable } from '../linalg/norm-order.js';
import { defineTask, type TaskContext, type WorkerPool } from '../linalg/pool.js';
import { packedPanelsLength, type RecsysKernels, recsysKernels } from '../linalg/recsys-kernels.js';
import { isResident, releaseShared, sharedF32, sharedF64, sharedI32, sharedU8, toShared } from '../linalg/resident.js';
import { wasmRuntime } from '../linalg/wasm/runtime.js';
import { dcgDiscounts, MetricSums } from './metrics.js';
import {
  addRankedUser,
  type MatrixViews,
  type RankingBatch,
  type RankingSums,
  rangeUsers,
  rankBatchRows,
  userRanges,
} from './ranking-task.js';
import type { FactorScoring } from './types.js';

/**
 * Score bytes per worker block. The kernel walks every user of a block over each cached block of
 * item panels, so larger user blocks read the item factors fewer times; at 20k items this gives
 * about 100 users (measured: 12-user blocks cost about 10% more CPU than 64- to 192-user ones).
 */
const BLOCK_SCORE_BYTES = 8 << 20;

interface FactorRankingArgs extends Omit<RankingBatch, 'scores' | 'users' | 'gtRows'> {
  /** user factors (stride kp), kernel heap */
  userF: Float32Array;
  kp: number;
  /** columns multiplied: kp, or kp + 4 when an item bias rides along in column kp */
  width: number;
  bias: boolean;
  /** item factors (and bias) packed in panels of 8 items, kernel heap */
  packed: Float32Array;
  /** model rows and ground-truth rows of the evaluated users */
  users: Int32Array;
  gtRows: Int32Array;
  /** users per block, and per-thread slots of block × nItems scores and block × width user rows */
  block: number;
  scoreSlots: Float32Array;
  userSlots: Float32Array;
}

/** Score, mask, rank and sum metrics for evaluated users [start, end). */
export const factorRankTask = defineTask(
  import.meta.url,
  'factorRankUsers',
  (a: FactorRankingArgs, start: number, end: number, ctx: TaskContext): RankingSums => {
    const kern = recsysKernels(ctx.memory);
    if (!kern) throw new Error('factorRankUsers: the scoring kernels are not loaded in this thread');
    const { block, width, kp, nItems } = a;
    const slot = ctx.threadId;
    const scores = a.scoreSlots.subarray(slot * block * nItems, (slot + 1) * block * nItems);
    const rows = a.userSlots.subarray(slot * block * width, (slot + 1) * block * width);
    rows.fill(0);
    const sums = new MetricSums();
    for (let b = start; b < end; b += block) {
      const n = Math.min(block, end - b);
      for (let r = 0; r < n; r++) {
        const u = a.users[b + r];
        rows.set(a.userF.subarray(u * kp, u * kp + kp), r * width);
        if (a.bias) rows[r * width + kp] = 1;
      }
      kern.gemm_packed_f32(n, nItems, width, rows.byteOffset, width, a.packed.byteOffset, scores.byteOffset, nItems);
      const part = rankBatchRows(
        { ...a, scores, users: a.users.subarray(b, b + n), gtRows: a.gtRows.subarray(b, b + n) },
        0,
        n,
        ctx,
      );
      sums.merge(part);
    }
    return sums.plain();
  },
);

/**
 * A scanned row costs about four rows of the packed GEMM (one user per item load, plus the bound
 * and top-k checks), but users stop at different depths and the probe's share is an average: on
 * the 5M synthetic data, a 120-factor model whose probe scanned 25% of the catalogue evaluated in
 * half the GEMM's time, a 200-factor one at 100% in 3.5–4 times it. The scan is taken up to 30%.
 */
const MAX_SCAN_SHARE = 0.3;
/** Users scanned on the calling thread to measure the share. */
const PROBE_USERS = 32;

/** Evaluations ranked by scanning, in this process (for tests and benchmarks). */
export const scanStats = { evaluations: 0 };

interface FactorScanArgs extends MatrixViews {
  nItems: number;
  k: number;
  kp: number;
  /** user factors (stride kp), kernel heap */
  userF: Float32Array;
  /** the norm-ordered item rows, kernel heap */
  rows: Float32Array;
  bound: Float64Array;
  order: Int32Array;
  /** scan position per item, kernel heap */
  position: Int32Array;
  tail: [number, number, number];
  users: Int32Array;
  gtRows: Int32Array;
  /** per-thread slots: nItems mask bytes (zero between users), k ranked items and k scores */
  maskSlots: Uint8Array;
  rankedSlots: Int32Array;
  valueSlots: Float64Array;
}

/** Scan one user into its slot's ranked list; returns the rows scored. */
function scanUser(kern: RecsysKernels, a: FactorScanArgs, r: number, slot: number): number {
  const { nItems: n, k, kp, position, maskIndptr, maskIndices, maskData } = a;
  const mask = a.maskSlots.subarray(slot * n, slot * n + n);
  const user = a.users[r];
  for (let p = maskIndptr[user]; p < maskIndptr[user + 1]; p++)
    if (maskData[p] !== 0) mask[position[maskIndices[p]]] = 1;
  let sq = 0;
  for (let t = user * kp; t < (user + 1) * kp; t++) sq += a.userF[t] * a.userF[t];
  const scored = kern.topk_dot_pruned_f32(
    a.userF.byteOffset + user * kp * 4,
    Math.sqrt(sq),
    kp,
    a.rows.byteOffset,
    a.bound.byteOffset,
    a.order.byteOffset,
    mask.byteOffset,
    n,
    ...a.tail,
    k,
    a.rankedSlots.byteOffset + slot * k * 4,
    a.valueSlots.byteOffset + slot * k * 8,
  );
  for (let p = maskIndptr[user]; p < maskIndptr[user + 1]; p++) mask[position[maskIndices[p]]] = 0;
  const values = a.valueSlots.subarray(slot * k, slot * k + k);
  if (values[k - 1] === Number.NEGATIVE_INFINITY) fillTail(a.rankedSlots.subarray(slot * k, slot * k + k), values, n);
  return scored;
}

/**
 * Fewer than k items had a finite score: the rest of the list takes the other items (masked, or
 * scored −∞ or NaN) in index order, as the full-scoring path's top-k ranks them.
 */
function fillTail(ranked: Int32Array, values: Float64Array, n: number): void {
  let filled = 0;
  while (filled < ranked.length && values[filled] > Number.NEGATIVE_INFINITY) filled++;
  const listed = new Set(ranked.subarray(0, filled));
  for (let i = 0; i < n && filled < ranked.length; i++) if (!listed.has(i)) ranked[filled++] = i;
}

/** Scan, rank and sum metrics for evaluated users [start, end). */
export const factorScanTask = defineTask(
  import.meta.url,
  'factorScanUsers',
  (a: FactorScanArgs, start: number, end: number, ctx: TaskContext): RankingSums => {
    const kern = recsysKernels(ctx.memory);
    if (!kern) throw new Error('factorScanUsers: the scoring kernels are not loaded in this thread');
    const { k } = a;
    const slot = ctx.threadId;
    const ranked = a.rankedSlots.subarray(slot * k, slot * k + k);
    const discounts = dcgDiscounts(k);
    const relevantMark = new Int32Array(a.nItems);
    const sums = new MetricSums();
    for (let r = start; r < end; r++) {
      scanUser(kern, a, r, slot);
      addRankedUser(sums, ranked, k, a, a.gtRows[r], relevantMark, r + 1, discounts);
    }
    return sums.plain();
  },
);

/**
 * Rank by scanning when a probe of the first users finds them stopping early; false (nothing
 * done) when the model has an item bias, is too small for the kernels, or scans would cover too
 * much of the catalogue.
 */
async function scanRankingSums(
  kern: RecsysKernels,
  f: FactorScoring,
  nItems: number,
  k: number,
  users: Int32Array,
  gtRows: Int32Array,
  matrices: MatrixViews,
  pool: WorkerPool,
  sums: MetricSums,
  heap: <T extends Float32Array | Int32Array>(a: T) => T,
  alloc: <T extends Float32Array | Float64Array | Int32Array | Uint8Array>(a: T) => T,
): Promise<boolean> {
  if (f.itemBias !== undefined || !scannable(nItems, f.kp)) return false;
  const items = buildNormOrder(f.itemF, nItems, f.kp);
  try {
    const slots = pool.size + 1;
    const args: FactorScanArgs = {
      nItems,
      k,
      kp: f.kp,
      userF: heap(f.userF),
      rows: items.rows,
      bound: items.bound,
      order: items.order,
      position: heap(items.position),
      tail: items.tail,
      users: heap(users),
      gtRows: heap(gtRows),
      ...matrices,
      maskSlots: alloc(sharedU8(slots * nItems)),
      rankedSlots: alloc(sharedI32(slots * k)),
      valueSlots: alloc(sharedF64(slots * k)),
    };
    const probe = Math.min(PROBE_USERS, users.length);
    let scanned = 0;
    for (let r = 0; r < probe; r++) scanned += scanUser(kern, args, r, 0);
    if (scanned > MAX_SCAN_SHARE * probe * nItems) return false;
    scanStats.evaluations++;
    for (const part of await pool.run(factorScanTask, args, userRanges(users.length))) sums.merge(part);
    return true;
  } finally {
    releaseNormOrder(items);
  }
}

/** True when the packed scoring kernels are loaded (else the evaluator scores through `scoreUsers`). */
export function factorRankingAvailable(): boolean {
  return recsysKernels(wasmRuntime()?.memory ?? null) !== null;
}

/**
 * Metric sums of the evaluated users (`users`: model rows, `gtRows`: ground-truth rows) of a
 * factor model, on `pool`. `mask` and `gt` must already be readable by the pool's threads.
 */
export async function factorRankingSums(
  f: FactorScoring,
  nItems: number,
  k: number,
  users: Int32Array,
  gtRows: Int32Array,
  matrices: MatrixViews,
  pool: WorkerPool,
  sums: MetricSums,
): Promise<void> {
  const rt = wasmRuntime();
  const kern = recsysKernels(rt?.memory ?? null);
  if (!rt || !kern) throw new Error('factorRankingSums: the scoring kernels are not loaded');
  const { kp } = f;
  const bias = f.itemBias !== undefined;
  const width = bias ? kp + 4 : kp;
  const rangeSize = rangeUsers(users.length);
  // a block never spans two ranges, so it need not exceed one
  const block = Math.max(4, Math.min(256, rangeSize, Math.floor(BLOCK_SCORE_BYTES / (4 * nItems)) & ~3));
  const owned: (Float32Array | Float64Array | Int32Array | Uint8Array)[] = [];
  const heap = <T extends Float32Array | Int32Array>(a: T): T => {
    if (isResident(a)) return a;
    const copy = toShared(a);
    owned.push(copy);
    return copy;
  };
  const alloc = <T extends Float32Array | Float64Array | Int32Array | Uint8Array>(a: T): T => {
    owned.push(a);
    return a;
  };
  try {
    if (await scanRankingSums(kern, f, nItems, k, users, gtRows, matrices, pool, sums, heap, alloc)) return;
    const userF = heap(f.userF);
    // item rows with the bias in column kp when there is one, packed into panels
    let items = heap(f.itemF);
    if (bias) {
      items = alloc(sharedF32(nItems * width));
      for (let i = 0; i < nItems; i++) {
        items.set(f.itemF.subarray(i * kp, i * kp + kp), i * width);
        items[i * width + kp] = f.itemBias?.[i] ?? 0;
      }
    }
    const packed = alloc(sharedF32(packedPanelsLength(nItems, width)));
    kern.pack_panels_f32(items.byteOffset, width, nItems, width, packed.byteOffset);
    const slots = pool.size + 1;
    const args: FactorRankingArgs = {
      userF,
      kp,
      width,
      bias,
      packed,
      users: heap(users),
      gtRows: heap(gtRows),
      nItems,
      k,
      ...matrices,
      block,
      scoreSlots: alloc(sharedF32(slots * block * nItems)),
      userSlots: alloc(sharedF32(slots * block * width)),
      heapRanked: alloc(sharedI32(slots * k)),
      heapValues: alloc(sharedF64(slots * k)),
    };
    for (const part of await pool.run(factorRankTask, args, userRanges(users.length))) sums.merge(part);
  } finally {
    for (const a of owned) releaseShared(a);
  }
}
