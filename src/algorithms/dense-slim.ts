/**
 * DenseSLIM / EASE (training.md §2.6): P = (XᵀX + reg·I)⁻¹ in float64, W[i,j] = −P[i,j]/P[j,j],
 * W[j,j] = 0, score(u) = X[u]·W. Two exact routes to P, chosen by estimated cost:
 *  - item side: dense I × I Cholesky inverse (fewer items than users);
 *  - user side (Woodbury identity): P = (I − Xᵀ(reg·I_U + XXᵀ)⁻¹X)/reg needs only a U × U inverse,
 *    far cheaper when there are fewer users than items.
 */
import type { CsrMatrix } from '../linalg/csr.js';
import { getLogger } from '../log/index.js';
import { readNumber } from './hyperparams.js';
import {
  explainItem,
  type ItemWeights,
  loadDenseWeights,
  requireFitted,
  scoreKnownUsers,
  scoreProfile,
} from './item-scoring.js';
import { spdInverseInPlace } from './similarity/spd-inverse.js';
import type {
  FitOptions,
  ItemContribution,
  Params,
  Recommender,
  RecommenderSpec,
  SavedModel,
  SearchSpace,
} from './types.js';

const CLASS = 'DenseSLIMRecommender' as const;
const log = getLogger('recotem.algorithms.dense_slim');

export const denseSlimDefaults: Params = { reg: 1 };
export const denseSlimSearchSpace: SearchSpace = { reg: { kind: 'float', low: 1, high: 1e4, log: true } };

export type EaseRoute = 'items' | 'users';

