/**
 * Bounded selection of the k best (value, column) pairs of one sparse row. "Best" means larger
 * value; equal values go to the smaller column, which is the tie rule of every item-item model.
 * Few winners among many candidates: a radix histogram narrows the boundary to one bucket, settled
 * by a small heap. Many winners (k near the candidate count, as with top_k in the hundreds): the
 * k-th largest value is found by quickselect and the winners are emitted in column order, by one
 * scan over the row's column marks when that is cheaper than sorting them.
 */
/** Buckets of the histogram selection, and the candidates-per-slot ratio from which it is used. */
const HIST_BINS = 2048;
const HIST_MIN_RATIO = 8;

/** Which columns of a dense scratch row hold candidates: `mark[c] === stamp`, c < nCols. */
export interface CandidateMarks {
  mark: Int32Array;
  stamp: number;
  nCols: number;
}

/** Scanning every column beats sorting n winners when the row is not much wider than n·log2 n. */
function scanIsCheaper(marks: CandidateMarks | undefined, n: number): marks is CandidateMarks {
  return marks !== undefined && marks.nCols <= 4 * n * Math.log2(n + 1);
}

export class TopKSelector {
  private readonly heapCols: Int32Array;
  private readonly heapVals: Float64Array;
  private size = 0;
  /** Current heap bound (≤ capacity): the histogram path fills only the slots it still needs. */
  private limit = 0;
  private readonly hist = new Int32Array(HIST_BINS);
  private gatherVals = new Float64Array(0);
  private gatherCols = new Int32Array(0);
  private gatherKeys = new Uint32Array(0);
  private pending = new Int32Array(0);
  private readonly keyF32 = new Float32Array(1);
  private readonly keyU32 = new Uint32Array(this.keyF32.buffer);

  constructor(readonly capacity: number) {
    this.heapCols = new Int32Array(Math.max(1, capacity));
    this.heapVals = new Float64Array(Math.max(1, capacity));
  }

  /**
   * Select from `count` candidates (`cols[t]`, `vals[cols[t]]` for t < count; `vals` is indexed by
   * column, as in a dense scratch row). Zero values are never selected. Writes the winners sorted by
   * ascending column into `outCols`/`outVals` starting at `outStart` and returns how many.
   */
  selectFromScratch(
    cols: Int32Array,
    count: number,
    vals: Float64Array,
    outCols: Int32Array,
    outVals: Float64Array | Float32Array,
    outStart: number,
    marks?: CandidateMarks,
  ): number {
    const k = this.capacity;
    if (k <= 0) return 0;
    // Paths are chosen on the candidate count (zeros are rare and skipped by every path).
    if (count <= k) return this.keepAll(cols, count, vals, outCols, outVals, outStart, marks);
    if (count >= HIST_MIN_RATIO * k) return this.selectByHistogram(cols, count, vals, outCols, outVals, outStart);
    return this.selectByThreshold(cols, count, vals, outCols, outVals, outStart, marks);
  }

  /** Every non-zero candidate, in column order. */
  private keepAll(
    cols: Int32Array,
    count: number,
    vals: Float64Array,
    outCols: Int32Array,
    outVals: Float64Array | Float32Array,
    outStart: number,
    marks: CandidateMarks | undefined,
  ): number {
    let w = outStart;
    if (scanIsCheaper(marks, count)) {
      const { mark, stamp, nCols } = marks;
      for (let c = 0; c < nCols; c++) if (mark[c] === stamp && vals[c] !== 0) outCols[w++] = c;
    } else {
      for (let t = 0; t < count; t++) {
        const c = cols[t];
        if (vals[c] !== 0) outCols[w++] = c;
      }
      sortRange(outCols, outStart, w);
    }
    for (let p = outStart; p < w; p++) outVals[p] = vals[outCols[p]];
    return w - outStart;
  }

