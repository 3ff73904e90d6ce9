/**
 * Bounded selection of the k best (value, column) pairs of one sparse row. "Best" means larger
 * value; equal values go to the smaller column, which is the tie rule of every item-item model
 * (training.md §2.4, §2.5). The heap keeps its worst member at the root so a candidate that cannot
 * enter is rejected with one comparison.
 */
/** Buckets of the histogram selection, and the candidates-per-slot ratio from which it is used. */
const HIST_BINS = 1024;
const HIST_MIN_RATIO = 8;

export class TopKSelector {
  private readonly heapCols: Int32Array;
  private readonly heapVals: Float64Array;
  private size = 0;
  /** Current heap bound (≤ capacity): the histogram path fills only the slots it still needs. */
  private limit = 0;
  private readonly hist = new Int32Array(HIST_BINS);

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
  ): number {
    const k = this.capacity;
    if (k <= 0) return 0;
    let nonZero = 0;
    for (let t = 0; t < count; t++) if (vals[cols[t]] !== 0) nonZero++;
    if (nonZero <= k) {
      let w = outStart;
      for (let t = 0; t < count; t++) {
        const c = cols[t];
        if (vals[c] !== 0) outCols[w++] = c;
      }
      outCols.subarray(outStart, w).sort();
      for (let p = outStart; p < w; p++) outVals[p] = vals[outCols[p]];
      return w - outStart;
    }
    if (nonZero >= HIST_MIN_RATIO * k) return this.selectByHistogram(cols, count, vals, outCols, outVals, outStart);
    this.size = 0;
    this.limit = k;
    for (let t = 0; t < count; t++) {
      const c = cols[t];
      const v = vals[c];
      if (v === 0) continue;
      this.offer(c, v);
    }
    const n = this.size;
    for (let p = 0; p < n; p++) outCols[outStart + p] = this.heapCols[p];
    outCols.subarray(outStart, outStart + n).sort();
    for (let p = outStart; p < outStart + n; p++) outVals[p] = vals[outCols[p]];
    return n;
  }

  /**
   * Many candidates: bucket the values into a histogram over [min, max], keep every candidate above
   * the bucket holding the k-th largest value, and settle that bucket alone with the heap. Three
   * linear passes instead of a heap insertion for most of the large values.
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
    let lo = Number.POSITIVE_INFINITY;
    let hi = Number.NEGATIVE_INFINITY;
    for (let t = 0; t < count; t++) {
      const v = vals[cols[t]];
      if (v === 0) continue;
      if (v < lo) lo = v;
      if (v > hi) hi = v;
    }
    const hist = this.hist;
    hist.fill(0);
    // Equal min and max (or a degenerate range) puts everything in one bucket: the heap decides.
    const scale = hi > lo && Number.isFinite(hi - lo) ? (HIST_BINS - 1) / (hi - lo) : 0;
    for (let t = 0; t < count; t++) {
      const v = vals[cols[t]];
      if (v !== 0) hist[Math.floor((v - lo) * scale)]++;
    }
    let boundary = HIST_BINS - 1;
    let above = 0;
    while (above + hist[boundary] < k) above += hist[boundary--];
    let w = outStart;
    this.size = 0;
    this.limit = k - above;
    for (let t = 0; t < count; t++) {
      const c = cols[t];
      const v = vals[c];
      if (v === 0) continue;
      const bin = Math.floor((v - lo) * scale);
      if (bin > boundary) outCols[w++] = c;
      else if (bin === boundary) this.offer(c, v);
    }
    for (let p = 0; p < this.size; p++) outCols[w++] = this.heapCols[p];
    outCols.subarray(outStart, w).sort();
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

/** True when (va, ca) ranks below (vb, cb): smaller value, or equal value and larger column. */
function isWorse(va: number, ca: number, vb: number, cb: number): boolean {
  return va < vb || (va === vb && ca > cb);
}
