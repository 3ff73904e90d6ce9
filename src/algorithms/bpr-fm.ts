/**
 * BPRFM: matrix factorisation with item biases trained by pairwise SGD, BPR or
 * WARP loss, AdaGrad (learning rate 0.05, accumulators starting at 1), a LightFM model without side
 * features implemented natively. One epoch = one pass over all stored (user, item) entries in a
 * freshly shuffled order. score(u)[i] = p_u·q_i + b_i.
 *
 * Differences from LightFM, documented: L2 penalties (`user_alpha`, `item_alpha`) are applied to the
 * parameters each update touches (LightFM applies them lazily through a global scale); training is
 * single-threaded and deterministic for a seed (LightFM's threads race without locks), so
 * `threads` is ignored.
 *
 * Fold-in (`scoreHistory`, not available in the original): the user vector for a history is fitted
 * with the item embeddings and biases fixed, by FOLD_IN_EPOCHS passes of the same BPR update over
 * the history's items (negatives drawn with a generator seeded from `random_seed`), from zero.
 */
import { ArtifactError } from '../errors/index.js';
import { type BprState, bprEpoch } from '../linalg/bpr-kernel.js';
import type { CsrMatrix } from '../linalg/csr.js';
import { pad4 } from '../linalg/kernels.js';
import { Rng } from '../linalg/random.js';
import { releaseShared, sharedF32, sharedI32, toShared, unpin } from '../linalg/resident.js';
import { wasmRuntime } from '../linalg/wasm/runtime.js';
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
import type {
  FactorScoring,
  FitOptions,
  IterativeRecommender,
  Params,
  RecommenderSpec,
  SavedModel,
  SearchSpace,
} from './types.js';

const CLASS = 'BPRFMRecommender' as const;
/** Layout version of what `save()` writes. */
const MODEL_FORMAT_VERSION = 1;
const FOLD_IN_EPOCHS = 30;

/** The defaults, written once: the search starts from them and `readConfig` falls back to them. */
const DEFAULTS = {
  n_components: 128,
  item_alpha: 1e-9,
  user_alpha: 1e-9,
  loss: 'bpr',
  train_epochs: 128,
  random_seed: 42,
  learning_rate: 0.05,
  max_sampled: 10,
} as const;
export const bprFmDefaults: Params = { ...DEFAULTS };

export const bprFmSearchSpace: SearchSpace = {
  n_components: { kind: 'int', low: 4, high: 256 },
  item_alpha: { kind: 'float', low: 1e-9, high: 1e-2, log: true },
  user_alpha: { kind: 'float', low: 1e-9, high: 1e-2, log: true },
  loss: { kind: 'categorical', choices: ['bpr', 'warp'] },
};

interface BprConfig {
  k: number;
  itemAlpha: number;
  userAlpha: number;
  loss: 'bpr' | 'warp';
  epochs: number;
  seed: number;
  lr: number;
  maxSampled: number;
}

function readConfig(params: Params): BprConfig {
  const d = DEFAULTS;
  return {
    k: readNumber(params, CLASS, 'n_components', d.n_components, { integer: true, min: 1 }),
    itemAlpha: readNumber(params, CLASS, 'item_alpha', d.item_alpha, { min: 0 }),
    userAlpha: readNumber(params, CLASS, 'user_alpha', d.user_alpha, { min: 0 }),
    loss: readChoice(params, CLASS, 'loss', ['bpr', 'warp'] as const, d.loss),
    epochs: readNumber(params, CLASS, 'train_epochs', d.train_epochs, { integer: true, min: 0 }),
    seed: readNumber(params, CLASS, 'random_seed', d.random_seed, { integer: true }),
    lr: readNumber(params, CLASS, 'learning_rate', d.learning_rate, { min: 0, minExclusive: true }),
    maxSampled: readNumber(params, CLASS, 'max_sampled', d.max_sampled, { integer: true, min: 1 }),
  };
}

interface Training {
  state: BprState;
  rng: Rng;
  rngState: Uint32Array | null;
  owned: (Float32Array | Int32Array | Uint32Array)[];
}

interface BprSnapshot {
  P: Float32Array;
  Q: Float32Array;
  B: Float32Array;
}

export class BPRFMRecommender implements IterativeRecommender {
  readonly className = CLASS;
  readonly nUsers: number;
  readonly nItems: number;
  readonly trainMatrix?: CsrMatrix;
  private readonly cfg: BprConfig;
  private readonly kp: number;
  private P: Float32Array | null = null;
  private Q: Float32Array | null = null;
  private B: Float32Array | null = null;
  private training: Training | null = null;
  private learntEpochs: number | null = null;

