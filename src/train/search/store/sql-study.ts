/**
 * The study store on SQL (SQLite and PostgreSQL share this logic; see types.ts for the
 * semantics). Tables carry a `recotem_` prefix so that a database that also holds Optuna's own
 * `studies`/`trials` tables is never confused with ours.
 *
 * Statements use `?` placeholders; the PostgreSQL driver numbers them.
 */
import { hostname } from 'node:os';
import { buildClassQueue, completedByClass } from '../budgets.js';
import type { TrialParams, TrialRecord, TrialState, UserAttrs } from '../trial.js';
import type { ClaimedTrial, FinishFields, SessionInfo, SessionPlan, Study, StudyStore } from './types.js';

export type Row = Record<string, unknown>;
export type Query = (sql: string, params?: readonly unknown[]) => Promise<Row[]>;

export interface SqlDriver {
  readonly kind: 'sqlite' | 'postgresql';
  /** Create the tables if missing (safe to call from several processes at once). */
  ensureSchema(): Promise<void>;
  /** Autocommit statement. */
  query: Query;
  /** Run `fn` in one transaction that holds the lock of study `studyId`. */
  withStudyLock<T>(studyId: number, fn: (q: Query) => Promise<T>): Promise<T>;
  /**
   * Run `fn` (which inserts the session row) in a study-locked transaction and make the new
   * session provably live before the transaction commits.
   */
  withNewSession<T extends { sessionId: number }>(studyId: number, fn: (q: Query) => Promise<T>): Promise<T>;
  /** Ids of the study's open sessions whose owner is gone (call inside the study lock). */
  deadSessions(q: Query, studyId: number): Promise<number[]>;
  /** Drop what keeps `sessionId` live (PostgreSQL: its lock connection). */
  releaseSession(sessionId: number): Promise<void>;
  close(): Promise<void>;
}

function now(): string {
  return new Date().toISOString();
}

function parseJson<T>(raw: unknown, fallback: T): T {
  if (typeof raw !== 'string' || raw === '') return fallback;
  return JSON.parse(raw) as T;
}

function toNumber(v: unknown): number {
  return typeof v === 'bigint' ? Number(v) : Number(v);
}

function rowToTrial(r: Row): TrialRecord {
  return {
    number: toNumber(r.number),
    state: r.state as TrialState,
    className: (r.class as string | null) ?? null,
    value: r.value === null || r.value === undefined ? null : Number(r.value),
    params: parseJson<TrialParams>(r.params, {}),
    userAttrs: parseJson<UserAttrs>(r.user_attrs, {}),
    intermediate: parseJson<Array<[number, number]>>(r.intermediate, []),
    startedAt: String(r.started_at),
    finishedAt: r.finished_at === null || r.finished_at === undefined ? null : String(r.finished_at),
  };
}

const TRIAL_COLUMNS = 'number, state, class, value, params, user_attrs, intermediate, started_at, finished_at';

class SqlStudy implements Study {
  private sessionId = -1;
  private round = -1;

  constructor(
    private readonly driver: SqlDriver,
    private readonly studyId: number,
    readonly name: string,
  ) {}

  private async retireDead(q: Query): Promise<void> {
    const dead = await this.driver.deadSessions(q, this.studyId);
    if (dead.length === 0) return;
    const t = now();
    for (const id of dead) {
      await q('UPDATE recotem_sessions SET ended_at = ? WHERE id = ?', [t, id]);
      await q(
        "UPDATE recotem_trials SET state = 'FAIL', finished_at = ? WHERE study_id = ? AND session_id = ? AND state = 'RUNNING'",
        [t, this.studyId, id],
      );
    }
  }

  async beginSession(plan: SessionPlan): Promise<SessionInfo> {
    const info = await this.driver.withNewSession(this.studyId, async (q) => {
      await this.retireDead(q);
      const open = await q('SELECT COUNT(*) AS n FROM recotem_sessions WHERE study_id = ? AND ended_at IS NULL', [
        this.studyId,
      ]);
      const joined = toNumber(open[0].n) > 0;
      let queued: string[] = [];
      if (!joined) {
        const complete = (
          await q(`SELECT ${TRIAL_COLUMNS} FROM recotem_trials WHERE study_id = ? AND state = 'COMPLETE'`, [
            this.studyId,
          ])
        ).map(rowToTrial);
        queued = buildClassQueue(plan.activeClasses, plan.budgets, completedByClass(complete));
        await q('UPDATE recotem_studies SET round = round + 1, round_cap = ? WHERE id = ?', [
          plan.nTrials,
          this.studyId,
        ]);
        const st = await q('SELECT round FROM recotem_studies WHERE id = ?', [this.studyId]);
        const round = toNumber(st[0].round);
        for (let i = 0; i < queued.length; i++) {
          await q('INSERT INTO recotem_queue (study_id, round, position, class) VALUES (?, ?, ?, ?)', [
            this.studyId,
            round,
            i,
            queued[i],
          ]);
        }
      }
      const st = await q('SELECT round, round_cap FROM recotem_studies WHERE id = ?', [this.studyId]);
      const round = toNumber(st[0].round);
      const ins = await q(
        'INSERT INTO recotem_sessions (study_id, round, pid, host, started_at) VALUES (?, ?, ?, ?, ?) RETURNING id',
        [this.studyId, round, process.pid, hostname(), now()],
      );
      return { sessionId: toNumber(ins[0].id), round, joined, roundCap: toNumber(st[0].round_cap), queued };
    });
    this.sessionId = info.sessionId;
    this.round = info.round;
    return info;
  }