  /**
   * k < count < 8k: the k-th largest non-zero value t by quickselect; winners are every value above
   * t plus the smallest columns among the values equal to t, emitted in column order.
   */
  private selectByThreshold(
    cols: Int32Array,
    count: number,
    vals: Float64Array,
    outCols: Int32Array,
    outVals: Float64Array | Float32Array,
    outStart: number,
    marks: CandidateMarks | undefined,
  ): number {
    const k = this.capacity;
    this.reserve(count);
    const gv = this.gatherVals;
    let m = 0;
    for (let t = 0; t < count; t++) {
      const v = vals[cols[t]];
      if (v !== 0) gv[m++] = v;
    }
    if (m <= k) return this.keepAll(cols, count, vals, outCols, outVals, outStart, marks);
    const th = kthLargest(gv, m, k);
    let above = 0;
    for (let i = 0; i < m; i++) if (gv[i] > th) above++;
    let ties = k - above;
    let w = outStart;
    if (scanIsCheaper(marks, k)) {
      const { mark, stamp, nCols } = marks;
      for (let c = 0; c < nCols; c++) {
        if (mark[c] !== stamp) continue;
        const v = vals[c];
        if (v === 0) continue;
        if (v > th) outCols[w++] = c;
        else if (v === th && ties > 0) {
          outCols[w++] = c;
          ties--;
        }
      }
    } else {
      const tieCols = this.gatherCols;
      let nTies = 0;
      for (let t = 0; t < count; t++) {
        const c = cols[t];
        const v = vals[c];
        if (v === 0) continue;
        if (v > th) outCols[w++] = c;
        else if (v === th) tieCols[nTies++] = c;
      }
      if (ties < nTies) sortRange(tieCols, 0, nTies);
      for (let i = 0; i < ties; i++) outCols[w++] = tieCols[i];
      sortRange(outCols, outStart, w);
    }
    for (let p = outStart; p < w; p++) outVals[p] = vals[outCols[p]];
    return w - outStart;
  }

  private reserve(count: number): void {
    if (this.gatherVals.length >= count) return;
    this.gatherVals = new Float64Array(count);
    this.gatherCols = new Int32Array(count);
    this.gatherKeys = new Uint32Array(count);
    this.pending = new Int32Array(count);
  }

  /**
   * Many candidates: a two-level radix select on an order-preserving 32-bit key of each value
   * (its float32 bit pattern, sign-adjusted). Level one buckets by the top 11 key bits, level two
   * splits the boundary bucket by the next 11; everything above the final boundary is kept and only
   * that last bucket goes through the heap, on exact values. Linear time for any value spread.
   */
  private selectByHistogram(
    cols: Int32Array,
    count: number,
    vals: Float64Array,
    outCols: Int32Array,
    outVals: Float64Array | Float32Array,
    outStart: number,
  ): number {
    const k = this.capacity;
    this.reserve(count);
    const gv = this.gatherVals;
    const gc = this.gatherCols;
    const gk = this.gatherKeys;
    const hist = this.hist;
    const f32 = this.keyF32;
    const u32 = this.keyU32;
    hist.fill(0);
    // Pass 1: one gather from the scratch row, keys, level-one histogram.
    let m = 0;
    for (let t = 0; t < count; t++) {
      const c = cols[t];
      const v = vals[c];
      if (v === 0) continue;
      f32[0] = v;
      const bits = u32[0];
      const key = bits & 0x80000000 ? ~bits >>> 0 : (bits | 0x80000000) >>> 0;
      gv[m] = v;
      gc[m] = c;
      gk[m++] = key;
      hist[key >>> 21]++;
    }
    let w = outStart;
    if (m <= k) {
      // Mostly zeros: every non-zero candidate is kept.
      for (let t = 0; t < m; t++) outCols[w++] = gc[t];
      sortRange(outCols, outStart, w);
      for (let p = outStart; p < w; p++) outVals[p] = vals[outCols[p]];
      return w - outStart;
    }
    let b1 = HIST_BINS - 1;
    let kept = 0;
    while (kept + hist[b1] < k) kept += hist[b1--];
    // Pass 2: keep level-one winners, histogram the boundary bucket on the next bits.
    let nPending = 0;
    const pending = this.pending;
    hist.fill(0);
    for (let t = 0; t < m; t++) {
      const hiBits = gk[t] >>> 21;
      if (hiBits > b1) outCols[w++] = gc[t];
      else if (hiBits === b1) {
        pending[nPending++] = t;
        hist[(gk[t] >>> 10) & 0x7ff]++;
      }
    }
    let b2 = HIST_BINS - 1;
    let above = 0;
    const need = k - kept;
    while (above + hist[b2] < need) above += hist[b2--];
    // Pass 3: the boundary bucket's upper part is kept, its boundary sub-bucket settled exactly.
    this.size = 0;
    this.limit = need - above;
    for (let q = 0; q < nPending; q++) {
      const t = pending[q];
      const lowBits = (gk[t] >>> 10) & 0x7ff;
      if (lowBits > b2) outCols[w++] = gc[t];
      else if (lowBits === b2) this.offer(gc[t], gv[t]);
    }
    for (let p = 0; p < this.size; p++) outCols[w++] = this.heapCols[p];
    sortRange(outCols, outStart, w);
    for (let p = outStart; p < w; p++) outVals[p] = vals[outCols[p]];
    return w - outStart;
  }

