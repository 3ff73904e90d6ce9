/**
 * TruncatedSVD: rank-k approximation of X without centring, by a seeded
 * randomized SVD (5 power iterations, 10 oversamples). V_k = the top-k right singular vectors,
 * Z = X·V_k. score(u) = Z[u]·V_kᵀ = X[u]·V_k·V_kᵀ; a cold profile x scores (x·V_k)·V_kᵀ.
 * k ≥ I is lowered to I − 1 (warning); I ≤ 1 is an error.
 */
import { ArtifactError } from '../errors/index.js';
import { type CsrMatrix, transpose } from '../linalg/csr.js';
import { pad2, pad4, spmm64 } from '../linalg/kernels.js';
import { defaultThreads } from '../linalg/pool.js';
import { releaseShared, sharedF64, unpin } from '../linalg/resident.js';
import { randomizedSvd } from '../linalg/svd.js';
import { getLogger } from '../log/index.js';
import {
  aggregateHistory,
  factorsFromNdArray,
  reportKernelBackend,
  scoreFactorUsers,
  scoreFactorVector,
} from './factor-model.js';
import { readNumber } from './hyperparams.js';
import type {
  FactorScoring,
  FitOptions,
  Params,
  Recommender,
  RecommenderSpec,
  SavedModel,
  SearchSpace,
} from './types.js';

const CLASS = 'TruncatedSVDRecommender' as const;
/** Layout version of what `save()` writes. */
const MODEL_FORMAT_VERSION = 1;
const log = getLogger('recotem.algorithms.truncated_svd');

/** The defaults, written once: the search starts from them and the constructor falls back to them. */
const DEFAULTS = { n_components: 4, random_seed: 0 } as const;
export const truncatedSvdDefaults: Params = { ...DEFAULTS };
export const truncatedSvdSearchSpace: SearchSpace = { n_components: { kind: 'int', low: 4, high: 512 } };

export class TruncatedSVDRecommender implements Recommender {
  readonly className = CLASS;
  readonly nUsers: number;
  readonly nItems: number;
  readonly trainMatrix?: CsrMatrix;
  private readonly requested: number;
  private readonly seed: number;
  /** effective number of components */
  private k = 0;
  private kp = 0;
  /** Z: nUsers × kp */
  private userF: Float32Array | null = null;
  /** V: nItems × kp (row i = item i's coordinates) */
  private itemF: Float32Array | null = null;

  constructor(X: CsrMatrix | null, params: Params, dims?: { nUsers: number; nItems: number }) {
    this.requested = readNumber(params, CLASS, 'n_components', DEFAULTS.n_components, { integer: true, min: 1 });
    this.seed = readNumber(params, CLASS, 'random_seed', DEFAULTS.random_seed, { integer: true });
    this.trainMatrix = X ?? undefined;
    this.nUsers = X ? X.rows : (dims?.nUsers ?? 0);
    this.nItems = X ? X.cols : (dims?.nItems ?? 0);
    reportKernelBackend();
  }

  /** @internal used by the loader */
  setFactors(k: number, userF: Float32Array, itemF: Float32Array): void {
    this.k = k;
    this.kp = pad4(k);
    this.userF = userF;
    this.itemF = itemF;
  }

  async fit(opts?: FitOptions): Promise<void> {
    const X = this.trainMatrix;
    if (!X) throw new Error('TruncatedSVDRecommender: a loaded model cannot be trained again');
    const I = X.cols;
    // Unmapped on purpose (exit 1), as in the original, which fails an assertion here.
    if (I <= 1) throw new Error(`TruncatedSVDRecommender needs at least 2 items, got ${I}`);
    let k = this.requested;
    if (k >= I) {
      log.warn('truncated_svd_components_reduced', { requested: k, used: I - 1, n_items: I });
      k = I - 1;
    }
    const kp = pad4(k);
    const itemF = new Float32Array(I * kp);
    const userF = new Float32Array(X.rows * kp);
    // components beyond min(U, I) have no singular direction: they stay zero (no effect on scores)
    const kEff = Math.min(k, X.rows);
    if (kEff > 0) {
      const XT = transpose(X);
      const threads = opts?.threads ?? defaultThreads();
      const { V } = await randomizedSvd(X, kEff, { nIter: 5, oversamples: 10, seed: this.seed, XT, threads });
      for (let i = 0; i < I; i++) for (let c = 0; c < kEff; c++) itemF[i * kp + c] = V[i * kEff + c];
      // Z = X·V in float64 (kernel heap, even width), stored as float32
      const w = pad2(kEff);
      const Vw = sharedF64(I * w);
      const Zw = sharedF64(X.rows * w);
      try {
        for (let i = 0; i < I; i++) for (let c = 0; c < kEff; c++) Vw[i * w + c] = V[i * kEff + c];
        spmm64(X, Vw, w, w, Zw, w);
        for (let u = 0; u < X.rows; u++) for (let c = 0; c < kEff; c++) userF[u * kp + c] = Zw[u * w + c];
      } finally {
        unpin(X.indptr);
        unpin(X.indices);
        unpin(X.data);
        releaseShared(Vw);
        releaseShared(Zw);
      }
    }
    this.setFactors(k, userF, itemF);
  }

