/**
 * DenseSLIM / EASE: P = (XᵀX + reg·I)⁻¹ in float64, W[i,j] = −P[i,j]/P[j,j],
 * W[j,j] = 0, score(u) = X[u]·W. Two exact routes to P, chosen by estimated cost:
 *  - item side: dense I × I Cholesky inverse (fewer items than users);
 *  - user side (Woodbury identity): P = (I − Xᵀ(reg·I_U + XXᵀ)⁻¹X)/reg needs only a U × U inverse,
 *    far cheaper when there are fewer users than items.
 */
import { TrainingError } from '../errors/index.js';
import { type CsrMatrix, transpose } from '../linalg/csr.js';
import { spmm64 } from '../linalg/kernels.js';
import { releaseShared, sharedF64 } from '../linalg/resident.js';
import { getLogger } from '../log/index.js';
import { readNumber } from './hyperparams.js';
import { type ItemWeights, loadDenseWeights } from './item-scoring.js';
import { ItemWeightRecommender } from './item-weight-model.js';
import { easeRows } from './similarity/ease-rows.js';
import { allocSpdMatrix, spdInverseBlocked } from './similarity/spd-sweep.js';
import type { Params, RecommenderSpec, SearchSpace } from './types.js';

const CLASS = 'DenseSLIMRecommender' as const;
/** Layout version of what `save()` writes. */
const MODEL_FORMAT_VERSION = 1;
const log = getLogger('recotem.algorithms.dense_slim');

/** The defaults, written once: the search starts from them and `readReg` falls back to them. */
const DEFAULTS = { reg: 1 } as const;
export const denseSlimDefaults: Params = { ...DEFAULTS };

function readReg(params: Params): number {
  return readNumber(params, CLASS, 'reg', DEFAULTS.reg, { min: 0, minExclusive: true });
}
/** Largest catalogue whose n × n weight matrix fits one typed array (2³² elements). */
export const MAX_DENSE_ITEMS = 65536;
export const denseSlimSearchSpace: SearchSpace = { reg: { kind: 'float', low: 1, high: 1e4, log: true } };

export type EaseRoute = 'items' | 'users';

/** Kernel-heap bytes a route may take (the heap tops out at 4 GiB). */
const HEAP_BUDGET = 3 * 1024 ** 3;

/**
 * The cheaper exact route for this matrix, by multiply-add count, unless the user route's U × I
 * intermediates would not fit the kernel heap while the item route's I × I matrix would.
 */
export function chooseEaseRoute(X: CsrMatrix): EaseRoute {
  const U = X.rows;
  const I = X.cols;
  const nnz = X.indptr[U];
  const itemsCost = I ** 3 / 2;
  const usersCost = U ** 3 / 2 + nnz * (U + I);
  if (usersCost >= itemsCost) return 'items';
  const usersBytes = 8 * (2 * U * I + U * U);
  const itemsBytes = 8 * I * I;
  return usersBytes > HEAP_BUDGET && itemsBytes <= HEAP_BUDGET ? 'items' : 'users';
}

/** W from P: W[i,j] = −P[i,j]/P[j,j], zero diagonal, as float32. */
function weightsFromInverse(P: Float64Array, n: number): Float32Array {
  const W = new Float32Array(n * n);
  const inv = new Float64Array(n);
  for (let j = 0; j < n; j++) inv[j] = -1 / P[j * n + j];
  for (let i = 0; i < n; i++) {
    const r = i * n;
    for (let j = 0; j < n; j++) W[r + j] = P[r + j] * inv[j];
    W[r + i] = 0;
  }
  return W;
}

/** Item-side route: dense G = XᵀX + reg·I, blocked SPD inverse. */
export async function easeWeightsByItems(X: CsrMatrix, reg: number, threads = 1): Promise<Float32Array> {
  const n = X.cols;
  const G = allocSpdMatrix(n);
  try {
    G.fill(0);
    const { indptr, indices, data } = X;
    // Lower triangle only (rows of X have sorted columns): the inverse reads nothing else.
    for (let u = 0; u < X.rows; u++) {
      for (let p = indptr[u]; p < indptr[u + 1]; p++) {
        const ra = indices[p] * n;
        const xa = data[p];
        for (let q = indptr[u]; q <= p; q++) G[ra + indices[q]] += xa * data[q];
      }
    }
    for (let i = 0; i < n; i++) G[i * n + i] += reg;
    await spdInverseBlocked(G, n, threads);
    return weightsFromInverse(G, n);
  } finally {
    releaseShared(G);
  }
}

/**
 * User-side route (Woodbury): Q = Xᵀ·M·X with M = (reg·I_U + XXᵀ)⁻¹, W[i,j] = Q[i,j]/(1 − Q[j,j]).
 */
