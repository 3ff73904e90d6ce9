/**
 * The study store: where trials of a hyper-parameter search are recorded, so that a search can be
 * resumed (same study name) and several processes can share one study (PostgreSQL).
 *
 * Semantics shared by every implementation (in-memory, SQLite, PostgreSQL):
 *
 * - **Sessions and rounds.** Every `runSearch` attaches to its study as a *session*. A session that
 *   finds no other live session starts a new *round*: the round's trial cap is that session's
 *   `n_trials`, and the enqueued class blocks are computed from the study's
 *   COMPLETE trials and stored with the round. A session that finds live sessions *joins* their
 *   round and adds nothing: concurrent processes on one study together start at most the round's
 *   `n_trials` trials and consume one shared class queue. A later run on the same study (a resume,
 *   no live session left) opens a new round of `n_trials` more trials
 *   for a resumed study.
 * - **Claiming a trial** happens in one transaction holding the study's lock: dead sessions are
 *   retired (their RUNNING trials become FAIL), then the trial number (max + 1, so numbers are
 *   unique across processes), the round cap (trials of the round that did not FAIL) and the next
 *   queued class are decided together.
 * - **Per-class budget gate**, also under the study lock: a trial may train
 *   class C only while COMPLETE(C) + RUNNING trials already admitted for C < budget(C). Admitted
 *   trials hold their place while running, so parallel trials (in one process or many) never
 *   overshoot a class budget; a trial that is pruned or fails frees its place.
 * - **Liveness** of a session: in memory, until it ends; SQLite, while its process (same host, by
 *   pid) is alive; PostgreSQL, while its connection holds a session advisory lock (the server drops
 *   the lock when the process dies, however it dies).
 * - **Finishing together.** A session whose round is used up waits until no trial of the round is
 *   running any more before it reports, so every process sharing a study reports the same
 *   study-wide result.
 */
import type { Budgets } from '../budgets.js';
import type { TrialParams, TrialRecord, TrialState, UserAttrs } from '../trial.js';

export type StoreKind = 'memory' | 'sqlite' | 'postgresql';

export interface SessionPlan {
  /** Trial cap of a round this session starts (ignored when joining a live round). */
  nTrials: number;
  /** Active classes in recipe order and their budgets: the class queue of a new round. */
  activeClasses: readonly string[];
  budgets: Budgets;
}

export interface SessionInfo {
  sessionId: number;
  round: number;
  /** True when another live session's round was joined. */
  joined: boolean;
  roundCap: number;
  /** Classes enqueued for the round when this session started it (empty when joining). */
  queued: string[];
}

export interface ClaimedTrial {
  number: number;
  /** Class fixed by the round's queue, or null when the sampler must choose. */
  queuedClass: string | null;
}

export interface FinishFields {
  value?: number | null;
  params?: TrialParams;
  userAttrs?: UserAttrs;
}

/** One study as seen by one session (one `runSearch`). */
export interface Study {
  readonly name: string;
  beginSession(plan: SessionPlan): Promise<SessionInfo>;
  /** The next trial slot of this session's round, or null when the round's cap is reached. */
  claimTrial(): Promise<ClaimedTrial | null>;
  /** The budget gate: admit trial `number` for `className` unless the class budget is used up. */
  admitClass(number: number, className: string, budget: number): Promise<boolean>;
  setParams(number: number, params: TrialParams): Promise<void>;
  /** Record an intermediate objective value (the full list so far, in report order). */
  setIntermediate(number: number, values: Array<[number, number]>): Promise<void>;
  finishTrial(number: number, state: Exclude<TrialState, 'RUNNING'>, fields: FinishFields): Promise<void>;
  /** Every trial of the study, by number. */
  trials(): Promise<TrialRecord[]>;
  /** COMPLETE trials only (the pruner's view). */
  completedTrials(): Promise<TrialRecord[]>;
  /** Trials of this session's round still RUNNING in live sessions (dead sessions are retired first). */
  runningInRound(): Promise<number>;
  endSession(): Promise<void>;
}

export interface StudyStore {
  readonly kind: StoreKind;
  /** Open (creating if needed) the study of that name. */
  openStudy(name: string): Promise<Study>;
  close(): Promise<void>;
}
