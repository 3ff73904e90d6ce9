/**
 * Exact top-k of a latent-factor model without scoring the whole catalogue. The item rows are
 * copied once per scoring thread into the kernel heap in descending order of their norms; a
 * user's scan (`topk_dot_pruned_f32`) stops when |user|·|item| of the next row is below the
 * current k-th score, since by Cauchy–Schwarz no later item can score higher. Popular items have
 * the largest factors in practice, so a scan usually ends early: on ml-latest-small IALS (9,724
 * items) after about a third of the rows, on the 5M synthetic model (20,000 items) after 0.1%.
 *
 * Results are those of full scoring bit for bit: each score uses the arithmetic of the paired GEMM
 * path that full scoring uses, ties go to the smaller item index, and the norm bound carries a
 * margin for float32 rounding.
 */
import type { Recommender } from '../../algorithms/types.js';
import { releaseShared, sharedF32, sharedF64, sharedI32, sharedU8, wasmRuntime } from '../../linalg/index.js';
import { type RecsysKernels, recsysKernels, tailPositions } from '../../linalg/recsys-kernels.js';
import type { TopK } from './topk.js';

/** Models whose full scoring runs the paired GEMM kernel that the pruned scan reproduces. */
const PRUNABLE: ReadonlySet<string> = new Set(['IALSRecommender', 'TruncatedSVDRecommender', 'BPRFMRecommender']);

/** Below this much work per pair of users full scoring runs in TypeScript, not the kernel (kernels.ts MIN_WORK). */
const MIN_KERNEL_WORK = 4096;

/**
 * Relative margin on |u|·|v|: a float32 dot product summed in four lanes of kp/4 terms, then two
 * adds, is off by at most (kp/4 + 3)·2⁻²⁴ of Σ|u_t·v_t| ≤ |u|·|v|; the margin doubles that.
 */
function roundingMargin(kp: number): number {
  return (kp / 4 + 3) * 2 ** -23;
}

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
    readonly nItems: number,
    readonly kp: number,
    private readonly userF: Float32Array,
    /** item rows in scan order, kernel heap */
    private readonly rows: Float32Array,
    /** norm bound per scan position (non-increasing), kernel heap */
    private readonly bound: Float64Array,
    /** item index per scan position, kernel heap */
    private readonly order: Int32Array,
    /** scan position per item */
    private readonly position: Int32Array,
    /** 1 = excluded, per scan position; all zero between calls, kernel heap */
    private readonly mask: Uint8Array,
    /** the user row passed to the kernel, kernel heap */
    private readonly userRow: Float32Array,
  ) {
    this.tail = tailPositions(position, nItems);
  }

  /** scan positions of the last n mod 4 items, which full scoring sums in another order */
  private readonly tail: [number, number, number];

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

  private heapArrays() {
    return [this.rows, this.bound, this.order, this.mask, this.userRow];
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
    if (!PRUNABLE.has(recommender.className) || recommender.factorScoring === undefined) return null;
    const rt = wasmRuntime();
    if (rt === null || rt.heap.readOnly) return null;
    const kernels = recsysKernels(rt.memory);
    if (kernels === null) return null;
    const f = recommender.factorScoring();
    const { kp, itemF } = f;
    const n = recommender.nItems;
    // An item bias breaks the norm bound; tiny models are scored in TypeScript, with other rounding.
    if (f.itemBias !== undefined || n === 0 || kp % 4 !== 0 || 2 * n * kp < MIN_KERNEL_WORK) return null;
    const norms = new Float64Array(n);
    for (let i = 0; i < n; i++) {
      let s = 0;
      for (let t = i * kp; t < (i + 1) * kp; t++) s += itemF[t] * itemF[t];
      norms[i] = Math.sqrt(s);
    }
    // Descending norm; a NaN norm sorts first so its row is always scored (NaN bounds never prune).
    const byNorm = Int32Array.from({ length: n }, (_, i) => i).sort((a, b) => {
      const na = Number.isNaN(norms[a]) ? Number.POSITIVE_INFINITY : norms[a];
      const nb = Number.isNaN(norms[b]) ? Number.POSITIVE_INFINITY : norms[b];
      return nb - na || a - b;
    });
    const rows = sharedF32(n * kp);
    const bound = sharedF64(n);
    const order = sharedI32(n);
    const position = new Int32Array(n);
    const margin = 1 + roundingMargin(kp);
    let running = Number.POSITIVE_INFINITY;
    for (let p = 0; p < n; p++) {
      const item = byNorm[p];
      rows.set(itemF.subarray(item * kp, (item + 1) * kp), p * kp);
      order[p] = item;
      position[item] = p;
      // non-increasing even where a NaN norm sorted first
      const b = Number.isNaN(norms[item]) ? Number.POSITIVE_INFINITY : norms[item] * margin;
      running = Math.min(running, b);
      bound[p] = running;
    }
    const ordered = new NormOrderedItems(
      kernels,
      n,
      kp,
      f.userF,
      rows,
      bound,
      order,
      position,
      sharedU8(n),
      sharedF32(kp),
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
        this.kp,
        this.rows.byteOffset,
        this.bound.byteOffset,
        this.order.byteOffset,
        this.mask.byteOffset,
        this.nItems,
        ...this.tail,
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
    const { kp, position, mask } = this;
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
    else for (let j = 0; j < excluded.length; j++) mask[this.position[excluded[j]]] = 0;
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
