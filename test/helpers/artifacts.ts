/**
 * Real signed artifacts for tests, built through the artifact layer (encodePayload + signArtifact)
 * from small hand-set models, so serving tests never depend on training. Two shapes:
 *
 * - TopPop: `popularity` per item (scores are the popularity values themselves);
 * - IALS: user and item factors (scores are dot products), with fold-in for the related verbs.
 */
import { writeFile } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import type { CanonicalClass, NdArray } from '../../src/algorithms/types.js';
import { encodePayload, type KeyRing, signArtifact } from '../../src/artifact/index.js';
import { parseSigningKeyRing } from '../../src/config/index.js';
import { csrFromCoo } from '../../src/linalg/csr.js';

export const TEST_SIGNING_KEYS = `test-kid:${'ab'.repeat(32)}`;
export const TEST_KEY_RING: KeyRing = parseSigningKeyRing(TEST_SIGNING_KEYS);
export const OTHER_KEY_RING: KeyRing = parseSigningKeyRing(`other-kid:${'cd'.repeat(32)}`);

export interface TinyModelSpec {
  algorithm?: Extract<CanonicalClass, 'TopPopRecommender' | 'IALSRecommender'>;
  userIds?: string[];
  itemIds?: string[];
  /** [userIndex, itemIndex] training interactions. */
  seen?: [number, number][];
  /** TopPop: score per item. Default: descending n, n-1, …, 1. */
  popularity?: number[];
  /** IALS: nUsers × k and nItems × k. Default: k = 1, users 1, items n-i. */
  userFactors?: number[][];
  itemFactors?: number[][];
  /** Extra or overriding header fields. */
  header?: Record<string, unknown>;
  keyRing?: KeyRing;
  recipeName?: string;
}

/** The default model: 3 users × 5 items; u1 saw i1, u2 saw i1 and i2. */
export function defaultIds(spec: TinyModelSpec) {
  const userIds = spec.userIds ?? ['u1', 'u2', 'u3'];
  const itemIds = spec.itemIds ?? ['i1', 'i2', 'i3', 'i4', 'i5'];
  const seen = spec.seen ?? [
    [0, 0],
    [1, 0],
    [1, 1],
  ];
  return { userIds, itemIds, seen };
}

function floatMatrix(rows: number[][]): NdArray {
  const k = rows[0]?.length ?? 0;
  return { dtype: 'float32', shape: [rows.length, k], data: Float32Array.from(rows.flat()) };
}

/** Signed artifact bytes for a tiny model. */
export function buildArtifact(spec: TinyModelSpec = {}): Buffer {
  const algorithm = spec.algorithm ?? 'TopPopRecommender';
  const { userIds, itemIds, seen } = defaultIds(spec);
  const matrix = csrFromCoo(
    userIds.length,
    itemIds.length,
    seen.map(([u]) => u),
    seen.map(([, i]) => i),
  );
  let arrays: Record<string, NdArray>;
  let params: Record<string, number | string>;
  if (algorithm === 'TopPopRecommender') {
    const popularity = spec.popularity ?? itemIds.map((_, i) => itemIds.length - i);
    arrays = { popularity: { dtype: 'float64', shape: [itemIds.length], data: Float64Array.from(popularity) } };
    params = {};
  } else {
    const userFactors = spec.userFactors ?? userIds.map(() => [1]);
    const itemFactors = spec.itemFactors ?? itemIds.map((_, i) => [itemIds.length - i]);
    arrays = { user_factors: floatMatrix(userFactors), item_factors: floatMatrix(itemFactors) };
    params = {
      n_components: userFactors[0].length,
      alpha0: 0.1,
      reg: 0.01,
      nu: 1,
      train_epochs: 1,
      loss_type: 'IALSPP',
    };
  }
  const payload = encodePayload({ algorithm, modelFormatVersion: 1, params, userIds, itemIds, seen: matrix, arrays });
  const header = {
    recipe_name: spec.recipeName ?? 'demo',
    recipe_hash: '0'.repeat(64),
    recotem_version: '0.1.0',
    trained_at: '2026-05-07T01:23:45Z',
    best_class: algorithm,
    best_params: params,
    best_score: 0.5,
    metric: 'ndcg',
    cutoff: 10,
    tuning: {
      tried_algorithms: [algorithm],
      n_trials: 1,
      n_completed: 1,
      n_orphaned: 0,
      best_trial_number: 0,
      search_seed: 1,
    },
    data_stats: {
      n_rows: seen.length,
      n_users: userIds.length,
      n_items: itemIds.length,
      drop_count: 0,
      dedup_policy: 'keep_first',
    },
    payload_format: 'rtpk/1',
    model_format_version: 1,
    ...spec.header,
  };
  return signArtifact({ keyRing: spec.keyRing ?? TEST_KEY_RING, header, payload });
}

/** Write artifact bytes; with `pointer`, write `<stem>.<tag>.recotem` and a pointer file at `path`. */
export async function writeArtifactFile(path: string, bytes: Uint8Array, pointer?: { tag: string }): Promise<string> {
  if (!pointer) {
    await writeFile(path, bytes);
    return path;
  }
  const target = join(dirname(path), `${basename(path, '.recotem')}.${pointer.tag}.recotem`);
  await writeFile(target, bytes);
  await writeFile(path, `${basename(target)}\n`);
  return target;
}
