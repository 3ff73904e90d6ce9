/**
 * `recotem train` end to end (issue "train", Performance): wall time, peak RSS and best score of
 * complete training runs, each in its own process under GNU time.
 *
 *   npx tsx bench/train/run.ts                  # all cases
 *   npx tsx bench/train/run.ts --case ml-40     # one case: ml-toppop, ml-40, ml-ials-20, synth-toppop, synth-ials
 *   npx tsx bench/train/run.ts --case ml-40 --parallelism 2   # training.parallelism of the recipe
 *
 * Every case also prints its per-algorithm profile (trials run and pruned, seconds per trial, share
 * of trial time in training vs validation) from the run's `trial_done` events.
 *
 * ml-* cases read ../shared/data/ml-latest-small/ratings.csv (ids as strings, cutoff 10, random
 * split 0.2, seed 42, as the original's figures quoted in BENCHMARKS.md). synth-* cases write the seeded
 * 5M-interaction set of bench/common/synth.ts to a temp CSV first. Needs `npm run build`.
 */
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createWriteStream, existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { generateSynthetic } from '../common/synth.js';
import { profileTable, trialEvents } from './trial-profile.js';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
/** The ml-latest-small ratings: RECOTEM_BENCH_RATINGS, else the shared data folder beside the checkout. */
const ratings =
  process.env.RECOTEM_BENCH_RATINGS ??
  [
    resolve(root, '../shared/data/ml-latest-small/ratings.csv'),
    resolve(root, '../../shared/data/ml-latest-small/ratings.csv'),
  ].find((p) => existsSync(p)) ??
  resolve(root, '../shared/data/ml-latest-small/ratings.csv');
const cli = join(root, 'dist/cli/entry.js');

interface Case {
  name: string;
  data: 'ml' | 'synth';
  algorithms: string;
  nTrials: number;
  /** The original's wall time and best score. */
  reference: string;
}

const CASES: Case[] = [
  { name: 'ml-toppop', data: 'ml', algorithms: '[TopPop]', nTrials: 1, reference: '1.65 s, 312 MiB, nDCG 0.184–0.195' },
  {
    name: 'ml-40',
    data: 'ml',
    algorithms: '[IALS, CosineKNN, RP3beta, TopPop]',
    nTrials: 40,
    reference: '40.7 s, 653 MiB, nDCG 0.334–0.337',
  },
  {
    name: 'ml-ials-20',
    data: 'ml',
    algorithms: '[IALS]',
    nTrials: 20,
    reference: '–',
  },
  {
    name: 'synth-toppop',
    data: 'synth',
    algorithms: '[TopPop]',
    nTrials: 1,
    reference: '33.6 s, 1647 MiB, nDCG 0.207',
  },
  { name: 'synth-ials', data: 'synth', algorithms: '[IALS]', nTrials: 5, reference: '2476 s, 1910 MiB, nDCG 0.2085' },
];

async function writeSyntheticCsv(path: string): Promise<void> {
  const X = generateSynthetic();
  const out = createWriteStream(path);
  out.write('user_id,item_id\n');
  let buf = '';
  for (let u = 0; u < X.rows; u++) {
    for (let p = X.indptr[u]; p < X.indptr[u + 1]; p++) {
      buf += `u${u},i${X.indices[p]}\n`;
      if (buf.length > 1 << 20) {
        if (!out.write(buf)) await new Promise<void>((r) => out.once('drain', () => r()));
        buf = '';
      }
    }
  }
  out.write(buf);
  await new Promise<void>((r, j) => out.end((err?: Error | null) => (err ? j(err) : r())));
}

function recipe(c: Case, dataPath: string, out: string, parallelism: number): string {
  const cols = c.data === 'ml' ? { user: 'userId', item: 'movieId' } : { user: 'user_id', item: 'item_id' };
  return `name: bench_${c.name.replace(/-/g, '_')}
source:
  type: csv
  path: ${dataPath}
  dtype: {${cols.user}: str, ${cols.item}: str}
schema:
  user_column: ${cols.user}
  item_column: ${cols.item}
training:
  algorithms: ${c.algorithms}
  metric: ndcg
  cutoff: 10
  n_trials: ${c.nTrials}
  parallelism: ${parallelism}
  split: {scheme: random, heldout_ratio: 0.2, seed: 42}
output:
  path: ${out}
  versioning: always_overwrite
`;
}

async function main(): Promise<void> {
  if (!existsSync(cli)) throw new Error('run `npm run build` first (bench uses dist/cli/entry.js)');
  const only = process.argv.includes('--case') ? process.argv[process.argv.indexOf('--case') + 1] : undefined;
  const cases = CASES.filter((c) => !only || c.name === only);
  const parallelism = process.argv.includes('--parallelism')
    ? Number(process.argv[process.argv.indexOf('--parallelism') + 1])
    : 1;
  const dir = mkdtempSync(join(tmpdir(), 'recotem-bench-train-'));
  const env = {
    ...process.env,
    RECOTEM_SIGNING_KEYS: `bench:${randomBytes(32).toString('hex')}`,
    RECOTEM_LOG_FORMAT: 'json',
    RECOTEM_MAX_DOWNLOAD_BYTES: String(1 << 30),
  };
  let synthCsv: string | undefined;
  const rows: string[] = [];
  try {
    for (const c of cases) {
      let dataPath = ratings;
      if (c.data === 'synth') {
        if (!synthCsv) {
          synthCsv = join(dir, 'synth.csv');
          await writeSyntheticCsv(synthCsv);
        }
        dataPath = synthCsv;
      }
      const recipePath = join(dir, `${c.name}.yaml`);
      writeFileSync(recipePath, recipe(c, dataPath, join(dir, `${c.name}.recotem`), parallelism));
      const t0 = performance.now();
      const r = spawnSync(
        '/usr/bin/time',
        ['-f', 'MAXRSS_KB=%M CPU_S=%U+%S', process.execPath, cli, 'train', recipePath, '--no-lock'],
        {
          env,
          encoding: 'utf8',
          maxBuffer: 1 << 28,
        },
      );
      const wall = (performance.now() - t0) / 1000;
      const rssKb = Number(/MAXRSS_KB=(\d+)/.exec(r.stderr)?.[1] ?? Number.NaN);
      const cpu = /CPU_S=([\d.]+)\+([\d.]+)/.exec(r.stderr);
      const cpuSeconds = cpu ? Number(cpu[1]) + Number(cpu[2]) : Number.NaN;
      const done = r.stderr
        .split('\n')
        .filter((l) => l.includes('"train_done"'))
        .map((l) => JSON.parse(l) as { best_class: string; best_score: number; trials: number })[0];
      if (r.status !== 0 || !done) {
        console.error(r.stderr.split('\n').slice(-15).join('\n'));
        throw new Error(`${c.name}: recotem train exited ${r.status}`);
      }
      console.log(`${c.name} (parallelism ${parallelism}), per algorithm:\n${profileTable(trialEvents(r.stderr))}\n`);
      const row = `| ${c.name} | ${c.algorithms} × ${c.nTrials} | ${wall.toFixed(1)} s | ${cpuSeconds.toFixed(1)} CPU-s | ${(rssKb / 1024).toFixed(0)} MiB | ${done.best_class.replace('Recommender', '')} | ${done.best_score.toFixed(4)} | ${c.reference} |`;
      console.log(row);
      rows.push(row);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  console.log('\n| case | algorithms × trials | wall | CPU | peak RSS | best | best nDCG@10 | original |');
  console.log('|---|---|---|---|---|---|---|---|');
  for (const row of rows) console.log(row);
}

await main();
