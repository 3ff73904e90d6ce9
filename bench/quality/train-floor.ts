/**
 * End-to-end quality floor: the real `recotem train` CLI on ml-latest-small must reach a recorded
 * best validation nDCG@10. Unlike run.ts, which fits models with fixed parameters, this runs the whole
 * product path: CSV source, cleansing, split, hyper-parameter search, refit, signing, artifact write.
 * A regression anywhere on that path (split, sampler, budget, early stopping, a kernel) shows up here.
 *
 *   npx tsx bench/quality/train-floor.ts [--data DIR]     (needs `npm run build`)
 *
 * Exits 0 when the floor is met, 1 when it is missed or the run fails; missing data exits 2, or 1
 * under CI=true.
 */
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * Best validation nDCG@10 the recipe below must reach. Recorded: 0.3598 for this 12-trial recipe
 * (the search is deterministic for a seed; the original's 40-trial, four-algorithm search reaches
 * 0.334–0.337 on the same split). The floor sits about 5% below the recorded figure, so it catches a
 * broken search path, not a small change of the sampler.
 */
const NDCG_FLOOR = 0.34;
const N_TRIALS = 12;

const root = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const cli = join(root, 'bin/recotem.js');

function argValue(name: string): string | undefined {
  const i = process.argv.indexOf(name);
  return i >= 0 ? process.argv[i + 1] : undefined;
}

function main(): number {
  const dataDir = resolve(argValue('--data') ?? join(root, '../shared/data/ml-latest-small'));
  const ratings = join(dataDir, 'ratings.csv');
  if (!existsSync(ratings)) {
    console.error(`train floor: ${ratings} not found`);
    return process.env.CI === 'true' ? 1 : 2;
  }
  const dir = mkdtempSync(join(tmpdir(), 'recotem-train-floor-'));
  try {
    const recipePath = join(dir, 'ml.yaml');
    writeFileSync(
      recipePath,
      `name: ml_floor
source:
  type: csv
  path: ${ratings}
  dtype: {userId: str, movieId: str}
schema:
  user_column: userId
  item_column: movieId
training:
  algorithms: [IALS, TopPop]
  metric: ndcg
  cutoff: 10
  n_trials: ${N_TRIALS}
  split: {scheme: random, heldout_ratio: 0.2, seed: 42}
output:
  path: ${join(dir, 'ml.recotem')}
  versioning: always_overwrite
`,
    );
    const t0 = performance.now();
    const run = spawnSync(process.execPath, [cli, 'train', recipePath, '--quiet', '--no-lock'], {
      env: {
        ...process.env,
        RECOTEM_SIGNING_KEYS: `floor:${randomBytes(32).toString('hex')}`,
        RECOTEM_LOG_FORMAT: 'json',
      },
      encoding: 'utf8',
      maxBuffer: 1 << 28,
    });
    const wall = (performance.now() - t0) / 1000;
    const done = run.stderr
      .split('\n')
      .filter((line) => line.includes('"train_done"'))
      .map((line) => JSON.parse(line) as { best_class: string; best_score: number })[0];
    if (run.status !== 0 || done === undefined) {
      console.error(run.stderr.split('\n').slice(-15).join('\n'));
      console.error(`train floor: recotem train exited ${run.status}`);
      return 1;
    }
    const ok = done.best_score >= NDCG_FLOOR;
    console.log(
      `train floor: [IALS, TopPop] × ${N_TRIALS} on ml-latest-small in ${wall.toFixed(1)} s: best ${done.best_class} nDCG@10 ${done.best_score.toFixed(4)} (floor ${NDCG_FLOOR}) ${ok ? 'ok' : 'MISSED'}`,
    );
    return ok ? 0 : 1;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

process.exit(main());
