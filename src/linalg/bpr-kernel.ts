/**
 * One epoch of pairwise matrix-factorisation SGD (BPR or WARP loss, AdaGrad), the TypeScript twin
 * of the WebAssembly kernel `bpr_epoch`, and the dispatcher that runs the kernel when the arrays
 * are in the kernel heap. See the kernel for the exact update.
 */
import type { Rng } from './random.js';
import { isResident } from './resident.js';
import { wasmRuntime } from './wasm/runtime.js';

export interface BprState {
  /** entry order for this epoch (indices into entryUser/entryItem) */
  order: Int32Array;
  entryUser: Int32Array;
  entryItem: Int32Array;
  /** the training matrix (user rows, sorted items) for "is a positive" checks */
  indptr: Int32Array;
  indices: Int32Array;
  /** user and item embeddings (stride kp), item biases, and their AdaGrad accumulators */
  P: Float32Array;
  Q: Float32Array;
  B: Float32Array;
  GP: Float32Array;
  GQ: Float32Array;
  GB: Float32Array;
  kp: number;
  nItems: number;
  lr: number;
  userAlpha: number;
  itemAlpha: number;
  warp: boolean;
  maxSampled: number;
}

function hasEntry(indptr: Int32Array, indices: Int32Array, u: number, j: number): boolean {
  let lo = indptr[u];
  let hi = indptr[u + 1];
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    const v = indices[mid];
    if (v === j) return true;
    if (v < j) lo = mid + 1;
    else hi = mid;
  }
  return false;
}

function dotRows(A: Float32Array, a: number, Bm: Float32Array, b: number, kp: number): number {
  let s = 0;
  for (let t = 0; t < kp; t++) s += A[a + t] * Bm[b + t];
  return s;
}

function pairUpdate(s: BprState, u: number, i: number, j: number, L: number): void {
  const { P, Q, B, GP, GQ, GB, kp, lr, userAlpha, itemAlpha } = s;
  const pu = u * kp;
  const qi = i * kp;
  const qj = j * kp;
  for (let t = 0; t < kp; t++) {
    const p = P[pu + t];
    const vi = Q[qi + t];
    const vj = Q[qj + t];
    const gI = -L * p;
    const gJ = L * p;
    const gU = L * (vj - vi);
    Q[qi + t] = vi - (lr / Math.sqrt(GQ[qi + t])) * (gI + itemAlpha * vi);
    Q[qj + t] = vj - (lr / Math.sqrt(GQ[qj + t])) * (gJ + itemAlpha * vj);
    P[pu + t] = p - (lr / Math.sqrt(GP[pu + t])) * (gU + userAlpha * p);
    GQ[qi + t] += gI * gI;
    GQ[qj + t] += gJ * gJ;
    GP[pu + t] += gU * gU;
  }
  for (const [k, g] of [
    [i, -L],
    [j, L],
  ]) {
    const b = B[k];
    B[k] = b - (lr / Math.sqrt(GB[k])) * (g + itemAlpha * b);
    GB[k] += g * g;
  }
}

/** TypeScript twin of bpr_epoch; draws negatives from `rng`. Returns the number of updates. */
export function bprEpochTs(s: BprState, rng: Rng): number {
  const { order, entryUser, entryItem, indptr, indices, P, Q, B, kp, nItems } = s;
  let updates = 0;
  for (let t = 0; t < order.length; t++) {
    const e = order[t];
    const u = entryUser[e];
    const i = entryItem[e];
    const yi = dotRows(P, u * kp, Q, i * kp, kp) + B[i];
    if (!s.warp) {
      const j = rng.nextInt(nItems);
      if (hasEntry(indptr, indices, u, j)) continue;
      const yj = dotRows(P, u * kp, Q, j * kp, kp) + B[j];
      pairUpdate(s, u, i, j, 1 / (1 + Math.exp(yi - yj)));
      updates++;
      continue;
    }
    for (let sampled = 1; sampled <= s.maxSampled; sampled++) {
      const j = rng.nextInt(nItems);
      const yj = dotRows(P, u * kp, Q, j * kp, kp) + B[j];
      if (yj > yi - 1) {
        if (hasEntry(indptr, indices, u, j)) continue;
        const L = Math.min(10, Math.log(Math.max(1, Math.floor((nItems - 1) / sampled))));
        pairUpdate(s, u, i, j, L);
        updates++;
        break;
      }
    }
  }
  return updates;
}

/**
 * Run one epoch: the WebAssembly kernel when every array is in the kernel heap (the generator state
 * travels through `rngState`, a 4-word heap array, and comes back into `rng`), else the twin.
 */
export function bprEpoch(s: BprState, rng: Rng, rngState: Uint32Array | null): number {
  const rt = wasmRuntime();
  if (!rt || !rngState || !isResident(s.P) || !isResident(rngState)) return bprEpochTs(s, rng);
  rngState.set(rng.getState());
  const updates = rt.exports.bpr_epoch(
    s.order.byteOffset,
    s.order.length,
    s.entryUser.byteOffset,
    s.entryItem.byteOffset,
    s.indptr.byteOffset,
    s.indices.byteOffset,
    s.P.byteOffset,
    s.Q.byteOffset,
    s.B.byteOffset,
    s.GP.byteOffset,
    s.GQ.byteOffset,
    s.GB.byteOffset,
    s.kp,
    s.nItems,
    s.lr,
    s.userAlpha,
    s.itemAlpha,
    s.warp ? 1 : 0,
    s.maxSampled,
    rngState.byteOffset,
  );
  rng.setState(rngState);
  return updates;
}
