/**
 * IALS: implicit-feedback matrix factorisation with the iALS++ objective,
 * trained by alternating conjugate-gradient updates (at most `max_cg_steps` per row and side,
 * warm-started) in parallel over work-balanced row ranges. score(u) = U[u]·Vᵀ.
 *
 * Fold-in (`scoreHistory`): the user vector for a history x minimises the same objective with the
 * item factors fixed, i.e. it solves (α₀VᵀV + λ_x I + Σ_i c_i v_i v_iᵀ) u = Σ_i c_i v_i with
 * λ_x = reg·(α₀·I + |x|)^ν. We solve it exactly (Cholesky, float64); the original runs 5 CG steps
 * from zero, so its scores differ slightly (the artifact format allows the exact solve).
 */
import { ArtifactError } from '../errors/index.js';
import { conjugateGradient } from '../linalg/cg.js';
import { choleskyFactor, choleskySolve } from '../linalg/cholesky.js';
import type { CsrMatrix } from '../linalg/csr.js';
import { gemv } from '../linalg/dense.js';
import { gram32, pad4 } from '../linalg/kernels.js';
import { defaultThreads } from '../linalg/pool.js';
import { unpin } from '../linalg/resident.js';
import {
  aggregateHistory,
  factorsFromNdArray,
  factorsToNdArray,
  fitForEpochs,
  reportKernelBackend,
  scoreFactorUsers,
  scoreFactorVector,
} from './factor-model.js';
import { readChoice, readNumber } from './hyperparams.js';
import { type IalsConfig, IalsTraining } from './ials-training.js';
import type {
  FactorScoring,
  FitOptions,
  IterativeRecommender,
  Params,
  RecommenderSpec,
  SavedModel,
  SearchSpace,
} from './types.js';

const CLASS = 'IALSRecommender' as const;
/** Layout version of what `save()` writes. */
const MODEL_FORMAT_VERSION = 1;

/** The defaults, written once: the search starts from them and `readConfig` falls back to them. */
const DEFAULTS = {
  n_components: 20,
  alpha0: 0,
  reg: 1e-3,
  nu: 1,
  init_std: 0.1,
  max_cg_steps: 3,
  random_seed: 42,
  train_epochs: 16,
  confidence_scaling: 'none',
  epsilon: 1,
} as const;
export const ialsDefaults: Params = { ...DEFAULTS };

export const ialsSearchSpace: SearchSpace = {
  n_components: { kind: 'int', low: 4, high: 300 },
  alpha0: { kind: 'float', low: 3e-3, high: 1, log: true },
  reg: { kind: 'float', low: 1e-4, high: 1e-1, log: true },
};

function readConfig(params: Params): IalsConfig & { epochs: number } {
  const d = DEFAULTS;
  return {
    k: readNumber(params, CLASS, 'n_components', d.n_components, { integer: true, min: 1 }),
    alpha0: readNumber(params, CLASS, 'alpha0', d.alpha0, { min: 0 }),
    reg: readNumber(params, CLASS, 'reg', d.reg, { min: 0 }),
    nu: readNumber(params, CLASS, 'nu', d.nu),
    initStd: readNumber(params, CLASS, 'init_std', d.init_std, { min: 0 }),
    maxCgSteps: readNumber(params, CLASS, 'max_cg_steps', d.max_cg_steps, { integer: true, min: 1 }),
    seed: readNumber(params, CLASS, 'random_seed', d.random_seed, { integer: true }),
    epochs: readNumber(params, CLASS, 'train_epochs', d.train_epochs, { integer: true, min: 0 }),
    confidence: readChoice(params, CLASS, 'confidence_scaling', ['none', 'log'] as const, d.confidence_scaling),
    epsilon: readNumber(params, CLASS, 'epsilon', d.epsilon, { min: 0, minExclusive: true }),
  };
}

interface IalsSnapshot {
  U: Float32Array;
  V: Float32Array;
}