  private factors(): { userF: Float32Array; itemF: Float32Array } {
    if (!this.userF || !this.itemF) throw new Error('TruncatedSVDRecommender: call fit() before scoring');
    return { userF: this.userF, itemF: this.itemF };
  }

  factorScoring(): FactorScoring {
    const { userF, itemF } = this.factors();
    return { userF, itemF, kp: this.kp };
  }

  scoreUsers(users: Int32Array, out: Float32Array): void {
    const { userF, itemF } = this.factors();
    scoreFactorUsers(userF, itemF, this.kp, this.nUsers, this.nItems, users, out);
  }

  scoreHistory(items: Int32Array, weights?: Float32Array): Float32Array {
    const { itemF } = this.factors();
    const { kp } = this;
    const hist = aggregateHistory(items, weights, this.nItems);
    const z64 = new Float64Array(kp);
    for (let h = 0; h < hist.items.length; h++) {
      const off = hist.items[h] * kp;
      const w = hist.values[h];
      for (let c = 0; c < kp; c++) z64[c] += w * itemF[off + c];
    }
    return scoreFactorVector(Float32Array.from(z64), itemF, kp, this.nItems);
  }

  learntConfig(): Params {
    return {};
  }

  save(): SavedModel {
    const { userF, itemF } = this.factors();
    const { k, kp, nItems, nUsers } = this;
    const components = new Float32Array(k * nItems);
    for (let i = 0; i < nItems; i++) for (let c = 0; c < k; c++) components[c * nItems + i] = itemF[i * kp + c];
    const embedding = new Float32Array(nUsers * k);
    for (let u = 0; u < nUsers; u++) embedding.set(userF.subarray(u * kp, u * kp + k), u * k);
    return {
      algorithm: CLASS,
      modelFormatVersion: MODEL_FORMAT_VERSION,
      params: { n_components: k, random_seed: this.seed },
      arrays: {
        components: { dtype: 'float32', shape: [k, nItems], data: components },
        user_embedding: { dtype: 'float32', shape: [nUsers, k], data: embedding },
      },
    };
  }
}

export const truncatedSvdSpec: RecommenderSpec<typeof CLASS> = {
  className: CLASS,
  modelFormatVersion: MODEL_FORMAT_VERSION,
  aliases: ['TruncatedSVD'],
  defaults: truncatedSvdDefaults,
  searchSpace: truncatedSvdSearchSpace,
  iterative: false,
  create(X: CsrMatrix, params: Params): Recommender {
    return new TruncatedSVDRecommender(X, params);
  },
  load(saved: SavedModel, seen: CsrMatrix): Recommender {
    const comp = saved.arrays.components;
    if (comp?.shape.length !== 2 || comp.shape[1] !== seen.cols) {
      throw new ArtifactError(`TruncatedSVDRecommender: 'components' must have shape [k, ${seen.cols}]`, 'deserialize');
    }
    const k = comp.shape[0];
    if (comp.data.length !== k * seen.cols) {
      throw new ArtifactError(`TruncatedSVDRecommender: 'components' holds the wrong number of values`, 'deserialize');
    }
    const kp = pad4(k);
    const itemF = new Float32Array(seen.cols * kp);
    for (let c = 0; c < k; c++)
      for (let i = 0; i < seen.cols; i++) itemF[i * kp + c] = Number(comp.data[c * seen.cols + i]);
    const userF = factorsFromNdArray(saved.arrays.user_embedding, 'user_embedding', seen.rows, k);
    const model = new TruncatedSVDRecommender(null, saved.params, { nUsers: seen.rows, nItems: seen.cols });
    model.setFactors(k, userF, itemF);
    return model;
  },
};
