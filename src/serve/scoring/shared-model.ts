/**
 * Models rebuilt from artifact payloads: the recommender is constructed lazily, on the thread that
 * scores, so the event loop holds no extra copy when scoring runs in worker threads.
 */
import { loadRecommender } from '../../algorithms/index.js';
import type { CanonicalClass, Recommender, SavedModel } from '../../algorithms/types.js';
import { ArtifactError } from '../../errors/index.js';
import type { CsrMatrix } from '../../linalg/csr.js';
import { indexIds, type ServingModel } from './model.js';

/** Rebuild a recommender and check that its shape matches the seen matrix (reason `deserialize`). */
export function loadServingRecommender(saved: SavedModel, seen: CsrMatrix): Recommender {
  const recommender = loadRecommender(saved, seen);
  if (recommender.nUsers !== seen.rows || recommender.nItems !== seen.cols) {
    throw new ArtifactError(
      `payload invalid: the ${saved.algorithm} model is ${recommender.nUsers}x${recommender.nItems} but the seen matrix is ${seen.rows}x${seen.cols}`,
      'deserialize',
    );
  }
  return recommender;
}

/**
 * A model whose recommender is built only where it is used: on the event loop with inline
 * scoring, only inside the scoring threads otherwise (so the main thread holds no extra copy).
 */
export class SharedModel implements ServingModel {
  readonly nUsers: number;
  readonly nItems: number;
  readonly userIndex: ReadonlyMap<string, number>;
  readonly itemIndex: ReadonlyMap<string, number>;
  private built: Recommender | null = null;

  constructor(
    readonly saved: SavedModel,
    readonly seen: CsrMatrix,
    readonly userIds: readonly string[],
    readonly itemIds: readonly string[],
  ) {
    this.nUsers = userIds.length;
    this.nItems = itemIds.length;
    this.userIndex = indexIds(userIds);
    this.itemIndex = indexIds(itemIds);
  }

  get algorithm(): CanonicalClass {
    return this.saved.algorithm;
  }

  get recommender(): Recommender {
    if (this.built === null) this.built = loadServingRecommender(this.saved, this.seen);
    return this.built;
  }
}