  constructor(X: CsrMatrix | null, params: Params, dims?: { nUsers: number; nItems: number }) {
    this.cfg = readConfig(params);
    this.kp = pad4(this.cfg.k);
    this.trainMatrix = X ?? undefined;
    this.nUsers = X ? X.rows : (dims?.nUsers ?? 0);
    this.nItems = X ? X.cols : (dims?.nItems ?? 0);
    reportKernelBackend();
  }

  /** @internal used by the loader */
  setParameters(P: Float32Array, Q: Float32Array, B: Float32Array): void {
    if (this.Q) unpin(this.Q);
    this.P = P;
    this.Q = Q;
    this.B = B;
  }

  fit(opts?: FitOptions): Promise<void> {
    return fitForEpochs(this, this.cfg.epochs, opts);
  }

  async startTraining(_opts?: FitOptions): Promise<void> {
    const X = this.trainMatrix;
    if (!X) throw new Error('BPRFMRecommender: a loaded model cannot be trained again');
    await this.dispose();
    const { kp, cfg } = this;
    const rng = new Rng(cfg.seed);
    const P = sharedF32(X.rows * kp);
    const Q = sharedF32(X.cols * kp);
    // uniform in (−0.5/K, 0.5/K): items first, then users (LightFM's order)
    for (let i = 0; i < X.cols; i++) for (let c = 0; c < cfg.k; c++) Q[i * kp + c] = (rng.nextFloat() - 0.5) / cfg.k;
    for (let u = 0; u < X.rows; u++) for (let c = 0; c < cfg.k; c++) P[u * kp + c] = (rng.nextFloat() - 0.5) / cfg.k;
    const B = sharedF32(X.cols);
    const GP = sharedF32(X.rows * kp).fill(1);
    const GQ = sharedF32(X.cols * kp).fill(1);
    const GB = sharedF32(X.cols).fill(1);
    const n = X.indptr[X.rows];
    const entryUser = sharedI32(n);
    for (let u = 0; u < X.rows; u++) entryUser.fill(u, X.indptr[u], X.indptr[u + 1]);
    const entryItem = toShared(X.indices);
    const order = sharedI32(n);
    const indptr = toShared(X.indptr);
    // the generator's four state words, in the heap so the kernel can continue the stream
    const rngState = wasmRuntime() ? sharedI32(4) : null;
    const stateWords = rngState ? new Uint32Array(rngState.buffer, rngState.byteOffset, 4) : null;
    const state: BprState = {
      order,
      entryUser,
      entryItem,
      indptr,
      indices: entryItem,
      P,
      Q,
      B,
      GP,
      GQ,
      GB,
      kp,
      nItems: X.cols,
      lr: cfg.lr,
      userAlpha: cfg.userAlpha,
      itemAlpha: cfg.itemAlpha,
      warp: cfg.loss === 'warp',
      maxSampled: cfg.maxSampled,
    };
    const owned = [P, Q, B, GP, GQ, GB, entryUser, entryItem, order, indptr];
    if (rngState) owned.push(rngState);
    this.training = { state, rng, rngState: stateWords, owned };
    this.setParameters(P, Q, B);
  }

  async runEpoch(): Promise<void> {
    const t = this.training;
    if (!t) throw new Error('BPRFMRecommender.runEpoch: call startTraining() first');
    const { order } = t.state;
    for (let e = 0; e < order.length; e++) order[e] = e;
    t.rng.shuffle(order);
    bprEpoch(t.state, t.rng, t.rngState);
  }

  snapshot(reuse?: unknown): BprSnapshot {
    const { P, Q, B } = this.params();
    const old = reuse as BprSnapshot | undefined;
    if (old?.P instanceof Float32Array && old.P.length === P.length && old.Q.length === Q.length) {
      old.P.set(P);
      old.Q.set(Q);
      old.B.set(B);
      return old;
    }
    return { P: P.slice(), Q: Q.slice(), B: B.slice() };
  }

  /** Restores the embeddings and biases (the AdaGrad accumulators keep their current values). */
  restoreSnapshot(s: unknown): void {
    const snap = s as BprSnapshot;
    const { P, Q, B } = this.params();
    if (!(snap?.P instanceof Float32Array) || snap.P.length !== P.length || snap.Q.length !== Q.length) {
      throw new Error('BPRFMRecommender.restoreSnapshot: not a snapshot of this model');
    }
    P.set(snap.P);
    Q.set(snap.Q);
    B.set(snap.B);
    unpin(Q);
  }

  setTrainEpochs(n: number): void {
    this.learntEpochs = n;
  }

