/**
 * A small in-memory model for HTTP-level tests: scores are dot products of hand-set user and item
 * factors, so every expected ranking can be worked out by hand. Fold-in sums the item factors of
 * the profile (weighted), which is enough to exercise the related verbs.
 */
import type { Recommender, SavedModel } from '../../../src/algorithms/types.js';
import { type CsrMatrix, csrFromCoo } from '../../../src/linalg/csr.js';
import type { MetadataIndex, ModelEntry } from '../../../src/serve/registry/entry.js';
import { indexIds, type ServingModel } from '../../../src/serve/scoring/model.js';

export interface FactorModelSpec {
  userIds: string[];
  itemIds: string[];
  /** nUsers × k, row-major */
  userFactors: number[][];
  /** nItems × k */
  itemFactors: number[][];
  /** [userIndex, itemIndex] pairs seen in training */
  seen: [number, number][];
  /** Make scoreHistory throw (like a model without fold-in). */
  foldInError?: Error;
}

class DotRecommender implements Recommender {
  readonly className = 'IALSRecommender' as const;
  readonly nUsers: number;
  readonly nItems: number;
  constructor(private readonly spec: FactorModelSpec) {
    this.nUsers = spec.userIds.length;
    this.nItems = spec.itemIds.length;
  }
  async fit(): Promise<void> {}
  scoreUsers(users: Int32Array, out: Float32Array): void {
    users.forEach((u, row) => {
      this.spec.itemFactors.forEach((v, i) => {
        out[row * this.nItems + i] = this.spec.userFactors[u].reduce((s, x, d) => s + x * v[d], 0);
      });
    });
  }
  scoreHistory(items: Int32Array, weights?: Float32Array): Float32Array {
    if (this.spec.foldInError) throw this.spec.foldInError;
    const k = this.spec.itemFactors[0].length;
    const profile = new Array(k).fill(0);
    items.forEach((it, j) => {
      for (let d = 0; d < k; d++) profile[d] += (weights ? weights[j] : 1) * this.spec.itemFactors[it][d];
    });
    const out = new Float32Array(this.nItems);
    this.spec.itemFactors.forEach((v, i) => {
      out[i] = profile.reduce((s, x, d) => s + x * v[d], 0);
    });
    return out;
  }
  learntConfig() {
    return {};
  }
  save(): SavedModel {
    return { algorithm: 'IALSRecommender', modelFormatVersion: 1, params: {}, arrays: {} };
  }
}

export function factorModel(spec: FactorModelSpec): ServingModel {
  const seen: CsrMatrix = csrFromCoo(
    spec.userIds.length,
    spec.itemIds.length,
    spec.seen.map(([u]) => u),
    spec.seen.map(([, i]) => i),
  );
  const recommender = new DotRecommender(spec);
  return {
    algorithm: 'IALSRecommender',
    nUsers: spec.userIds.length,
    nItems: spec.itemIds.length,
    userIds: spec.userIds,
    itemIds: spec.itemIds,
    userIndex: indexIds(spec.userIds),
    itemIndex: indexIds(spec.itemIds),
    seen,
    recommender,
    saved: recommender.save(),
  };
}

/**
 * The standard fixture: 4 users × 6 items, k = 1, item factor i = 6 - index (so scores fall with
 * the item index for a positive user factor). u1 saw i1; u2 saw everything; u3 has a negative
 * factor (ranking reversed); u4 ties every item (factor 0 → all scores 0).
 */
export function standardModel(overrides: Partial<FactorModelSpec> = {}): ServingModel {
  const itemIds = ['i1', 'i2', 'i3', 'i4', 'i5', 'i6'];
  return factorModel({
    userIds: ['u1', 'u2', 'u3', 'u4'],
    itemIds,
    userFactors: [[1], [1], [-1], [0]],
    itemFactors: itemIds.map((_, i) => [6 - i]),
    seen: [[0, 0], ...itemIds.map((_, i) => [1, i] as [number, number])],
    ...overrides,
  });
}

export const SHA = 'ab'.repeat(32);

export function loadedEntry(
  name: string,
  model: ServingModel,
  opts: {
    header?: Record<string, unknown>;
    metadata?: MetadataIndex;
    kid?: string;
    sha?: string;
    error?: string;
    popular?: boolean;
    maxHistory?: number;
  } = {},
): ModelEntry {
  return {
    name,
    model,
    header: opts.header ?? { trained_at: '2026-05-07T01:23:45Z', best_class: 'IALSRecommender' },
    kid: opts.kid ?? 'k1',
    metadataIndex: opts.metadata ?? null,
    lastLoadError: opts.error ?? null,
    artifactPath: `/artifacts/${name}.recotem`,
    loaded: true,
    sha256: opts.sha ?? SHA,
    loadedAtUnix: 1_780_000_000,
    serving: { unknownUser: opts.popular ? 'popular' : 'error', maxHistory: opts.maxHistory ?? 100 },
    modelKey: `${name}#test`,
    popularRanking: opts.popular
      ? { indices: Int32Array.from([0, 1, 2, 3, 4, 5]), scores: Float32Array.from([2, 1, 1, 1, 1, 1]) }
      : null,
  };
}
