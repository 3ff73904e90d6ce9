/**
 * Shared plumbing of the latent-factor models (IALS, TruncatedSVD, BPRFM): factor matrices held as
 * float32 rows padded to a multiple of 4 (the SIMD width; padding stays zero), batched scoring
 * through the GEMM kernel, and conversion to and from the artifact's unpadded arrays.
 */
import { ArtifactError } from '../errors/index.js';
import { gemmNT32, pad4 } from '../linalg/kernels.js';
import { wasmLoadWarning } from '../linalg/wasm/runtime.js';
import { getLogger } from '../log/index.js';
import type { FitOptions, IterativeRecommender, NdArray } from './types.js';

const log = getLogger('recotem.algorithms');
let backendReported = false;

/** Log once per process when the WebAssembly kernels are unavailable and TypeScript runs instead. */
export function reportKernelBackend(): void {
  if (backendReported) return;
  backendReported = true;
  const warning = wasmLoadWarning();
  if (warning !== null) log.warn('wasm_kernels_unavailable', { reason: warning, fallback: 'typescript' });
}

/** Users scored per GEMM call: bounds the temporary block of gathered user rows. */
const USER_BLOCK = 256;

/**
 * out[r, :] = userF[users[r]] · itemFᵀ (+ bias) for every r, row-major users.length × nItems.
 * Both factor matrices have row stride kp. `itemF` is treated as read-only and cached in the kernel
 * heap between calls (call `unpin(itemF)` after modifying it in place). An `out` allocated with
 * `sharedF32` is written in place; any other array receives a copy.
 */
export function scoreFactorUsers(
  userF: Float32Array,
  itemF: Float32Array,
  kp: number,
  nUsers: number,
  nItems: number,
  users: Int32Array,
  out: Float32Array,
  bias?: Float32Array,
): void {
  if (out.length < users.length * nItems) {
    throw new RangeError(`scoreUsers: output holds ${out.length} values, needs ${users.length * nItems}`);
  }
  const gathered = new Float32Array(Math.min(USER_BLOCK, users.length) * kp);
  for (let b = 0; b < users.length; b += USER_BLOCK) {
    const m = Math.min(USER_BLOCK, users.length - b);
    for (let r = 0; r < m; r++) {
      const u = users[b + r];
      if (!(u >= 0 && u < nUsers)) throw new RangeError(`scoreUsers: user index ${u} out of range [0, ${nUsers})`);
      gathered.set(userF.subarray(u * kp, u * kp + kp), r * kp);
    }
    const block = out.subarray(b * nItems, (b + m) * nItems);
    gemmNT32(m, nItems, kp, gathered, kp, itemF, kp, block, nItems, { pinB: true });
    if (bias) for (let r = 0; r < m; r++) for (let i = 0; i < nItems; i++) block[r * nItems + i] += bias[i];
  }
}

/** Scores of one user vector x (length kp) against every item row (+ bias). */
export function scoreFactorVector(
  x: Float32Array,
  itemF: Float32Array,
  kp: number,
  nItems: number,
  bias?: Float32Array,
): Float32Array {
  const out = new Float32Array(nItems);
  gemmNT32(1, nItems, kp, x, kp, itemF, kp, out, nItems, { pinB: true });
  if (bias) for (let i = 0; i < nItems; i++) out[i] += bias[i];
  return out;
}

/** Unpadded rows × k float32 copy of a padded factor matrix, as an artifact array. */
export function factorsToNdArray(F: Float32Array, rows: number, k: number): NdArray {
  const kp = pad4(k);
  const data = new Float32Array(rows * k);
  for (let r = 0; r < rows; r++) data.set(F.subarray(r * kp, r * kp + k), r * k);
  return { dtype: 'float32', shape: [rows, k], data };
}

/** Padded factor matrix from an artifact array of shape [rows, k] (checked). */
export function factorsFromNdArray(arr: NdArray | undefined, name: string, rows?: number, k?: number): Float32Array {
  if (!arr) throw new ArtifactError(`model array '${name}' is missing`, 'deserialize');
  if (arr.shape.length !== 2) throw new ArtifactError(`model array '${name}' must be 2-dimensional`, 'deserialize');
  const [n, kk] = arr.shape;
  if ((rows !== undefined && n !== rows) || (k !== undefined && kk !== k)) {
    throw new ArtifactError(
      `model array '${name}' has shape [${arr.shape}], expected [${rows ?? n}, ${k ?? kk}]`,
      'deserialize',
    );
  }
  if (arr.data.length !== n * kk || !(arr.data instanceof Float32Array || arr.data instanceof Float64Array)) {
    throw new ArtifactError(`model array '${name}' must hold ${n * kk} float values`, 'deserialize');
  }
  const kp = pad4(kk);
  // A loaded model's factors are only read: float32 data already in the padded layout is used as
  // is, so scoring threads share the artifact's (shared) memory instead of each holding a copy.
  if (kp === kk && arr.data instanceof Float32Array) return arr.data;
  const F = new Float32Array(n * kp);
  for (let r = 0; r < n; r++) for (let c = 0; c < kk; c++) F[r * kp + c] = Number(arr.data[r * kk + c]);
  return F;
}

/** Σ over a fold-in history: distinct items with summed weights (zero and negative totals dropped). */
export function aggregateHistory(
  items: Int32Array,
  weights: Float32Array | undefined,
  nItems: number,
): { items: Int32Array; values: Float64Array } {
  const acc = new Map<number, number>();
  for (let t = 0; t < items.length; t++) {
    const i = items[t];
    if (!(i >= 0 && i < nItems)) throw new RangeError(`scoreHistory: item index ${i} out of range [0, ${nItems})`);
    acc.set(i, (acc.get(i) ?? 0) + (weights ? weights[t] : 1));
  }
  const keys = [...acc.keys()].filter((i) => (acc.get(i) ?? 0) > 0).sort((a, b) => a - b);
  return { items: Int32Array.from(keys), values: Float64Array.from(keys, (i) => acc.get(i) ?? 0) };
}

/** `fit` of an iterative model outside the search: exactly `epochs` epochs, resources released. */
export async function fitForEpochs(model: IterativeRecommender, epochs: number, opts?: FitOptions): Promise<void> {
  await model.startTraining(opts);
  try {
    for (let e = 0; e < epochs; e++) await model.runEpoch();
  } finally {
    await model.dispose();
  }
}
