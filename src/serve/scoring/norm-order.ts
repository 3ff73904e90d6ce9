/**
 * Exact top-k of a latent-factor model for known users without scoring the whole catalogue: each
 * scoring thread keeps the item rows in descending norm order in its kernel heap
 * (src/linalg/norm-order.ts) and scans them per user with `topk_dot_pruned_f32`.
 *
 * Results are those of full scoring bit for bit: each score uses the arithmetic of the paired GEMM
 * path that full scoring uses, ties go to the smaller item index, and the norm bound carries a
 * margin for float32 rounding.
 */
import type { Recommender } from '../../algorithms/types.js';
import { releaseShared, sharedF32, sharedF64, sharedI32, sharedU8, wasmRuntime } from '../../linalg/index.js';
import { buildNormOrder, type NormOrder, scannable } from '../../linalg/norm-order.js';
import { type RecsysKernels, recsysKernels } from '../../linalg/recsys-kernels.js';
import { PAIRED_SCORING } from './model.js';
import type { TopK } from './topk.js';

/** One user's output list in the kernel heap. */
interface OutputList {
  idx: Int32Array;
  vals: Float64Array;
}

/** This thread's kernel output list (grown on demand; the API caps k at 1000). */
let output: OutputList | null = null;

function outputFor(k: number): OutputList {
  if (output !== null && output.idx.length >= k) return output;
  if (output !== null) {
    releaseShared(output.idx);
    releaseShared(output.vals);
  }
  const capacity = Math.max(k, 1024);
  output = { idx: sharedI32(capacity), vals: sharedF64(capacity) };
  return output;
}

/** Best first; unfilled slots (−∞) dropped, and +∞ (an overflowed score) is not a score either. */
function collect(out: OutputList, k: number): TopK {
  let start = 0;
  while (start < k && out.vals[start] === Number.POSITIVE_INFINITY) start++;
  let end = start;
  while (end < k && out.vals[end] > Number.NEGATIVE_INFINITY) end++;
  const indices = out.idx.slice(start, end);
  const scores = new Float32Array(end - start);
  for (let j = start; j < end; j++) scores[j - start] = out.vals[j];
  return { indices, scores };
}

/**
 * A scanned row costs about twice a row of full scoring over a block of users (one user per item
 * load instead of two, and the per-row bound and top-k checks), so past this share of the
 * catalogue full scoring is cheaper (`npx tsx bench/serve/scan.ts`: top 10s on ml-latest-small
 * scan 37% of it, top 100s 64%, top 1000s all of it).
 */
const MAX_SCAN_SHARE = 0.45;
/** While full scoring is preferred for a limit, every this many requests still scan, to re-measure. */
const RESCAN_EVERY = 64;

/** Limits are grouped by powers of two (1, 2–3, 4–7, …, 512–1023). */
function limitBucket(limit: number): number {
  return Math.min(15, 31 - Math.clz32(Math.max(1, limit)));
}

export class NormOrderedItems {
  /** Rows scored and scans run since load (for tests and the benchmark). */
  scanned = 0;
  scans = 0;
  /** Moving average of the share of rows a scan scored, per limit bucket (−1: not measured yet). */
  private readonly share = new Float64Array(16).fill(-1);
  private readonly asked = new Int32Array(16);

  private constructor(
    private readonly kernels: RecsysKernels,
    private readonly items: NormOrder,
    private readonly userF: Float32Array,
    /** 1 = excluded, per scan position; all zero between calls, kernel heap */
    private readonly mask: Uint8Array,
    /** the user row passed to the kernel, kernel heap */
    private readonly userRow: Float32Array,
  ) {}

  get nItems(): number {
    return this.items.nItems;
  }

  /**
   * Free this thread's ordering of `recommender` (when a model is detached). A later ranking
   * builds it again; without this call the blocks are freed once the recommender is collected.
   */
  static release(recommender: Recommender): void {
    const have = cache.get(recommender);
    cache.delete(recommender);
    if (!have) return;
    release.unregister(have);
    for (const a of have.heapArrays()) releaseShared(a);
  }

  /** Its kernel-heap arrays (the finalizer's held value must not refer to the ordering itself). */
  private heapArrays() {
    const { rows, bound, order } = this.items;
    return [rows, bound, order, this.mask, this.userRow];
  }