  async claimTrial(): Promise<ClaimedTrial | null> {
    return this.driver.withStudyLock(this.studyId, async (q) => {
      await this.retireDead(q);
      const st = await q('SELECT round, round_cap FROM recotem_studies WHERE id = ?', [this.studyId]);
      if (toNumber(st[0].round) !== this.round) return null;
      const used = await q(
        "SELECT COUNT(*) AS n FROM recotem_trials WHERE study_id = ? AND round = ? AND state <> 'FAIL'",
        [this.studyId, this.round],
      );
      if (toNumber(used[0].n) >= toNumber(st[0].round_cap)) return null;
      const head = await q(
        'SELECT position, class FROM recotem_queue WHERE study_id = ? AND round = ? ORDER BY position LIMIT 1',
        [this.studyId, this.round],
      );
      let queuedClass: string | null = null;
      if (head.length > 0) {
        queuedClass = String(head[0].class);
        await q('DELETE FROM recotem_queue WHERE study_id = ? AND round = ? AND position = ?', [
          this.studyId,
          this.round,
          head[0].position,
        ]);
      }
      const max = await q('SELECT MAX(number) AS m FROM recotem_trials WHERE study_id = ?', [this.studyId]);
      const number = max[0].m === null || max[0].m === undefined ? 0 : toNumber(max[0].m) + 1;
      await q(
        "INSERT INTO recotem_trials (study_id, number, round, session_id, state, class, admitted, started_at) VALUES (?, ?, ?, ?, 'RUNNING', ?, 0, ?)",
        [this.studyId, number, this.round, this.sessionId, queuedClass, now()],
      );
      return { number, queuedClass };
    });
  }

  async admitClass(number: number, className: string, budget: number): Promise<boolean> {
    return this.driver.withStudyLock(this.studyId, async (q) => {
      await this.retireDead(q);
      const used = await q(
        "SELECT COUNT(*) AS n FROM recotem_trials WHERE study_id = ? AND class = ? AND number <> ? AND (state = 'COMPLETE' OR (state = 'RUNNING' AND admitted = 1))",
        [this.studyId, className, number],
      );
      if (toNumber(used[0].n) >= budget) return false;
      await q('UPDATE recotem_trials SET class = ?, admitted = 1 WHERE study_id = ? AND number = ?', [
        className,
        this.studyId,
        number,
      ]);
      return true;
    });
  }

  async setParams(number: number, params: TrialParams): Promise<void> {
    await this.driver.query('UPDATE recotem_trials SET params = ? WHERE study_id = ? AND number = ?', [
      JSON.stringify(params),
      this.studyId,
      number,
    ]);
  }

  async setIntermediate(number: number, values: Array<[number, number]>): Promise<void> {
    await this.driver.query('UPDATE recotem_trials SET intermediate = ? WHERE study_id = ? AND number = ?', [
      JSON.stringify(values),
      this.studyId,
      number,
    ]);
  }

  async finishTrial(number: number, state: Exclude<TrialState, 'RUNNING'>, f: FinishFields): Promise<void> {
    const sets = ['state = ?', 'finished_at = ?'];
    const args: unknown[] = [state, now()];
    if (f.value !== undefined) {
      sets.push('value = ?');
      args.push(f.value);
    }
    if (f.params) {
      sets.push('params = ?');
      args.push(JSON.stringify(f.params));
    }
    if (f.userAttrs) {
      sets.push('user_attrs = ?');
      args.push(JSON.stringify(f.userAttrs));
    }
    args.push(this.studyId, number);
    await this.driver.query(`UPDATE recotem_trials SET ${sets.join(', ')} WHERE study_id = ? AND number = ?`, args);
  }

  async trials(): Promise<TrialRecord[]> {
    const rows = await this.driver.query(
      `SELECT ${TRIAL_COLUMNS} FROM recotem_trials WHERE study_id = ? ORDER BY number`,
      [this.studyId],
    );
    return rows.map(rowToTrial);
  }

  async completedTrials(): Promise<TrialRecord[]> {
    const rows = await this.driver.query(
      `SELECT ${TRIAL_COLUMNS} FROM recotem_trials WHERE study_id = ? AND state = 'COMPLETE' ORDER BY number`,
      [this.studyId],
    );
    return rows.map(rowToTrial);
  }

  async runningInRound(): Promise<number> {
    return this.driver.withStudyLock(this.studyId, async (q) => {
      await this.retireDead(q);
      const r = await q(
        "SELECT COUNT(*) AS n FROM recotem_trials WHERE study_id = ? AND round = ? AND state = 'RUNNING'",
        [this.studyId, this.round],
      );
      return toNumber(r[0].n);
    });
  }

  async endSession(): Promise<void> {
    if (this.sessionId < 0) return;
    await this.driver.query('UPDATE recotem_sessions SET ended_at = ? WHERE id = ?', [now(), this.sessionId]);
    await this.driver.releaseSession(this.sessionId);
    this.sessionId = -1;
  }
}

export class SqlStudyStore implements StudyStore {
  private schemaReady: Promise<void> | null = null;

  constructor(private readonly driver: SqlDriver) {}

  get kind(): 'sqlite' | 'postgresql' {
    return this.driver.kind;
  }

  async openStudy(name: string): Promise<Study> {
    this.schemaReady ??= this.driver.ensureSchema();
    await this.schemaReady;
    await this.driver.query(
      "INSERT INTO recotem_studies (name, direction, round, round_cap, created_at) VALUES (?, 'minimize', 0, 0, ?) ON CONFLICT (name) DO NOTHING",
      [name, now()],
    );
    const rows = await this.driver.query('SELECT id FROM recotem_studies WHERE name = ?', [name]);
    return new SqlStudy(this.driver, toNumber(rows[0].id), name);
  }

  async close(): Promise<void> {
    await this.driver.close();
  }
}