  private offer(c: number, v: number): void {
    const hc = this.heapCols;
    const hv = this.heapVals;
    if (this.size < this.limit) {
      // Sift up: parent must be worse than (or equal to) the child.
      let i = this.size++;
      while (i > 0) {
        const p = (i - 1) >> 1;
        if (isWorse(hv[p], hc[p], v, c)) break;
        hc[i] = hc[p];
        hv[i] = hv[p];
        i = p;
      }
      hc[i] = c;
      hv[i] = v;
      return;
    }
    // Full: enter only when better than the current worst (the root).
    if (!isWorse(hv[0], hc[0], v, c)) return;
    const n = this.size;
    let i = 0;
    for (;;) {
      const l = 2 * i + 1;
      if (l >= n) break;
      const r = l + 1;
      let m = l;
      if (r < n && isWorse(hv[r], hc[r], hv[l], hc[l])) m = r;
      if (!isWorse(hv[m], hc[m], v, c)) break;
      hc[i] = hc[m];
      hv[i] = hv[m];
      i = m;
    }
    hc[i] = c;
    hv[i] = v;
  }
}

/**
 * The k-th largest of a[0, n) (1 ≤ k ≤ n), reordering a: iterative quickselect with a
 * median-of-three pivot, linear on average.
 */
export function kthLargest(a: Float64Array, n: number, k: number): number {
  let lo = 0;
  let hi = n - 1;
  const target = k - 1; // position in descending order
  while (hi > lo) {
    const mid = (lo + hi) >>> 1;
    let x = a[lo];
    let y = a[mid];
    let z = a[hi];
    if (x < y) [x, y] = [y, x];
    if (y < z) [y, z] = [z, y];
    if (x < y) [x, y] = [y, x];
    const pivot = y;
    let i = lo;
    let j = hi;
    while (i <= j) {
      while (a[i] > pivot) i++;
      while (a[j] < pivot) j--;
      if (i <= j) {
        const t = a[i];
        a[i] = a[j];
        a[j] = t;
        i++;
        j--;
      }
    }
    // [lo, j] ≥ pivot, [i, hi] ≤ pivot, and (j, i) = pivot
    if (target <= j) hi = j;
    else if (target >= i) lo = i;
    else return pivot;
  }
  return a[lo];
}

/** True when (va, ca) ranks below (vb, cb): smaller value, or equal value and larger column. */
function isWorse(va: number, ca: number, vb: number, cb: number): boolean {
  return va < vb || (va === vb && ca > cb);
}

/**
 * Ascending in-place sort of a[from, to): quicksort (median of three) with insertion sort for short
 * runs. Several times faster than TypedArray.prototype.sort on the few hundred columns of a row.
 */
export function sortRange(a: Int32Array, from: number, to: number): void {
  let stackTop = 0;
  const stack = SORT_STACK;
  stack[stackTop++] = from;
  stack[stackTop++] = to - 1;
  while (stackTop > 0) {
    let hi = stack[--stackTop];
    let lo = stack[--stackTop];
    while (hi - lo > 16) {
      const mid = (lo + hi) >>> 1;
      let x = a[lo];
      let y = a[mid];
      let z = a[hi];
      if (x > y) [x, y] = [y, x];
      if (y > z) [y, z] = [z, y];
      if (x > y) [x, y] = [y, x];
      const pivot = y;
      let i = lo;
      let j = hi;
      while (i <= j) {
        while (a[i] < pivot) i++;
        while (a[j] > pivot) j--;
        if (i <= j) {
          const t = a[i];
          a[i] = a[j];
          a[j] = t;
          i++;
          j--;
        }
      }
      // Recurse (via the stack) into the smaller side, loop on the larger one.
      if (j - lo < hi - i) {
        if (lo < j) {
          stack[stackTop++] = lo;
          stack[stackTop++] = j;
        }
        lo = i;
      } else {
        if (i < hi) {
          stack[stackTop++] = i;
          stack[stackTop++] = hi;
        }
        hi = j;
      }
    }
    for (let i = lo + 1; i <= hi; i++) {
      const v = a[i];
      let p = i - 1;
      while (p >= lo && a[p] > v) {
        a[p + 1] = a[p];
        p--;
      }
      a[p + 1] = v;
    }
  }
}

/** Explicit quicksort stack: smaller side first keeps it under 2·log2(n) entries. */
const SORT_STACK = new Int32Array(128);
