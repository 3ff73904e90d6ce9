/**
 * Artifacts for the serving benchmark, trained directly with src/algorithms and written through
 * src/artifact (no CLI involved), cached under the bench work directory:
 *
 * - `ml-small`: IALS on every ml-latest-small rating (610 users × 9724 items), k = 64;
 * - `synth-5m`: IALS on the 5M-interaction synthetic matrix of bench/common/synth.ts, k = 64.
 */
import { existsSync, readFileSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { createRecommender } from '../../src/algorithms/index.js';
import { encodePayload, signArtifact } from '../../src/artifact/index.js';
import { parseSigningKeyRing } from '../../src/config/index.js';
import { type CsrMatrix, csrFromCoo } from '../../src/linalg/csr.js';
import { generateSynthetic } from '../common/synth.js';

export const BENCH_SIGNING_KEYS = `bench:${'5a'.repeat(32)}`;
export const BENCH_KEY_RING = parseSigningKeyRing(BENCH_SIGNING_KEYS);

const RATINGS = fileURLToPath(new URL('../../../shared/data/ml-latest-small/ratings.csv', import.meta.url));

export interface PreparedModel {
  name: string;
  artifactPath: string;
  userIds: string[];
  itemIds: string[];
  /** Users that have at least one unseen item (all of them in practice). */
  sampleUsers: string[];
  sampleItems: string[];
  bytes: number;
  fitSeconds: number | null;
}

const IALS_PARAMS = { n_components: 64, alpha0: 0.1, reg: 0.01, train_epochs: 10, random_seed: 42 };

function movielens(): { X: CsrMatrix; userIds: string[]; itemIds: string[] } {
  const lines = readFileSync(RATINGS, 'utf8').split(/\r?\n/);
  const users = new Map<string, number>();
  const items = new Map<string, number>();
  const rows: number[] = [];
  const cols: number[] = [];
  for (let n = 1; n < lines.length; n++) {
    if (lines[n] === '') continue;
    const [u, i] = lines[n].split(',');
    if (!users.has(u)) users.set(u, users.size);
    if (!items.has(i)) items.set(i, items.size);
    rows.push(users.get(u)!);
    cols.push(items.get(i)!);
  }
  const X = csrFromCoo(users.size, items.size, rows, cols);
  return { X, userIds: [...users.keys()], itemIds: [...items.keys()] };
}

function synthetic(): { X: CsrMatrix; userIds: string[]; itemIds: string[] } {
  const X = generateSynthetic();
  return {
    X,
    userIds: Array.from({ length: X.rows }, (_, u) => `user_${u}`),
    itemIds: Array.from({ length: X.cols }, (_, i) => `item_${i}`),
  };
}

function header(
  name: string,
  fitted: Record<string, unknown>,
  n: { rows: number; users: number; items: number },
  tag: string,
) {
  return {
    recipe_name: name,
    recipe_hash: '0'.repeat(64),
    recotem_version: '0.1.0',
    trained_at: `${new Date().toISOString().slice(0, 19)}Z`,
    best_class: 'IALSRecommender',
    best_params: fitted,
    best_score: 0,
    metric: 'ndcg',
    cutoff: 10,
    tuning: {
      tried_algorithms: ['IALSRecommender'],
      n_trials: 1,
      n_completed: 1,
      n_orphaned: 0,
      best_trial_number: 0,
      search_seed: 0,
      bench_tag: tag,
    },
    data_stats: { n_rows: n.rows, n_users: n.users, n_items: n.items, drop_count: 0, dedup_policy: 'keep_first' },
    payload_format: 'rtpk/1',
    model_format_version: 1,
  };
}

/** Train (or reuse the cached artifact) and write `<dir>/<name>.recotem` plus its recipe YAML. */
export async function prepareModel(
  dir: string,
  name: 'ml-small' | 'synth-5m',
  log: (s: string) => void,
): Promise<PreparedModel> {
  await mkdir(dir, { recursive: true });
  const artifactPath = join(dir, `${name}.recotem`);
  const payloadPath = join(dir, `${name}.payload`);
  const data = name === 'ml-small' ? movielens() : synthetic();
  let fitSeconds: number | null = null;
  let payload: Buffer;
  let fitted: Record<string, unknown> = IALS_PARAMS;
  if (existsSync(payloadPath)) {
    payload = readFileSync(payloadPath);
  } else {
    log(`training IALS on ${name} (${data.X.rows} users × ${data.X.cols} items)…`);
    const started = performance.now();
    const model = createRecommender('IALSRecommender', data.X, IALS_PARAMS);
    await model.fit({ threads: 2 });
    fitSeconds = (performance.now() - started) / 1000;
    log(`  fit ${fitSeconds.toFixed(1)} s`);
    const saved = model.save();
    fitted = saved.params;
    payload = encodePayload({ ...saved, userIds: data.userIds, itemIds: data.itemIds, seen: data.X });
    await writeFile(payloadPath, payload);
  }
  const bytes = signArtifact({
    keyRing: BENCH_KEY_RING,
    header: header(name, fitted, { rows: data.X.indices.length, users: data.X.rows, items: data.X.cols }, 'v1'),
    payload,
  });
  await writeFile(artifactPath, bytes);
  await writeFile(join(dir, `${name}.yaml`), recipeYaml(name, artifactPath));
  const step = Math.max(1, Math.floor(data.userIds.length / 2000));
  return {
    name,
    artifactPath,
    userIds: data.userIds,
    itemIds: data.itemIds,
    sampleUsers: data.userIds.filter((_, i) => i % step === 0),
    sampleItems: data.itemIds.slice(0, 2000),
    bytes: bytes.length,
    fitSeconds,
  };
}

/** Re-sign the cached payload under a new header tag: new bytes, same model (for hot-swap timing). */
export function resignedArtifact(dir: string, name: string, tag: string): Buffer {
  const payload = readFileSync(join(dir, `${name}.payload`));
  return signArtifact({
    keyRing: BENCH_KEY_RING,
    header: header(name, IALS_PARAMS, { rows: 0, users: 0, items: 0 }, tag),
    payload,
  });
}

function recipeYaml(name: string, artifactPath: string): string {
  return [
    `name: ${name}`,
    'source: {type: csv, path: /dev/null}',
    'schema: {user_column: user, item_column: item}',
    'training: {algorithms: [IALS]}',
    `output: {path: ${JSON.stringify(artifactPath)}}`,
    '',
  ].join('\n');
}
