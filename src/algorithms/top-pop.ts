/**
 * TopPop: popularity = column sums of the training matrix; every user, known or
 * cold, gets the same scores. No hyper-parameters.
 */
import { ArtifactError } from '../errors/index.js';
import type { CsrMatrix } from '../linalg/csr.js';
import type { FitOptions, Params, Recommender, RecommenderSpec, SavedModel } from './types.js';

const CLASS = 'TopPopRecommender' as const;
/** Layout version of what `save()` writes. */
const MODEL_FORMAT_VERSION = 1;

export class TopPopRecommender implements Recommender {
  readonly className = CLASS;
  readonly nUsers: number;
  readonly nItems: number;
  readonly trainMatrix?: CsrMatrix;
  private popularity: Float64Array | null;
  private popularity32: Float32Array | null = null;

  constructor(X: CsrMatrix | null, nUsers: number, nItems: number, popularity: Float64Array | null = null) {
    this.trainMatrix = X ?? undefined;
    this.nUsers = nUsers;
    this.nItems = nItems;
    this.popularity = popularity;
    if (popularity) this.popularity32 = Float32Array.from(popularity);
  }

  async fit(_opts?: FitOptions): Promise<void> {
    const X = this.trainMatrix;
    if (!X) throw new Error('TopPopRecommender.fit: no training matrix (loaded models are already fitted)');
    const pop = new Float64Array(X.cols);
    const { indices, data } = X;
    const total = X.indptr[X.rows];
    for (let p = 0; p < total; p++) pop[indices[p]] += data[p];
    this.popularity = pop;
    this.popularity32 = Float32Array.from(pop);
  }

  private scores(): Float32Array {
    if (!this.popularity32) throw new Error('TopPopRecommender: call fit() before scoring');
    return this.popularity32;
  }

  scoreUsers(users: Int32Array, out: Float32Array): void {
    const s = this.scores();
    const n = this.nItems;
    if (out.length < users.length * n) {
      throw new RangeError(`scoreUsers: output holds ${out.length} values, needs ${users.length * n}`);
    }
    for (let r = 0; r < users.length; r++) out.set(s, r * n);
  }

  scoreHistory(_items: Int32Array, _weights?: Float32Array): Float32Array {
    return this.scores().slice();
  }

  learntConfig(): Params {
    return {};
  }

  save(): SavedModel {
    if (!this.popularity) throw new Error('TopPopRecommender.save: call fit() first');
    return {
      algorithm: CLASS,
      modelFormatVersion: MODEL_FORMAT_VERSION,
      params: {},
      arrays: { popularity: { dtype: 'float64', shape: [this.nItems], data: this.popularity.slice() } },
    };
  }
}

export const topPopSpec: RecommenderSpec<typeof CLASS> = {
  className: CLASS,
  modelFormatVersion: MODEL_FORMAT_VERSION,
  aliases: ['TopPop'],
  defaults: {},
  searchSpace: {},
  iterative: false,
  create(X: CsrMatrix, _params: Params): Recommender {
    return new TopPopRecommender(X, X.rows, X.cols);
  },
  load(saved: SavedModel, seen: CsrMatrix): Recommender {
    const arr = saved.arrays.popularity;
    if (arr?.shape.length !== 1 || arr.shape[0] !== seen.cols || arr.data.length !== seen.cols) {
      throw new ArtifactError(`TopPopRecommender: 'popularity' must have shape [${seen.cols}]`, 'deserialize');
    }
    if (!(arr.data instanceof Float64Array || arr.data instanceof Float32Array)) {
      throw new ArtifactError(`TopPopRecommender: 'popularity' must be float64`, 'deserialize');
    }
    return new TopPopRecommender(seen, seen.rows, seen.cols, Float64Array.from(arr.data));
  },
};
