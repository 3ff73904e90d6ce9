/**
 * A decoded model as the server holds it: the recommender, the id tables and the seen matrix.
 * Arrays live in SharedArrayBuffers, so scoring threads read the same memory as the event loop
 * and a model is never copied per request.
 */
import type { CanonicalClass, Recommender, SavedModel } from '../../algorithms/types.js';
import type { CsrMatrix } from '../../linalg/csr.js';

export interface ServingModel {
  readonly algorithm: CanonicalClass;
  readonly nUsers: number;
  readonly nItems: number;
  readonly userIds: readonly string[];
  readonly itemIds: readonly string[];
  readonly userIndex: ReadonlyMap<string, number>;
  readonly itemIndex: ReadonlyMap<string, number>;
  /** Training interactions, users × items: the mask for known users. */
  readonly seen: CsrMatrix;
  /** The scorer on this thread (built on first use). */
  readonly recommender: Recommender;
  /** What the recommender is rebuilt from; shipped to scoring threads. */
  readonly saved: SavedModel;
}

/** Map each id to its position. Ids are unique (the artifact reader rejects duplicates). */
export function indexIds(ids: readonly string[]): Map<string, number> {
  const index = new Map<string, number>();
  for (let i = 0; i < ids.length; i++) index.set(ids[i], i);
  return index;
}

/** A model invariant failed while scoring (the TS counterpart of the "layout unexpected" branch). */
export class ModelLayoutError extends Error {
  override name = 'ModelLayoutError';
}

/**
 * Latent-factor models score through the pairwise GEMM kernel, which rounds a row scored in a pair
 * differently (in the last bits) from a lone row. Scoring an odd block with its last user repeated
 * keeps every user on the pair path, so a user's scores never depend on how many other users
 * share the call (a batch, or single requests coalesced together). The norm-ordered scan
 * (./norm-order.ts) reproduces that pair path's arithmetic for the same models.
 */
export const PAIRED_SCORING: ReadonlySet<string> = new Set([
  'IALSRecommender',
  'TruncatedSVDRecommender',
  'BPRFMRecommender',
]);