export class IALSRecommender implements IterativeRecommender {
  readonly className = CLASS;
  readonly nUsers: number;
  readonly nItems: number;
  readonly trainMatrix?: CsrMatrix;
  private readonly cfg: IalsConfig & { epochs: number };
  private readonly kp: number;
  private U: Float32Array | null;
  private V: Float32Array | null;
  private training: IalsTraining | null = null;
  private learntEpochs: number | null = null;
  /** VᵀV (float64, kp × kp) for fold-in, computed on first use */
  private gramV: Float64Array | null = null;

  constructor(X: CsrMatrix | null, params: Params, dims?: { nUsers: number; nItems: number }) {
    this.cfg = readConfig(params);
    this.kp = pad4(this.cfg.k);
    this.trainMatrix = X ?? undefined;
    this.nUsers = X ? X.rows : (dims?.nUsers ?? 0);
    this.nItems = X ? X.cols : (dims?.nItems ?? 0);
    this.U = null;
    this.V = null;
    reportKernelBackend();
  }

  /** @internal used by the loader */
  setFactors(U: Float32Array, V: Float32Array): void {
    this.U = U;
    this.V = V;
    this.gramV = null;
  }

  fit(opts?: FitOptions): Promise<void> {
    return fitForEpochs(this, this.cfg.epochs, opts);
  }

  async startTraining(opts?: FitOptions): Promise<void> {
    const X = this.trainMatrix;
    if (!X) throw new Error('IALSRecommender: a loaded model cannot be trained again');
    await this.dispose();
    this.training = new IalsTraining(X, this.cfg, this.kp, opts?.threads ?? defaultThreads());
    this.setFactors(this.training.U, this.training.V);
  }

  async runEpoch(): Promise<void> {
    if (!this.training) throw new Error('IALSRecommender.runEpoch: call startTraining() first');
    await this.training.runEpoch();
    this.gramV = null;
  }

  snapshot(reuse?: unknown): IalsSnapshot {
    const { U, V } = this.factors();
    const old = reuse as IalsSnapshot | undefined;
    if (old?.U instanceof Float32Array && old.U.length === U.length && old.V.length === V.length) {
      old.U.set(U);
      old.V.set(V);
      return old;
    }
    return { U: U.slice(), V: V.slice() };
  }

  restoreSnapshot(s: unknown): void {
    const snap = s as IalsSnapshot;
    const { U, V } = this.factors();
    if (!(snap?.U instanceof Float32Array) || snap.U.length !== U.length || snap.V.length !== V.length) {
      throw new Error('IALSRecommender.restoreSnapshot: not a snapshot of this model');
    }
    U.set(snap.U);
    V.set(snap.V);
    unpin(V);
    this.gramV = null;
  }

  setTrainEpochs(n: number): void {
    this.learntEpochs = n;
  }

  async dispose(discard = false): Promise<void> {
    if (!this.training) return;
    const plain = this.training.release(discard);
    this.training = null;
    if (plain) this.setFactors(plain.U, plain.V);
    else {
      this.U = null;
      this.V = null;
      this.gramV = null;
    }
  }

  private factors(): { U: Float32Array; V: Float32Array } {
    if (!this.U || !this.V) throw new Error('IALSRecommender: call fit() before scoring');
    return { U: this.U, V: this.V };
  }

  factorScoring(): FactorScoring {
    const { U, V } = this.factors();
    return { userF: U, itemF: V, kp: this.kp };
  }

  scoreUsers(users: Int32Array, out: Float32Array): void {
    const { U, V } = this.factors();
    scoreFactorUsers(U, V, this.kp, this.nUsers, this.nItems, users, out);
  }