  /** The ordered items of `recommender` on this thread, or null when it is not prunable here. */
  static of(recommender: Recommender): NormOrderedItems | null {
    const have = cache.get(recommender);
    if (have !== undefined) return have;
    const built = NormOrderedItems.build(recommender);
    cache.set(recommender, built);
    return built;
  }

  private static build(recommender: Recommender): NormOrderedItems | null {
    if (!PAIRED_SCORING.has(recommender.className) || recommender.factorScoring === undefined) return null;
    const rt = wasmRuntime();
    if (rt === null || rt.heap.readOnly) return null;
    const kernels = recsysKernels(rt.memory);
    if (kernels === null) return null;
    const f = recommender.factorScoring();
    const n = recommender.nItems;
    // An item bias breaks the norm bound.
    if (f.itemBias !== undefined || !scannable(n, f.kp)) return null;
    const ordered = new NormOrderedItems(
      kernels,
      buildNormOrder(f.itemF, n, f.kp),
      f.userF,
      sharedU8(n),
      sharedF32(f.kp),
    );
    release.register(ordered, ordered.heapArrays(), ordered);
    return ordered;
  }

  /**
   * Whether ranking a user with this `limit` should scan (else score the whole catalogue): yes
   * until scans at this limit were measured to score too much of it, and now and then after.
   */
  worthScanning(limit: number): boolean {
    const b = limitBucket(limit);
    if (this.share[b] <= MAX_SCAN_SHARE) return true;
    return ++this.asked[b] % RESCAN_EVERY === 0;
  }

  /**
   * The `limit` best items for known user `user`, never one of `excluded` (item indices, e.g. the
   * user's training row) nor, when `allowed` is given, an item with allowed[i] = 0.
   */
  rankUser(user: number, excluded: Int32Array, limit: number, allowed?: Uint8Array | null): TopK {
    const k = Math.min(limit, this.nItems);
    if (k <= 0) return { indices: new Int32Array(0), scores: new Float32Array(0) };
    const out = outputFor(k);
    const unorm = this.prepare(user, excluded, allowed);
    let scored: number;
    try {
      scored = this.kernels.topk_dot_pruned_f32(
        this.userRow.byteOffset,
        unorm,
        this.items.kp,
        this.items.rows.byteOffset,
        this.items.bound.byteOffset,
        this.items.order.byteOffset,
        this.mask.byteOffset,
        this.nItems,
        ...this.items.tail,
        k,
        out.idx.byteOffset,
        out.vals.byteOffset,
      );
    } finally {
      this.clear(excluded, allowed);
    }
    this.record(limit, scored);
    return collect(out, k);
  }

  /** Load a user's row for the kernel and mark its exclusions; returns |row|. */
  private prepare(user: number, excluded: Int32Array, allowed?: Uint8Array | null): number {
    const { mask } = this;
    const { kp, position } = this.items;
    const row = this.userF.subarray(user * kp, (user + 1) * kp);
    this.userRow.set(row);
    let sq = 0;
    for (let t = 0; t < kp; t++) sq += row[t] * row[t];
    for (let j = 0; j < excluded.length; j++) mask[position[excluded[j]]] = 1;
    if (allowed) for (let i = 0; i < this.nItems; i++) if (allowed[i] === 0) mask[position[i]] = 1;
    return Math.sqrt(sq);
  }

  /** Leave the mask all zero again. */
  private clear(excluded: Int32Array, allowed?: Uint8Array | null): void {
    const { mask } = this;
    if (allowed) mask.fill(0);
    else for (let j = 0; j < excluded.length; j++) mask[this.items.position[excluded[j]]] = 0;
  }

  private record(limit: number, scored: number): void {
    this.scanned += scored;
    this.scans++;
    const b = limitBucket(limit);
    const share = scored / this.nItems;
    this.share[b] = this.share[b] < 0 ? share : 0.9 * this.share[b] + 0.1 * share;
  }
}

/** Per-thread: built on a thread's first ranking of a model, dropped with the recommender. */
const cache = new WeakMap<Recommender, NormOrderedItems | null>();

/** Heap blocks of an ordering go back to the allocator once its recommender is collected. */
const release = new FinalizationRegistry<readonly (Float32Array | Float64Array | Int32Array | Uint8Array)[]>(
  (arrays) => {
    for (const a of arrays) releaseShared(a);
  },
);