/** The cheaper exact route for this matrix, by multiply-add count. */
export function chooseEaseRoute(X: CsrMatrix): EaseRoute {
  const U = X.rows;
  const I = X.cols;
  const nnz = X.indptr[U];
  const itemsCost = I ** 3 / 2;
  const usersCost = U ** 3 / 2 + nnz * (U + I);
  return usersCost < itemsCost ? 'users' : 'items';
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

/** Item-side route: dense G = XᵀX + reg·I, SPD inverse. */
export function easeWeightsByItems(X: CsrMatrix, reg: number): Float32Array {
  const n = X.cols;
  const G = new Float64Array(n * n);
  const { indptr, indices, data } = X;
  for (let u = 0; u < X.rows; u++) {
    for (let p = indptr[u]; p < indptr[u + 1]; p++) {
      const a = indices[p];
      const xa = data[p];
      const ra = a * n;
      for (let q = indptr[u]; q < indptr[u + 1]; q++) G[ra + indices[q]] += xa * data[q];
    }
  }
  for (let i = 0; i < n; i++) G[i * n + i] += reg;
  spdInverseInPlace(G, n);
  return weightsFromInverse(G, n);
}

/** User-side route (Woodbury): Q = Xᵀ·M·X with M = (reg·I_U + XXᵀ)⁻¹, W[i,j] = Q[i,j]/(1 − Q[j,j]). */
export function easeWeightsByUsers(X: CsrMatrix, reg: number): Float32Array {
  const U = X.rows;
  const I = X.cols;
  const { indptr, indices, data } = X;
  // Column view of X (users of each item) with float64 values.
  const colPtr = new Int32Array(I + 1);
  for (let p = 0; p < indptr[U]; p++) colPtr[indices[p] + 1]++;
  for (let i = 0; i < I; i++) colPtr[i + 1] += colPtr[i];
  const fill = colPtr.slice(0, I);
  const colUsers = new Int32Array(indptr[U]);
  const colVals = new Float64Array(indptr[U]);
  for (let u = 0; u < U; u++) {
    for (let p = indptr[u]; p < indptr[u + 1]; p++) {
      const at = fill[indices[p]]++;
      colUsers[at] = u;
      colVals[at] = data[p];
    }
  }
  // M = (reg·I + XXᵀ)⁻¹.
  const M = new Float64Array(U * U);
  for (let i = 0; i < I; i++) {
    for (let p = colPtr[i]; p < colPtr[i + 1]; p++) {
      const ru = colUsers[p] * U;
      const xu = colVals[p];
      for (let q = colPtr[i]; q < colPtr[i + 1]; q++) M[ru + colUsers[q]] += xu * colVals[q];
    }
  }
  for (let u = 0; u < U; u++) M[u * U + u] += reg;
  spdInverseInPlace(M, U);
  // Y = M·X (U × I, row-major).
  const Y = new Float64Array(U * I);
  for (let u = 0; u < U; u++) {
    const ru = u * I;
    const mu = u * U;
    for (let v = 0; v < U; v++) {
      const m = M[mu + v];
      if (m === 0) continue;
      for (let p = indptr[v]; p < indptr[v + 1]; p++) Y[ru + indices[p]] += m * data[p];
    }
  }
  // 1/(1 − Q[j,j]) with Q[j,j] = Σ_u X[u,j]·Y[u,j].
  const scale = new Float64Array(I);
  for (let j = 0; j < I; j++) {
    let q = 0;
    for (let p = colPtr[j]; p < colPtr[j + 1]; p++) q += colVals[p] * Y[colUsers[p] * I + j];
    scale[j] = 1 / (1 - q);
  }
  const W = new Float32Array(I * I);
  const row = new Float64Array(I);
  for (let i = 0; i < I; i++) {
    row.fill(0);
    for (let p = colPtr[i]; p < colPtr[i + 1]; p++) {
      const x = colVals[p];
      const ry = colUsers[p] * I;
      for (let j = 0; j < I; j++) row[j] += x * Y[ry + j];
    }
    const r = i * I;
    for (let j = 0; j < I; j++) W[r + j] = row[j] * scale[j];
    W[r + i] = 0;
  }
  return W;
}

export function computeDenseSlimWeights(
  X: CsrMatrix,
  params: Params,
  route: EaseRoute = chooseEaseRoute(X),
): Float32Array {
  const reg = readNumber(params, CLASS, 'reg', 1, { min: 0, minExclusive: true });
  log.debug('dense_slim_route', { route, n_users: X.rows, n_items: X.cols });
  return route === 'users' ? easeWeightsByUsers(X, reg) : easeWeightsByItems(X, reg);
}

export class DenseSLIMRecommender implements Recommender {
  readonly className = CLASS;
  readonly nUsers: number;
  readonly nItems: number;
  readonly params: Params;
  private weights: ItemWeights | null = null;

  constructor(
    readonly trainMatrix: CsrMatrix,
    params: Params = {},
  ) {
    readNumber(params, CLASS, 'reg', 1, { min: 0, minExclusive: true });
    this.params = { ...denseSlimDefaults, ...params };
    this.nUsers = trainMatrix.rows;
    this.nItems = trainMatrix.cols;
  }

  async fit(_opts: FitOptions = {}): Promise<void> {
    this.weights = { kind: 'dense', n: this.nItems, W: computeDenseSlimWeights(this.trainMatrix, this.params) };
  }

  /** Row-major nItems × nItems W (null before `fit`). */
  get W(): Float32Array | null {
    return this.weights?.kind === 'dense' ? this.weights.W : null;
  }

  static fromWeights(seen: CsrMatrix, params: Params, W: Float32Array): DenseSLIMRecommender {
    const m = new DenseSLIMRecommender(seen, params);
    m.weights = { kind: 'dense', n: seen.cols, W };
    return m;
  }

  scoreUsers(users: Int32Array, out: Float32Array): void {
    scoreKnownUsers(requireFitted(this.weights, CLASS), this.trainMatrix, users, out);
  }

  scoreHistory(items: Int32Array, weights?: Float32Array): Float32Array {
    return scoreProfile(requireFitted(this.weights, CLASS), this.nItems, items, weights);
  }

  explain(history: Int32Array, item: number, k: number): ItemContribution[] {
    return explainItem(requireFitted(this.weights, CLASS), this.nItems, history, item, k);
  }

  learntConfig(): Params {
    return {};
  }

  save(): SavedModel {
    const W = requireFitted(this.W, CLASS);
    return {
      algorithm: CLASS,
      modelFormatVersion: 1,
      params: { ...this.params },
      arrays: { W: { dtype: 'float32', shape: [this.nItems, this.nItems], data: W } },
    };
  }
}

export const denseSlimSpec: RecommenderSpec = {
  className: CLASS,
  aliases: ['DenseSLIM'],
  defaults: denseSlimDefaults,
  searchSpace: denseSlimSearchSpace,
  iterative: false,
  create: (X, params) => new DenseSLIMRecommender(X, params),
  load: (saved, seen) => DenseSLIMRecommender.fromWeights(seen, saved.params, loadDenseWeights(saved, seen.cols)),
};
