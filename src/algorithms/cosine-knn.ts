/**
 * CosineKNN item-item recommender: S = Xᵀ·Xw with optional feature weighting of
 * the right factor and optional cosine normalisation with shrinkage, top-k per source item row,
 * then the diagonal removed. score(u) = X[u]·W.
 */
import { type CsrMatrix, cachedTranspose } from '../linalg/csr.js';
import { readBoolean, readChoice, readNumber } from './hyperparams.js';
import { type ItemWeights, loadSparseWeights } from './item-scoring.js';
import { ItemWeightRecommender } from './item-weight-model.js';
import { sparseProductTopK } from './similarity/run-product.js';
import type { Params, RecommenderSpec, SearchSpace } from './types.js';

const CLASS = 'CosineKNNRecommender' as const;
/** Layout version of what `save()` writes. */
const MODEL_FORMAT_VERSION = 1;
export const FEATURE_WEIGHTINGS = ['NONE', 'TF_IDF', 'BM_25'] as const;
export type FeatureWeighting = (typeof FEATURE_WEIGHTINGS)[number];

/** The defaults, written once: the search starts from them and `readConfig` falls back to them. */
const DEFAULTS = {
  top_k: 100,
  shrinkage: 0,
  feature_weighting: 'NONE',
  normalize: false,
  bm25_k1: 1.2,
  bm25_b: 0.75,
} as const;
export const cosineKnnDefaults: Params = { ...DEFAULTS };

export const cosineKnnSearchSpace: SearchSpace = {
  top_k: { kind: 'int', low: 4, high: 1000 },
  shrinkage: { kind: 'float', low: 0, high: 1000 },
  feature_weighting: { kind: 'categorical', choices: FEATURE_WEIGHTINGS },
  normalize: { kind: 'categorical', choices: [false, true] },
};

interface KnnConfig {
  topK: number;
  shrinkage: number;
  weighting: FeatureWeighting;
  normalize: boolean;
  k1: number;
  b: number;
}

function readConfig(params: Params): KnnConfig {
  const d = DEFAULTS;
  return {
    topK: readNumber(params, CLASS, 'top_k', d.top_k, { integer: true, min: 1 }),
    shrinkage: readNumber(params, CLASS, 'shrinkage', d.shrinkage, { min: 0 }),
    weighting: readChoice(params, CLASS, 'feature_weighting', FEATURE_WEIGHTINGS, d.feature_weighting),
    normalize: readBoolean(params, CLASS, 'normalize', d.normalize),
    k1: readNumber(params, CLASS, 'bm25_k1', d.bm25_k1, { min: 0 }),
    b: readNumber(params, CLASS, 'bm25_b', d.bm25_b, { min: 0, max: 1 }),
  };
}

/**
 * Values of the feature-weighted matrix Xw (same sparsity as X), in X's CSR order. Users are the
 * documents and items the terms (N = number of users).
 */
export function weightedValues(
  X: CsrMatrix,
  weighting: FeatureWeighting,
  k1: number = DEFAULTS.bm25_k1,
  b: number = DEFAULTS.bm25_b,
): Float64Array {
  const out = Float64Array.from(X.data);
  if (weighting === 'NONE') return out;
  const nUsers = X.rows;
  const df = new Float64Array(X.cols);
  for (let p = 0; p < X.indptr[X.rows]; p++) if (X.data[p] !== 0) df[X.indices[p]]++;
  const idf = new Float64Array(X.cols);
  for (let i = 0; i < X.cols; i++) {
    idf[i] = weighting === 'TF_IDF' ? Math.log(nUsers / (df[i] + 1)) : Math.log(nUsers / (df[i] + 1) + 1);
  }
  if (weighting === 'TF_IDF') {
    for (let p = 0; p < out.length; p++) out[p] *= idf[X.indices[p]];
    return out;
  }
  let totalLength = 0;
  for (let p = 0; p < X.data.length; p++) totalLength += X.data[p];
  const avgdl = nUsers > 0 ? totalLength / nUsers : 0;
  for (let u = 0; u < nUsers; u++) {
    let dl = 0;
    for (let p = X.indptr[u]; p < X.indptr[u + 1]; p++) dl += X.data[p];
    const lengthNorm = k1 * (1 - b + (avgdl > 0 ? (b * dl) / avgdl : 0));
    for (let p = X.indptr[u]; p < X.indptr[u + 1]; p++) {
      const x = X.data[p];
      out[p] = x === 0 ? 0 : (idf[X.indices[p]] * x * (k1 + 1)) / (x + lengthNorm);
    }
  }
  return out;
}

/** ‖column i‖₂ for every column of a CSR matrix whose values are `values`. */
function columnNorms(X: CsrMatrix, values: ArrayLike<number>): Float64Array {
  const sq = new Float64Array(X.cols);
  for (let p = 0; p < X.indptr[X.rows]; p++) sq[X.indices[p]] += values[p] * values[p];
  for (let i = 0; i < X.cols; i++) sq[i] = Math.sqrt(sq[i]);
  return sq;
}

/** The item-item weight matrix W (exported for tests and benchmarks). */
export async function computeCosineKnnWeights(X: CsrMatrix, params: Params, threads = 1): Promise<CsrMatrix> {
  const cfg = readConfig(params);
  const Xw = weightedValues(X, cfg.weighting, cfg.k1, cfg.b);
  const Xt = cachedTranspose(X);
  return sparseProductTopK(
    {
      nRows: X.cols,
      nCols: X.cols,
      leftIndptr: Xt.indptr,
      leftIndices: Xt.indices,
      leftData: Float64Array.from(Xt.data),
      rightIndptr: X.indptr,
      rightIndices: X.indices,
      rightData: Xw,
      rowNorms: cfg.normalize ? columnNorms(X, X.data) : undefined,
      colNorms: cfg.normalize ? columnNorms(X, Xw) : undefined,
      denominatorShift: cfg.shrinkage + 1e-6,
      topK: cfg.topK,
      dropDiagonalAfterTopK: true,
    },
    threads,
  );
}

export class CosineKNNRecommender extends ItemWeightRecommender {
  readonly className = CLASS;
  readonly modelFormatVersion = MODEL_FORMAT_VERSION;

  constructor(trainMatrix: CsrMatrix, params: Params = {}) {
    readConfig(params);
    super(trainMatrix, params, cosineKnnDefaults);
  }

  protected async learnWeights(threads: number): Promise<ItemWeights> {
    return { kind: 'sparse', W: await computeCosineKnnWeights(this.trainMatrix, this.params, threads) };
  }

  /** The learned W (null before `fit`). */
  get W(): CsrMatrix | null {
    return this.weights?.kind === 'sparse' ? this.weights.W : null;
  }

  static fromWeights(seen: CsrMatrix, params: Params, W: CsrMatrix): CosineKNNRecommender {
    return new CosineKNNRecommender(seen, params).setWeights({ kind: 'sparse', W });
  }
}

export const cosineKnnSpec: RecommenderSpec<typeof CLASS> = {
  className: CLASS,
  modelFormatVersion: MODEL_FORMAT_VERSION,
  aliases: ['CosinekNN', 'CosineKNN'],
  defaults: cosineKnnDefaults,
  searchSpace: cosineKnnSearchSpace,
  iterative: false,
  create: (X, params) => new CosineKNNRecommender(X, params),
  load: (saved, seen) => CosineKNNRecommender.fromWeights(seen, saved.params, loadSparseWeights(saved, seen.cols)),
};
