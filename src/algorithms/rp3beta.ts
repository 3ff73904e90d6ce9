/**
 * RP3beta item-item recommender: a two-step random walk item → user → item with
 * a popularity penalty pop^β on the destination, top-k per destination item (column of W), no
 * diagonal removal, optional l1 row normalisation. score(u) = X[u]·W with raw X.
 */
import { type CsrMatrix, cachedTranspose } from '../linalg/csr.js';
import { readBoolean, readNumber, readOptionalInt } from './hyperparams.js';
import { type ItemWeights, loadSparseWeights } from './item-scoring.js';
import { ItemWeightRecommender } from './item-weight-model.js';
import { sparseProductTopK } from './similarity/run-product.js';
import type { Params, RecommenderSpec, SearchSpace } from './types.js';

const CLASS = 'RP3betaRecommender' as const;
/** Layout version of what `save()` writes. */
const MODEL_FORMAT_VERSION = 1;

/** The defaults, written once: the search starts from them and `readConfig` falls back to them. */
const DEFAULTS = { alpha: 1, beta: 0.6, top_k: null, normalize_weight: false } as const;
export const rp3betaDefaults: Params = { ...DEFAULTS };

export const rp3betaSearchSpace: SearchSpace = {
  beta: { kind: 'float', low: 1e-5, high: 0.5, log: true },
  top_k: { kind: 'int', low: 2, high: 1000 },
  normalize_weight: { kind: 'categorical', choices: [true, false] },
};

interface Rp3Config {
  alpha: number;
  beta: number;
  topK: number | null;
  normalizeWeight: boolean;
}

function readConfig(params: Params): Rp3Config {
  return {
    alpha: readNumber(params, CLASS, 'alpha', DEFAULTS.alpha, { min: 0, minExclusive: true }),
    beta: readNumber(params, CLASS, 'beta', DEFAULTS.beta),
    // A missing or null top_k keeps every neighbour (the default, null).
    topK: readOptionalInt(params, CLASS, 'top_k', 1),
    normalizeWeight: readBoolean(params, CLASS, 'normalize_weight', DEFAULTS.normalize_weight),
  };
}

/** The item-item weight matrix W (W[k,j]: source k, destination j). */
export async function computeRp3betaWeights(X: CsrMatrix, params: Params, threads = 1): Promise<CsrMatrix> {
  const { alpha, beta, topK, normalizeWeight } = readConfig(params);
  const nItems = X.cols;
  const nnz = X.indptr[X.rows];
  const powered = new Float64Array(nnz);
  for (let p = 0; p < nnz; p++) powered[p] = alpha === 1 ? X.data[p] : X.data[p] ** alpha;

  // P(j|u): user → item step, normalised over the user's row.
  const userToItem = new Float64Array(nnz);
  for (let u = 0; u < X.rows; u++) {
    let s = 0;
    for (let p = X.indptr[u]; p < X.indptr[u + 1]; p++) s += powered[p];
    for (let p = X.indptr[u]; p < X.indptr[u + 1]; p++) userToItem[p] = s > 0 ? powered[p] / s : 0;
  }
  // P(u|k): item → user step, normalised over the item's column; pop_j on raw counts.
  const colPowered = new Float64Array(nItems);
  const pop = new Float64Array(nItems);
  for (let p = 0; p < nnz; p++) {
    colPowered[X.indices[p]] += powered[p];
    pop[X.indices[p]] += X.data[p];
  }
  const itemToUser = new Float64Array(nnz);
  for (let p = 0; p < nnz; p++) {
    const c = colPowered[X.indices[p]];
    itemToUser[p] = c > 0 ? powered[p] / c : 0;
  }
  const penalty = new Float64Array(nItems);
  for (let j = 0; j < nItems; j++) penalty[j] = pop[j] > 0 ? pop[j] ** -beta : 0;

  // raw[j,k] = Σ_u P(j|u)·P(u|k) / pop_j^β: left factor = (users of j, P(j|u)), right = P(u|k).
  const Xt = cachedTranspose(X);
  const leftData = transposeValues(X, userToItem);
  // rows of the product are destinations j; W is built transposed (rows = sources k)
  const W = await sparseProductTopK(
    {
      nRows: nItems,
      nCols: nItems,
      leftIndptr: Xt.indptr,
      leftIndices: Xt.indices,
      leftData,
      rightIndptr: X.indptr,
      rightIndices: X.indices,
      rightData: itemToUser,
      rowScale: penalty,
      topK: topK ?? nItems,
      dropDiagonalAfterTopK: false,
    },
    threads,
    true,
  );
  if (normalizeWeight) {
    for (let k = 0; k < W.rows; k++) {
      let s = 0;
      for (let p = W.indptr[k]; p < W.indptr[k + 1]; p++) s += W.data[p];
      if (s !== 0) for (let p = W.indptr[k]; p < W.indptr[k + 1]; p++) W.data[p] /= s;
    }
  }
  return W;
}

/** Values of X's transpose in CSC order, kept in float64 (csr.transpose stores float32). */
function transposeValues(X: CsrMatrix, values: Float64Array): Float64Array {
  const next = new Int32Array(X.cols + 1);
  for (let p = 0; p < values.length; p++) next[X.indices[p] + 1]++;
  for (let c = 0; c < X.cols; c++) next[c + 1] += next[c];
  const out = new Float64Array(values.length);
  for (let u = 0; u < X.rows; u++) {
    for (let p = X.indptr[u]; p < X.indptr[u + 1]; p++) out[next[X.indices[p]]++] = values[p];
  }
  return out;
}

export class RP3betaRecommender extends ItemWeightRecommender {
  readonly className = CLASS;
  readonly modelFormatVersion = MODEL_FORMAT_VERSION;

  constructor(trainMatrix: CsrMatrix, params: Params = {}) {
    readConfig(params);
    super(trainMatrix, params, rp3betaDefaults);
  }

  protected async learnWeights(threads: number): Promise<ItemWeights> {
    return { kind: 'sparse', W: await computeRp3betaWeights(this.trainMatrix, this.params, threads) };
  }

  /** The learned W (null before `fit`). */
  get W(): CsrMatrix | null {
    return this.weights?.kind === 'sparse' ? this.weights.W : null;
  }

  static fromWeights(seen: CsrMatrix, params: Params, W: CsrMatrix): RP3betaRecommender {
    return new RP3betaRecommender(seen, params).setWeights({ kind: 'sparse', W });
  }
}

export const rp3betaSpec: RecommenderSpec<typeof CLASS> = {
  className: CLASS,
  modelFormatVersion: MODEL_FORMAT_VERSION,
  aliases: ['RP3beta'],
  defaults: rp3betaDefaults,
  searchSpace: rp3betaSearchSpace,
  iterative: false,
  create: (X, params) => new RP3betaRecommender(X, params),
  load: (saved, seen) => RP3betaRecommender.fromWeights(seen, saved.params, loadSparseWeights(saved, seen.cols)),
};
