/**
 * What a single verb and each element of its batch form have in common: how a recommend-related
 * request becomes a ranking job, when an empty ranking is an error, and how a ranking becomes the
 * response items. The single and batch handlers only differ in how they report an outcome (an
 * HTTP error vs one error entry of the batch).
 */
import type { ProfileJob } from '../../scoring/executor.js';
import { profileFromSeeds } from '../../scoring/rank.js';
import type { TopK } from '../../scoring/topk.js';
import { type BuiltItems, buildItems } from '../items.js';
import {
  addExplanations,
  afterCutExclusions,
  type RankMask,
  rankMask,
  seedHistory,
  usesBeyond,
} from '../personalize.js';
import type { RecommendRelatedRequest } from '../schemas.js';
import type { LoadedEntry } from './common.js';

export const UNKNOWN_USER_MESSAGE = 'user not seen during training';
export const NO_SEEDS_MESSAGE = 'no known seed_items';
export const NO_CANDIDATES_MESSAGE = 'no candidates produced by ranker';

export type RelatedPlan =
  | { kind: 'no_seeds' }
  | {
      kind: 'job';
      job: ProfileJob;
      /** Items removed after the cut (`exclude_items` without a filter). */
      exclude: string[] | null;
      explainHistory: Int32Array | null;
      /** A filter or before-cut exclusion applied: an empty ranking is then an answer. */
      masked: boolean;
    };

/** Plan one recommend-related request; a broken recipe rule throws RequestRuleError. */
export function planRelated(loaded: LoadedEntry, value: RecommendRelatedRequest): RelatedPlan {
  const profile = profileFromSeeds(value.seed_items, loaded.model.itemIndex);
  if (profile.items.length === 0) return { kind: 'no_seeds' };
  const mask: RankMask = usesBeyond(value) ? rankMask(loaded, value) : { allowed: null, masked: null };
  return {
    kind: 'job',
    job: { ...profile, limit: value.limit, ...mask },
    exclude: afterCutExclusions(value),
    explainHistory: value.explain ? seedHistory(profile) : null,
    masked: mask.allowed !== null || mask.masked !== null,
  };
}

/** An empty ranking without a filter means the model produced nothing for these seeds. */
export function noCandidates(plan: { masked: boolean }, top: TopK): boolean {
  return top.indices.length === 0 && !plan.masked;
}

/** The response items of one ranking: after-cut exclusions, metadata, explanations. */
export function rankedItems(
  loaded: LoadedEntry,
  top: TopK,
  exclude: string[] | null,
  explainHistory: Int32Array | null,
  withMetadata: boolean,
): BuiltItems {
  const set = exclude && exclude.length > 0 ? new Set(exclude) : null;
  const built = buildItems(top, loaded.model.itemIds, set, withMetadata ? loaded.entry.metadataIndex : null);
  if (explainHistory !== null) addExplanations(built.items, loaded.model, explainHistory);
  return built;
}