  /** Exact fold-in (see the file comment). An empty history scores every item 0. */
  scoreHistory(items: Int32Array, weights?: Float32Array): Float32Array {
    const { V } = this.factors();
    const { kp, cfg } = this;
    const hist = aggregateHistory(items, weights, this.nItems);
    const x = new Float32Array(kp);
    if (hist.items.length > 0) {
      if (!this.gramV) {
        this.gramV = new Float64Array(kp * kp);
        gram32(V, kp, kp, 0, this.nItems, this.gramV);
      }
      const M = new Float64Array(kp * kp);
      for (let t = 0; t < kp * kp; t++) M[t] = cfg.alpha0 * this.gramV[t];
      const lam = cfg.reg * (cfg.alpha0 * this.nItems + hist.items.length) ** cfg.nu;
      const b = new Float64Array(kp);
      for (let h = 0; h < hist.items.length; h++) {
        const off = hist.items[h] * kp;
        const raw = hist.values[h];
        const c = cfg.confidence === 'log' ? Math.log1p(raw / cfg.epsilon) : raw;
        for (let i = 0; i < kp; i++) {
          const vi = V[off + i];
          if (vi === 0) continue;
          b[i] += c * vi;
          for (let j = 0; j < kp; j++) M[i * kp + j] += c * vi * V[off + j];
        }
      }
      // padding columns are all zero: give them a unit diagonal so the system stays definite
      for (let i = 0; i < kp; i++) M[i * kp + i] += i < cfg.k ? lam : lam > 0 ? lam : 1;
      const A = M.slice();
      if (choleskyFactor(M, kp)) {
        choleskySolve(M, kp, b);
        for (let i = 0; i < cfg.k; i++) x[i] = b[i];
      } else {
        // only semi-definite (reg = 0 and a short history): fall back to the original's 5 CG steps from 0
        const u = new Float64Array(kp);
        conjugateGradient((p, out) => gemv(kp, kp, A, kp, p, out), b, u, 5);
        for (let i = 0; i < cfg.k; i++) x[i] = u[i];
      }
    }
    return scoreFactorVector(x, V, kp, this.nItems);
  }

  learntConfig(): Params {
    return this.learntEpochs === null ? {} : { train_epochs: this.learntEpochs };
  }

  save(): SavedModel {
    const { U, V } = this.factors();
    const c = this.cfg;
    return {
      algorithm: CLASS,
      modelFormatVersion: MODEL_FORMAT_VERSION,
      params: {
        n_components: c.k,
        alpha0: c.alpha0,
        reg: c.reg,
        nu: c.nu,
        init_std: c.initStd,
        max_cg_steps: c.maxCgSteps,
        random_seed: c.seed,
        train_epochs: this.learntEpochs ?? c.epochs,
        confidence_scaling: c.confidence,
        epsilon: c.epsilon,
        loss_type: 'IALSPP',
        fold_in_solver: 'exact',
      },
      arrays: {
        user_factors: factorsToNdArray(U, this.nUsers, c.k),
        item_factors: factorsToNdArray(V, this.nItems, c.k),
      },
    };
  }
}

export const ialsSpec: RecommenderSpec<typeof CLASS> = {
  className: CLASS,
  modelFormatVersion: MODEL_FORMAT_VERSION,
  aliases: ['IALS'],
  defaults: ialsDefaults,
  searchSpace: ialsSearchSpace,
  iterative: true,
  create(X: CsrMatrix, params: Params) {
    return new IALSRecommender(X, params);
  },
  load(saved: SavedModel, seen: CsrMatrix) {
    if (saved.params.loss_type !== undefined && saved.params.loss_type !== 'IALSPP') {
      throw new ArtifactError(`IALSRecommender: unsupported loss_type '${saved.params.loss_type}'`, 'deserialize');
    }
    const k = readNumber(saved.params, CLASS, 'n_components', DEFAULTS.n_components, { integer: true, min: 1 });
    const U = factorsFromNdArray(saved.arrays.user_factors, 'user_factors', seen.rows, k);
    const V = factorsFromNdArray(saved.arrays.item_factors, 'item_factors', seen.cols, k);
    const model = new IALSRecommender(null, saved.params, { nUsers: seen.rows, nItems: seen.cols });
    model.setFactors(U, V);
    return model;
  },
};
