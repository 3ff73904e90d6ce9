/** In-memory study store (empty `storage_path`): no resume across processes. See types.ts. */
import { buildClassQueue, completedByClass } from '../budgets.js';
import type { TrialParams, TrialRecord, TrialState } from '../trial.js';
import type { ClaimedTrial, FinishFields, SessionInfo, SessionPlan, Study, StudyStore } from './types.js';

interface MemTrial extends TrialRecord {
  round: number;
  sessionId: number;
  admitted: boolean;
}

interface MemStudy {
  name: string;
  round: number;
  roundCap: number;
  queue: string[];
  trials: MemTrial[];
  openSessions: Set<number>;
}

function cloneTrial(t: MemTrial): TrialRecord {
  return {
    number: t.number,
    state: t.state,
    className: t.className,
    value: t.value,
    params: { ...t.params },
    userAttrs: { ...t.userAttrs },
    intermediate: t.intermediate.map(([s, v]) => [s, v] as [number, number]),
    startedAt: t.startedAt,
    finishedAt: t.finishedAt,
  };
}

class MemoryStudy implements Study {
  private sessionId = -1;
  private round = -1;

  constructor(
    private readonly store: MemoryStudyStore,
    private readonly s: MemStudy,
  ) {}

  get name(): string {
    return this.s.name;
  }

  async beginSession(plan: SessionPlan): Promise<SessionInfo> {
    this.sessionId = this.store.nextSessionId++;
    const joined = this.s.openSessions.size > 0;
    let queued: string[] = [];
    if (!joined) {
      this.s.round += 1;
      this.s.roundCap = plan.nTrials;
      queued = buildClassQueue(plan.activeClasses, plan.budgets, completedByClass(this.s.trials));
      this.s.queue = queued.slice();
    }
    this.s.openSessions.add(this.sessionId);
    this.round = this.s.round;
    return { sessionId: this.sessionId, round: this.round, joined, roundCap: this.s.roundCap, queued };
  }

  async claimTrial(): Promise<ClaimedTrial | null> {
    this.retireDeadTrials();
    if (this.s.round !== this.round) return null;
    const used = this.s.trials.filter((t) => t.round === this.round && t.state !== 'FAIL').length;
    if (used >= this.s.roundCap) return null;
    const queuedClass = this.s.queue.shift() ?? null;
    const number = this.s.trials.length === 0 ? 0 : this.s.trials[this.s.trials.length - 1].number + 1;
    this.s.trials.push({
      number,
      state: 'RUNNING',
      className: queuedClass,
      value: null,
      params: {},
      userAttrs: {},
      intermediate: [],
      startedAt: new Date().toISOString(),
      finishedAt: null,
      round: this.round,
      sessionId: this.sessionId,
      admitted: false,
    });
    return { number, queuedClass };
  }

  async admitClass(number: number, className: string, budget: number): Promise<boolean> {
    let used = 0;
    for (const t of this.s.trials) {
      if (t.className !== className || t.number === number) continue;
      if (t.state === 'COMPLETE' || (t.state === 'RUNNING' && t.admitted)) used++;
    }
    if (used >= budget) return false;
    const t = this.get(number);
    t.className = className;
    t.admitted = true;
    return true;
  }

  async setParams(number: number, params: TrialParams): Promise<void> {
    this.get(number).params = { ...params };
  }

  async setIntermediate(number: number, values: Array<[number, number]>): Promise<void> {
    this.get(number).intermediate = values.map(([s, v]) => [s, v] as [number, number]);
  }

  async finishTrial(number: number, state: Exclude<TrialState, 'RUNNING'>, f: FinishFields): Promise<void> {
    const t = this.get(number);
    t.state = state;
    if (f.value !== undefined) t.value = f.value;
    if (f.params) t.params = { ...f.params };
    if (f.userAttrs) t.userAttrs = { ...f.userAttrs };
    t.finishedAt = new Date().toISOString();
  }

  async trials(): Promise<TrialRecord[]> {
    return this.s.trials.map(cloneTrial);
  }

  async completedTrials(): Promise<TrialRecord[]> {
    return this.s.trials.filter((t) => t.state === 'COMPLETE').map(cloneTrial);
  }

  async runningInRound(): Promise<number> {
    this.retireDeadTrials();
    return this.s.trials.filter((t) => t.round === this.round && t.state === 'RUNNING').length;
  }

  async endSession(): Promise<void> {
    this.s.openSessions.delete(this.sessionId);
  }

  private retireDeadTrials(): void {
    for (const t of this.s.trials) {
      if (t.state === 'RUNNING' && !this.s.openSessions.has(t.sessionId)) {
        t.state = 'FAIL';
        t.finishedAt = new Date().toISOString();
      }
    }
  }

  private get(number: number): MemTrial {
    const t = this.s.trials.find((x) => x.number === number);
    if (!t) throw new Error(`study ${this.s.name}: no trial ${number}`);
    return t;
  }
}

export class MemoryStudyStore implements StudyStore {
  readonly kind = 'memory' as const;
  nextSessionId = 1;
  private readonly studies = new Map<string, MemStudy>();

  async openStudy(name: string): Promise<Study> {
    let s = this.studies.get(name);
    if (!s) {
      s = { name, round: 0, roundCap: 0, queue: [], trials: [], openSessions: new Set() };
      this.studies.set(name, s);
    }
    return new MemoryStudy(this, s);
  }

  async close(): Promise<void> {
    this.studies.clear();
  }
}
