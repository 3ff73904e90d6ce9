/** Public API of the hyper-parameter search. */
export {
  activeClasses,
  type Budgets,
  buildClassQueue,
  completedByClass,
  computeBudgets,
  roundHalfEven,
} from './budgets.js';
export {
  DEFAULT_EARLY_STOPPING,
  type EarlyStoppingOptions,
  type EvaluationInput,
  learnWithOptimizer,
  type SearchEvaluator,
  type TrialEnvironment,
  TrialPrunedSignal,
} from './objective.js';
export { bestTrial, type SearchResult, summarizeSearch } from './post-search.js';
export { MedianPruner, type MedianPrunerOptions } from './pruner.js';
export { deriveSeed, Rng, uniformSource } from './rng.js';
export { type RunSearchOptions, runSearch, studyNameFor, type TrialEvent } from './search.js';
export { MemoryStudyStore } from './store/memory.js';
export { CREDENTIALS_MESSAGE, openStudyStore, type ResolvedStorage, resolveStoragePath } from './store/resolve.js';
export type { SessionInfo, SessionPlan, Study, StudyStore } from './store/types.js';
export { defaultGamma, splitTrials, type TpeOptions, TpeSampler } from './tpe.js';
export { CLASS_PARAM, type PrunedReason, type TrialRecord, type TrialState } from './trial.js';
