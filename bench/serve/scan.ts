/**
 * Known-user ranking cost, per user, on the serving benchmark's models: full scoring (`rankFully`, GEMM over
 * blocks of distinct users, mask, top-k: the path before the norm-ordered scan, as a batch or a
 * group of coalesced requests took it) against today's ranking path (the scan, or full scoring
 * for limits whose scans score too much of the catalogue), in CPU microseconds, with the share of
 * the catalogue the scans scored. Both run in one process, alternating rounds, so host speed
 * cancels out of the ratio.
 *
 * With --eval, also a full-ranking evaluation of every user at cutoff 10 on two threads (ground
 * truth: three random items per user, for timing only) by the scan against the packed GEMM (the
 * same model with a zero item bias, which the scan does not take).
 *
 *   npx tsx bench/serve/scan.ts [--models ml-small,synth-5m] [--limit 10] [--rounds 6] [--eval]
 */
import { readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { Evaluator } from '../../src/algorithms/evaluator.js';
import { scanStats } from '../../src/algorithms/factor-ranking.js';
import { loadRecommender } from '../../src/algorithms/index.js';
import type { CanonicalClass, Recommender } from '../../src/algorithms/types.js';
import { decodePayload } from '../../src/artifact/index.js';
import { type CsrMatrix, csrFromCoo } from '../../src/linalg/csr.js';
import { closePools } from '../../src/linalg/pool.js';
import { Rng } from '../../src/linalg/random.js';
import { NormOrderedItems } from '../../src/serve/scoring/norm-order.js';
import { RankScratch, rankFully, rankKnownUsers } from '../../src/serve/scoring/rank.js';
import { prepareModel } from './prepare.js';

const { values: args } = parseArgs({
  options: {
    models: { type: 'string', default: 'ml-small,synth-5m' },
    limit: { type: 'string', default: '10' },
    rounds: { type: 'string', default: '6' },
    users: { type: 'string', default: '2000' },
    dir: { type: 'string', default: join(tmpdir(), 'recotem-bench-serve') },
    eval: { type: 'boolean', default: false },
  },
});

/** Seconds of wall and CPU time of one evaluation, and whether the scan ranked it. */
async function timeEvaluation(rec: Recommender, seen: CsrMatrix): Promise<string[]> {
  const rng = new Rng(3);
  const rows: number[] = [];
  const cols: number[] = [];
  for (let u = 0; u < seen.rows; u++) {
    for (let j = 0; j < 3; j++) {
      rows.push(u);
      cols.push(rng.nextInt(seen.cols));
    }
  }
  const evaluator = new Evaluator(csrFromCoo(seen.rows, seen.cols, rows, cols), { cutoff: 10, threads: 2, mask: seen });
  const f = rec.factorScoring?.();
  if (!f) throw new Error('not a latent-factor model');
  const gemm: Recommender = {
    className: rec.className,
    nUsers: rec.nUsers,
    nItems: rec.nItems,
    fit: async () => {},
    scoreUsers: (users, out) => rec.scoreUsers(users, out),
    scoreHistory: (items) => rec.scoreHistory(items),
    factorScoring: () => ({ ...f, itemBias: new Float32Array(rec.nItems) }),
    learntConfig: () => ({}),
    save: () => rec.save(),
  };
  const out: string[] = [];
  for (let round = 0; round < 2; round++) {
    for (const [label, model] of [
      ['scan', rec],
      ['packed GEMM', gemm],
    ] as const) {
      const scans = scanStats.evaluations;
      const t0 = performance.now();
      const c0 = process.cpuUsage();
      const res = await evaluator.evaluate(model);
      const cpu = process.cpuUsage(c0);
      const path = scanStats.evaluations > scans ? 'scan' : 'packed GEMM';
      out.push(
        `${label} (ran: ${path}): ${((performance.now() - t0) / 1000).toFixed(2)} s wall, ${((cpu.user + cpu.system) / 1e6).toFixed(2)} CPU-s, nDCG@10 ${res.ndcg.toFixed(6)}`,
      );
    }
  }
  return out;
}

function cpuMicros(run: () => void): number {
  const start = process.cpuUsage();
  run();
  const used = process.cpuUsage(start);
  return used.user + used.system;
}

const limit = Number(args.limit);
const rows: string[] = [];
const evaluations: string[] = [];
for (const name of args.models.split(',')) {
  if (name !== 'ml-small' && name !== 'synth-5m') throw new Error(`unknown model ${name}`);
  await prepareModel(args.dir, name, (s) => process.stderr.write(`${s}\n`));
  const payload = decodePayload(readFileSync(join(args.dir, `${name}.payload`)));
  const rec = loadRecommender(
    {
      algorithm: payload.algorithm as CanonicalClass,
      modelFormatVersion: payload.modelFormatVersion,
      params: payload.params,
      arrays: payload.arrays,
    },
    payload.seen,
  );
  const step = Math.max(1, Math.floor(rec.nUsers / Number(args.users)));
  const users = Int32Array.from({ length: Math.ceil(rec.nUsers / step) }, (_, j) => j * step);
  const limits = new Int32Array(users.length).fill(limit);
  const scratch = new RankScratch();
  const ordered = NormOrderedItems.of(rec);
  if (ordered === null) throw new Error(`${name}: the norm-ordered scan does not apply`);
  // warm both paths once
  rankFully(rec, payload.seen, users, limits, scratch);
  rankKnownUsers(rec, payload.seen, users, limits, scratch);
  const full: number[] = [];
  const scan: number[] = [];
  const before = { scanned: ordered.scanned, scans: ordered.scans };
  for (let r = 0; r < Number(args.rounds); r++) {
    full.push(cpuMicros(() => rankFully(rec, payload.seen, users, limits, scratch)) / users.length);
    scan.push(cpuMicros(() => rankKnownUsers(rec, payload.seen, users, limits, scratch)) / users.length);
  }
  const scans = ordered.scans - before.scans;
  const share =
    scans > 0 ? `${((100 * (ordered.scanned - before.scanned)) / scans / rec.nItems).toFixed(1)}%` : 'no scans';
  if (args.eval) for (const line of await timeEvaluation(rec, payload.seen)) evaluations.push(`${name}: ${line}`);
  const median = (a: number[]) => [...a].sort((x, y) => x - y)[a.length >> 1];
  rows.push(
    `| ${name} | ${rec.nItems} | ${users.length} | ${limit} | ${median(full).toFixed(1)} | ${median(scan).toFixed(1)} | ${(median(full) / median(scan)).toFixed(2)} | ${share} |`,
  );
}
console.log(
  '| model | items | users | k | full scoring µs/user | ranking path µs/user | ratio | rows scored per scan |',
);
console.log('|---|---|---|---|---|---|---|---|');
for (const r of rows) console.log(r);
for (const line of evaluations) console.log(line);
await closePools();
