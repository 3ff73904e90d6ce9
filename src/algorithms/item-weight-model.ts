/**
 * Base class of the item-item models (CosineKNN, RP3beta, DenseSLIM): they differ only in how W is
 * learned; scoring (`seen[u] · W`), fold-in (`x · W`), explanations and saving are shared.
 */
import type { CsrMatrix } from '../linalg/csr.js';
import {
  explainItem,
  type ItemWeights,
  requireFitted,
  scoreKnownUsers,
  scoreProfile,
  sparseWeightArrays,
} from './item-scoring.js';
import type { CanonicalClass, FitOptions, ItemContribution, Params, Recommender, SavedModel } from './types.js';

export abstract class ItemWeightRecommender implements Recommender {
  abstract readonly className: CanonicalClass;
  /** Layout version of what `save()` writes, from the subclass's spec. */
  abstract readonly modelFormatVersion: number;
  readonly nUsers: number;
  readonly nItems: number;
  readonly params: Params;
  protected weights: ItemWeights | null = null;

  constructor(
    readonly trainMatrix: CsrMatrix,
    params: Params,
    defaults: Params,
  ) {
    this.params = { ...defaults, ...params };
    this.nUsers = trainMatrix.rows;
    this.nItems = trainMatrix.cols;
  }

  /** Learn W from the training matrix. */
  protected abstract learnWeights(threads: number): Promise<ItemWeights>;

  async fit(opts: FitOptions = {}): Promise<void> {
    this.weights = await this.learnWeights(opts.threads ?? 1);
  }

  /** Install a W loaded from an artifact. */
  protected setWeights(weights: ItemWeights): this {
    this.weights = weights;
    return this;
  }

  scoreUsers(users: Int32Array, out: Float32Array): void {
    scoreKnownUsers(requireFitted(this.weights, this.className), this.trainMatrix, users, out);
  }

  sparseItemWeights(): CsrMatrix | undefined {
    return this.weights?.kind === 'sparse' ? this.weights.W : undefined;
  }

  scoreHistory(items: Int32Array, weights?: Float32Array): Float32Array {
    return scoreProfile(requireFitted(this.weights, this.className), this.nItems, items, weights);
  }

  explain(history: Int32Array, item: number, k: number): ItemContribution[] {
    return explainItem(requireFitted(this.weights, this.className), this.nItems, history, item, k);
  }

  learntConfig(): Params {
    return {};
  }

  save(): SavedModel {
    const w = requireFitted(this.weights, this.className);
    const arrays =
      w.kind === 'sparse'
        ? sparseWeightArrays(w.W)
        : { W: { dtype: 'float32' as const, shape: [this.nItems, this.nItems], data: w.W } };
    return {
      algorithm: this.className,
      modelFormatVersion: this.modelFormatVersion,
      params: { ...this.params },
      arrays,
    };
  }
}