export async function easeWeightsByUsers(X: CsrMatrix, reg: number, threads = 1): Promise<Float32Array> {
  const U = X.rows;
  const I = X.cols;
  const Xt = transpose(X);
  // M = (reg·I + XXᵀ)⁻¹: pairs of users sharing an item (lower triangle is enough).
  const M = allocSpdMatrix(U);
  let Y: Float64Array | null = null;
  try {
    M.fill(0);
    for (let i = 0; i < I; i++) {
      for (let p = Xt.indptr[i]; p < Xt.indptr[i + 1]; p++) {
        const ru = Xt.indices[p] * U;
        const xu = Xt.data[p];
        for (let q = Xt.indptr[i]; q <= p; q++) M[ru + Xt.indices[q]] += xu * Xt.data[q];
      }
    }
    for (let u = 0; u < U; u++) M[u * U + u] += reg;
    await spdInverseBlocked(M, U, threads);
    // Y = M·X (U × I, row-major) in the kernel heap, so the sparse × dense kernel reads it in place
    // on every thread (a plain array would be copied into the heap for every block of rows).
    // Computed as Yᵀ = Xᵀ·M (M is symmetric) with the same kernel, then transposed in tiles.
    const Yt = sharedF64(I * U);
    try {
      spmm64(Xt, M, U, U, Yt, U, 0, I);
      Y = sharedF64(U * I);
      transposeInto(Yt, I, U, Y);
    } finally {
      releaseShared(Yt);
    }
    // 1/(1 − Q[j,j]) with Q[j,j] = Σ_u X[u,j]·Y[u,j].
    const scale = new Float64Array(I);
    for (let j = 0; j < I; j++) {
      let q = 0;
      for (let p = Xt.indptr[j]; p < Xt.indptr[j + 1]; p++) q += Xt.data[p] * Y[Xt.indices[p] * I + j];
      scale[j] = 1 / (1 - q);
    }
    return await easeRows(
      { xtIndptr: Xt.indptr, xtIndices: Xt.indices, xtData: Xt.data, nUsers: U, Y, scale, nItems: I },
      threads,
    );
  } finally {
    releaseShared(M);
    if (Y !== null) releaseShared(Y);
  }
}

/** dst (cols × rows) = srcᵀ for a row-major rows × cols src, in cache-sized tiles. */
function transposeInto(src: Float64Array, rows: number, cols: number, dst: Float64Array): void {
  const TILE = 64;
  for (let r0 = 0; r0 < rows; r0 += TILE) {
    const r1 = Math.min(rows, r0 + TILE);
    for (let c0 = 0; c0 < cols; c0 += TILE) {
      const c1 = Math.min(cols, c0 + TILE);
      for (let r = r0; r < r1; r++) {
        const rs = r * cols;
        for (let c = c0; c < c1; c++) dst[c * rows + r] = src[rs + c];
      }
    }
  }
}

export async function computeDenseSlimWeights(
  X: CsrMatrix,
  params: Params,
  threads = 1,
  route: EaseRoute = chooseEaseRoute(X),
): Promise<Float32Array> {
  const reg = readReg(params);
  if (X.cols > MAX_DENSE_ITEMS) {
    throw new TrainingError(
      `${CLASS} stores a dense n_items × n_items matrix; ${X.cols} items exceed the supported ${MAX_DENSE_ITEMS}`,
      'model_too_large',
    );
  }
  log.debug('dense_slim_route', { route, n_users: X.rows, n_items: X.cols, threads });
  return route === 'users' ? easeWeightsByUsers(X, reg, threads) : easeWeightsByItems(X, reg, threads);
}

export class DenseSLIMRecommender extends ItemWeightRecommender {
  readonly className = CLASS;
  readonly modelFormatVersion = MODEL_FORMAT_VERSION;

  constructor(trainMatrix: CsrMatrix, params: Params = {}) {
    readReg(params);
    super(trainMatrix, params, denseSlimDefaults);
  }

  protected async learnWeights(threads: number): Promise<ItemWeights> {
    return { kind: 'dense', n: this.nItems, W: await computeDenseSlimWeights(this.trainMatrix, this.params, threads) };
  }

  /** Row-major nItems × nItems W (null before `fit`). */
  get W(): Float32Array | null {
    return this.weights?.kind === 'dense' ? this.weights.W : null;
  }

  static fromWeights(seen: CsrMatrix, params: Params, W: Float32Array): DenseSLIMRecommender {
    return new DenseSLIMRecommender(seen, params).setWeights({ kind: 'dense', n: seen.cols, W });
  }
}

export const denseSlimSpec: RecommenderSpec<typeof CLASS> = {
  className: CLASS,
  modelFormatVersion: MODEL_FORMAT_VERSION,
  aliases: ['DenseSLIM'],
  defaults: denseSlimDefaults,
  searchSpace: denseSlimSearchSpace,
  iterative: false,
  create: (X, params) => new DenseSLIMRecommender(X, params),
  load: (saved, seen) => DenseSLIMRecommender.fromWeights(seen, saved.params, loadDenseWeights(saved, seen.cols)),
};
