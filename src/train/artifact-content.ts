/** What the trainer puts into an artifact: its JSON header and the RTPK payload. */
import { createRequire } from 'node:module';
import type { NdArray, Recommender } from '../algorithms/index.js';
import { type ArtifactHeader, completeHeader, encodePayload, type MatrixDescriptor } from '../artifact/index.js';
import type { Interactions } from '../data/cleanse.js';
import type { CsrMatrix } from '../linalg/csr.js';
import type { Recipe } from '../recipe/index.js';
import type { SearchResult } from './search/index.js';

const pkg = createRequire(import.meta.url)('../../package.json') as { version: string };
export const RECOTEM_VERSION: string = pkg.version;

export function buildHeader(r: {
  recipe: Recipe;
  hash: string;
  search: SearchResult;
  stats: Interactions['stats'];
  trainedAt: string;
  modelFormatVersion?: number;
  extra?: Record<string, unknown>;
}): ArtifactHeader {
  return completeHeader({
    recipe_name: r.recipe.name,
    recipe_hash: r.hash,
    recotem_version: RECOTEM_VERSION,
    trained_at: r.trainedAt,
    best_class: r.search.best_class,
    best_params: r.search.best_params,
    best_score: r.search.best_score,
    metric: r.recipe.training.metric,
    cutoff: r.recipe.training.cutoff,
    tuning: {
      tried_algorithms: r.search.tried_algorithms,
      n_trials: r.search.n_trials,
      n_completed: r.search.n_completed,
      n_orphaned: r.search.n_orphaned,
      best_trial_number: r.search.best_trial_number,
      search_seed: r.search.search_seed,
    },
    data_stats: { ...r.stats },
    model_format_version: r.modelFormatVersion ?? 1,
    algorithms: r.search.tried_algorithms,
    ...r.extra,
  });
}

/** The model's arrays plus the shared id tables and seen matrix. */
export function buildArtifactPayload(
  model: Recommender,
  ids: { userIds: readonly string[]; itemIds: readonly string[] },
  seen: CsrMatrix,
  extraArrays: Record<string, NdArray> = {},
): Buffer {
  const saved = model.save();
  const nItems = ids.itemIds.length;
  const matrices: Record<string, MatrixDescriptor> = {};
  // Sparse item×item weights are saved as `<name>.indptr/.indices/.data` triples.
  for (const name of Object.keys(saved.arrays)) {
    const m = /^(.+)\.indptr$/.exec(name);
    if (!m) continue;
    const stem = m[1];
    if (!saved.arrays[`${stem}.indices`] || !saved.arrays[`${stem}.data`]) continue;
    matrices[stem] = {
      kind: 'csr',
      shape: [saved.arrays[name].shape[0] - 1, nItems],
      indptr: `${stem}.indptr`,
      indices: `${stem}.indices`,
      data: `${stem}.data`,
    };
  }
  return encodePayload({
    algorithm: saved.algorithm,
    modelFormatVersion: saved.modelFormatVersion,
    params: saved.params,
    userIds: ids.userIds as string[],
    itemIds: ids.itemIds as string[],
    seen,
    arrays: { ...saved.arrays, ...extraArrays },
    matrices,
  });
}
