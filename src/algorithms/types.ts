/**
 * The contract every recommender implements. One file per algorithm under src/algorithms/,
 * each exporting a class that implements `Recommender` plus a `RecommenderSpec` describing it
 * (name, defaults, search space, loader).
 */
import type { CsrMatrix } from '../linalg/csr.js';
import type { NdArray, Params } from '../linalg/ndarray.js';
import type { CanonicalClass } from './registry.js';

export type { Dtype, NdArray, Params, TypedArray } from '../linalg/ndarray.js';
export type { CanonicalClass } from './registry.js';

/** One dimension of a search space. */
export type ParamDistribution =
  | { kind: 'int'; low: number; high: number; log?: boolean }
  | { kind: 'float'; low: number; high: number; log?: boolean }
  | { kind: 'categorical'; choices: readonly (string | number | boolean)[] };
export type SearchSpace = Record<string, ParamDistribution>;

/** What a model saves: JSON params plus typed arrays. Never code. */
export interface SavedModel {
  algorithm: CanonicalClass;
  /** Bumped when this algorithm's saved layout changes. */
  modelFormatVersion: number;
  params: Params;
  /** Algorithm-specific arrays; the shared `seen` matrix and id tables are not included here. */
  arrays: Record<string, NdArray>;
}

export interface FitOptions {
  /** Worker threads to use (1 = run on the calling thread). */
  threads?: number;
}

/** Scores for a batch of users, row-major `users.length × nItems`. */
export interface Recommender {
  readonly className: CanonicalClass;
  readonly nUsers: number;
  readonly nItems: number;
  /** Train to completion (iterative models run `train_epochs` epochs). */
  fit(opts?: FitOptions): Promise<void>;
  /** Dense scores for known users (rows of the training matrix), written into `out`. */
  scoreUsers(users: Int32Array, out: Float32Array): void;
  /**
   * Dense scores for an arbitrary interaction history (fold-in). `items` are item indices,
   * `weights` default to 1. Every model folds in (TopPop ignores the history).
   */
  scoreHistory(items: Int32Array, weights?: Float32Array): Float32Array;
  /** Learned hyper-parameters to record (e.g. train_epochs found by early stopping). */
  learntConfig(): Params;
  save(): SavedModel;
  /**
   * The users × items matrix the model was built on. The evaluator masks each evaluated user's
   * row of it; models that do not expose it need an explicit mask matrix.
   */
  readonly trainMatrix?: CsrMatrix;
  /**
   * Item-based models: the history items contributing most to `item`'s score for this history,
   * largest contribution first (ties → smaller item index), at most `k`, zero contributions left out.
   * Duplicate history items count once per occurrence.
   */
  explain?(history: Int32Array, item: number, k: number): ItemContribution[];
  /**
   * Latent-factor models: the factors behind `scoreUsers` (score = userF[u]·itemF[i] + itemBias[i]),
   * so the evaluator can score and rank blocks of users on the worker pool in one pass.
   */
  factorScoring?(): FactorScoring;
  /**
   * Item-item models with a sparse weight matrix: W, so an evaluation can score users on the worker
   * pool (`score(u) = trainMatrix[u] · W`); undefined before fitting or for a dense W.
   */
  sparseItemWeights?(): CsrMatrix | undefined;
}

/** Row-major factor matrices with row stride `kp` (a multiple of 4, padding zero). */
export interface FactorScoring {
  userF: Float32Array;
  itemF: Float32Array;
  kp: number;
  itemBias?: Float32Array;
}

/** One history item's share of a candidate's score (see `Recommender.explain`). */
export interface ItemContribution {
  itemIndex: number;
  weight: number;
}

/** Iterative models also expose per-epoch training so the search can validate and stop early. */
export interface IterativeRecommender extends Recommender {
  /** Allocate and initialise the factors (seeded); call once before `runEpoch`. */
  startTraining(opts?: FitOptions): Promise<void>;
  runEpoch(): Promise<void>;
  /**
   * Copy of the current learned state, restorable with `restoreSnapshot`. An earlier snapshot of
   * this model passed as `reuse` is overwritten instead of allocating another one.
   */
  snapshot(reuse?: unknown): unknown;
  restoreSnapshot(s: unknown): void;
  /** Record the epoch count chosen by early stopping (reported in learntConfig). */
  setTrainEpochs(n: number): void;
  /**
   * Release worker threads or other resources held during training. The learned state is kept
   * (copied out of shared memory) unless `discard` is set, for a model that is thrown away next.
   */
  dispose(discard?: boolean): Promise<void>;
}

export function isIterative(r: Recommender): r is IterativeRecommender {
  return typeof (r as IterativeRecommender).runEpoch === 'function';
}

/**
 * Everything the product knows about one algorithm, declared in the algorithm's own file; the
 * registry derives names, aliases and loadable model formats from the list of these.
 */
export interface RecommenderSpec<C extends string = string> {
  className: C;
  /** Aliases accepted in recipes, e.g. 'IALS'. */
  aliases: readonly string[];
  /** Version of this algorithm's saved layout; bumped when `save()` changes what it writes. */
  modelFormatVersion: number;
  defaults: Params;
  searchSpace: SearchSpace;
  iterative: boolean;
  /** Build an untrained model on `X` (users × items, values = interaction counts). */
  create(X: CsrMatrix, params: Params): Recommender;
  /** Rebuild a trained model from its saved arrays and the shared seen matrix. */
  load(saved: SavedModel, seen: CsrMatrix): Recommender;
}