  async dispose(discard = false): Promise<void> {
    const t = this.training;
    if (!t) return;
    const kept = discard
      ? null
      : { P: Float32Array.from(t.state.P), Q: Float32Array.from(t.state.Q), B: Float32Array.from(t.state.B) };
    for (const a of t.owned) releaseShared(a as Float32Array);
    this.training = null;
    if (kept) this.setParameters(kept.P, kept.Q, kept.B);
    else {
      if (this.Q) unpin(this.Q);
      this.P = null;
      this.Q = null;
      this.B = null;
    }
  }

  private params(): { P: Float32Array; Q: Float32Array; B: Float32Array } {
    if (!this.P || !this.Q || !this.B) throw new Error('BPRFMRecommender: call fit() before scoring');
    return { P: this.P, Q: this.Q, B: this.B };
  }

  factorScoring(): FactorScoring {
    const { P, Q, B } = this.params();
    return { userF: P, itemF: Q, kp: this.kp, itemBias: B };
  }

  scoreUsers(users: Int32Array, out: Float32Array): void {
    const { P, Q, B } = this.params();
    scoreFactorUsers(P, Q, this.kp, this.nUsers, this.nItems, users, out, B);
  }

  /** BPR fold-in of a history (see the file comment); an empty history scores by the biases. */
  scoreHistory(items: Int32Array, weights?: Float32Array): Float32Array {
    const { Q, B } = this.params();
    const { kp, cfg, nItems } = this;
    const hist = aggregateHistory(items, weights, nItems);
    const x = new Float64Array(kp);
    const acc = new Float64Array(kp).fill(1);
    const seen = new Set(hist.items);
    const rng = new Rng(cfg.seed);
    if (hist.items.length > 0 && hist.items.length < nItems) {
      for (let epoch = 0; epoch < FOLD_IN_EPOCHS; epoch++) {
        for (let h = 0; h < hist.items.length; h++) {
          const i = hist.items[h];
          let j = rng.nextInt(nItems);
          while (seen.has(j)) j = rng.nextInt(nItems);
          let d = B[i] - B[j];
          for (let t = 0; t < kp; t++) d += x[t] * (Q[i * kp + t] - Q[j * kp + t]);
          const L = hist.values[h] / (1 + Math.exp(d));
          for (let t = 0; t < kp; t++) {
            const g = L * (Q[j * kp + t] - Q[i * kp + t]);
            x[t] -= (cfg.lr / Math.sqrt(acc[t])) * (g + cfg.userAlpha * x[t]);
            acc[t] += g * g;
          }
        }
      }
    }
    return scoreFactorVector(Float32Array.from(x), Q, kp, nItems, B);
  }

  learntConfig(): Params {
    return this.learntEpochs === null ? {} : { train_epochs: this.learntEpochs };
  }

  save(): SavedModel {
    const { P, Q, B } = this.params();
    const c = this.cfg;
    return {
      algorithm: CLASS,
      modelFormatVersion: MODEL_FORMAT_VERSION,
      params: {
        n_components: c.k,
        item_alpha: c.itemAlpha,
        user_alpha: c.userAlpha,
        loss: c.loss,
        train_epochs: this.learntEpochs ?? c.epochs,
        random_seed: c.seed,
        learning_rate: c.lr,
        max_sampled: c.maxSampled,
        fold_in: 'bpr_sgd',
      },
      arrays: {
        user_embeddings: factorsToNdArray(P, this.nUsers, c.k),
        item_embeddings: factorsToNdArray(Q, this.nItems, c.k),
        item_biases: { dtype: 'float32', shape: [this.nItems], data: B.slice() },
      },
    };
  }
}

export const bprFmSpec: RecommenderSpec<typeof CLASS> = {
  className: CLASS,
  modelFormatVersion: MODEL_FORMAT_VERSION,
  aliases: ['BPRFM'],
  defaults: bprFmDefaults,
  searchSpace: bprFmSearchSpace,
  iterative: true,
  create(X: CsrMatrix, params: Params) {
    return new BPRFMRecommender(X, params);
  },
  load(saved: SavedModel, seen: CsrMatrix) {
    const k = readNumber(saved.params, CLASS, 'n_components', DEFAULTS.n_components, { integer: true, min: 1 });
    const P = factorsFromNdArray(saved.arrays.user_embeddings, 'user_embeddings', seen.rows, k);
    const Q = factorsFromNdArray(saved.arrays.item_embeddings, 'item_embeddings', seen.cols, k);
    const b = saved.arrays.item_biases;
    if (b?.shape.length !== 1 || b.shape[0] !== seen.cols || b.data.length !== seen.cols) {
      throw new ArtifactError(`BPRFMRecommender: 'item_biases' must have shape [${seen.cols}]`, 'deserialize');
    }
    const model = new BPRFMRecommender(null, saved.params, { nUsers: seen.rows, nItems: seen.cols });
    model.setParameters(P, Q, Float32Array.from(b.data as Float32Array));
    return model;
  },
};
