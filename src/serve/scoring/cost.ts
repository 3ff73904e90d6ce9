/**
 * What a scoring call costs, estimated in nanoseconds of one core from the model's shape and the
 * job (items × factors for scoring, a k × k solve per IALS fold-in, history length for item-based
 * models). The executors use it to decide whether a call is cheaper than a thread round trip and
 * to cut long calls into slices: judging by the number of users alone let 256 fold-ins on a small
 * catalogue with many factors (each a 262 × 262 solve) stall the event loop for seconds.
 */
import type { ServingModel } from './model.js';
import type { ProfileJob } from './rank.js';

/** Calibrated on this code's kernels (2-core VM): GEMM multiply-adds, float64 solve flops, mask + top-k per item. */
const NS_PER_SCORE_MAC = 0.25;
const NS_PER_SOLVE_FLOP = 1;
const NS_PER_SPARSE_MAC = 1;
const NS_PER_ITEM = 0.5;
/** Passes of the BPR update over the history in a BPR-FM fold-in. */
const BPR_FOLD_IN_PASSES = 30;

/**
 * Work a call may do on the event loop: about 1 ms, the cost of ranking one user over 65,536
 * items with 64 factors. A thread hop costs tens of microseconds, so anything cheaper runs inline.
 */
export const DEFAULT_INLINE_BUDGET_NS = 1_000_000;

export interface CostModel {
  /** Ranking one known user from the model's own user scores. */
  knownUser(user: number): number;
  /** One ad-hoc job (fold-in of a history, or a known user with extra items or masks). */
  profile(job: ProfileJob): number;
}

type Shape = 'factor' | 'item' | 'flat';

function shapeOf(model: ServingModel): { shape: Shape; width: number } {
  const { saved, nItems } = model;
  switch (model.algorithm) {
    case 'IALSRecommender':
    case 'TruncatedSVDRecommender':
    case 'BPRFMRecommender': {
      const k = saved.params.n_components;
      if (typeof k === 'number' && k > 0) return { shape: 'factor', width: k };
      // Without the parameter, the widest items × k array of the payload gives k.
      let width = 1;
      for (const a of Object.values(saved.arrays))
        if (a.shape.length === 2 && a.shape[0] === nItems) width = Math.max(width, a.shape[1]);
      return { shape: 'factor', width };
    }
    case 'CosineKNNRecommender':
    case 'RP3betaRecommender':
    case 'DenseSLIMRecommender': {
      // Average stored weights per item row: nItems for a dense W, its density for a sparse one.
      const sparse = saved.arrays['W.data'];
      const stored = sparse ? sparse.data.length : nItems * nItems;
      return { shape: 'item', width: nItems > 0 ? Math.max(1, stored / nItems) : 1 };
    }
    default:
      return { shape: 'flat', width: 1 };
  }
}

function build(model: ServingModel): CostModel {
  const { shape, width: w } = shapeOf(model);
  const n = model.nItems;
  const { indptr } = model.seen;
  const rowLength = (user: number) => (user >= 0 && user + 1 < indptr.length ? indptr[user + 1] - indptr[user] : 0);
  const select = n * NS_PER_ITEM;
  const knownUser = (user: number): number => {
    if (shape === 'factor') return n * w * NS_PER_SCORE_MAC + select;
    if (shape === 'item') return rowLength(user) * w * NS_PER_SPARSE_MAC + select;
    return select;
  };
  const foldIn = (history: number): number => {
    if (shape === 'item') return history * w * NS_PER_SPARSE_MAC + select;
    if (shape === 'flat') return select;
    const scoring = n * w * NS_PER_SCORE_MAC + select;
    if (model.algorithm === 'IALSRecommender') {
      // Normal equations: a k × k update per history item, then a dense k × k solve.
      return (w * w * w + 2 * history * w * w) * NS_PER_SOLVE_FLOP + scoring;
    }
    if (model.algorithm === 'BPRFMRecommender') return BPR_FOLD_IN_PASSES * history * w * NS_PER_SOLVE_FLOP + scoring;
    return history * w * NS_PER_SOLVE_FLOP + scoring;
  };
  return {
    knownUser,
    profile(job: ProfileJob): number {
      const masks = (job.allowed ? n : 0) + (job.masked?.length ?? 0);
      const extra = masks * NS_PER_ITEM;
      if (job.user !== undefined && job.items.length === 0) return knownUser(job.user) + extra;
      const history = job.items.length + (job.user !== undefined ? rowLength(job.user) : 0);
      return foldIn(history) + extra;
    },
  };
}

const models = new WeakMap<ServingModel, CostModel>();

/** The cost model of one loaded model (built once per model). */
export function costModel(model: ServingModel): CostModel {
  let cost = models.get(model);
  if (cost === undefined) {
    cost = build(model);
    models.set(model, cost);
  }
  return cost;
}

export function knownUsersCost(model: ServingModel, users: Int32Array): number {
  const cost = costModel(model);
  let total = 0;
  for (let j = 0; j < users.length; j++) total += cost.knownUser(users[j]);
  return total;
}

export function profilesCost(model: ServingModel, profiles: readonly ProfileJob[]): number {
  const cost = costModel(model);
  let total = 0;
  for (const p of profiles) total += cost.profile(p);
  return total;
}

/**
 * Cut `costs` into at most `parts` contiguous runs of similar total cost; returns the run ends.
 * Used to spread a batch over the scoring threads by work, not by element count.
 */
export function splitByCost(costs: readonly number[], parts: number): number[] {
  let total = 0;
  for (const c of costs) total += c;
  const ends: number[] = [];
  let acc = 0;
  for (let i = 0; i < costs.length; i++) {
    acc += costs[i];
    const cut = (total * (ends.length + 1)) / parts;
    if (acc >= cut && ends.length < parts - 1 && i < costs.length - 1) ends.push(i + 1);
  }
  ends.push(costs.length);
  return ends;
}
