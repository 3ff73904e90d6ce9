/**
 * Known-user ranking cost, per user, on the serving benchmark's models: full scoring (the paired
 * GEMM row, mask, top-k, as before the norm-ordered scan) against the norm-ordered scan, in CPU
 * microseconds, with the share of the catalogue the scan scored. Both paths run in one process,
 * alternating rounds, so host speed cancels out of the ratio.
 *
 *   npx tsx bench/serve/scan.ts [--models ml-small,synth-5m] [--limit 10] [--rounds 6]
 */
import { readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { loadRecommender } from '../../src/algorithms/index.js';
import type { CanonicalClass, Recommender } from '../../src/algorithms/types.js';
import { decodePayload } from '../../src/artifact/index.js';
import type { CsrMatrix } from '../../src/linalg/csr.js';
import { NormOrderedItems } from '../../src/serve/scoring/norm-order.js';
import { RankScratch, rankKnownUsers } from '../../src/serve/scoring/rank.js';
import { selectTop } from '../../src/serve/scoring/topk.js';
import { prepareModel } from './prepare.js';

const { values: args } = parseArgs({
  options: {
    models: { type: 'string', default: 'ml-small,synth-5m' },
    limit: { type: 'string', default: '10' },
    rounds: { type: 'string', default: '6' },
    users: { type: 'string', default: '2000' },
    dir: { type: 'string', default: join(tmpdir(), 'recotem-bench-serve') },
  },
});

/** The ranking path without the scan: both rows of a pair scored, training items masked, top-k. */
function fullRank(rec: Recommender, seen: CsrMatrix, users: Int32Array, limit: number, scratch: RankScratch) {
  const n = rec.nItems;
  const block = scratch.scoreBlock(2 * n);
  for (const u of users) {
    rec.scoreUsers(Int32Array.of(u, u), block);
    for (let p = seen.indptr[u]; p < seen.indptr[u + 1]; p++) block[seen.indices[p]] = Number.NEGATIVE_INFINITY;
    selectTop(block, limit, 0, n);
  }
}

function cpuMicros(run: () => void): number {
  const start = process.cpuUsage();
  run();
  const used = process.cpuUsage(start);
  return used.user + used.system;
}

const limit = Number(args.limit);
const rows: string[] = [];
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
  fullRank(rec, payload.seen, users, limit, scratch);
  rankKnownUsers(rec, payload.seen, users, limits, scratch);
  const full: number[] = [];
  const scan: number[] = [];
  const before = { scanned: ordered.scanned, scans: ordered.scans };
  for (let r = 0; r < Number(args.rounds); r++) {
    full.push(cpuMicros(() => fullRank(rec, payload.seen, users, limit, scratch)) / users.length);
    scan.push(cpuMicros(() => rankKnownUsers(rec, payload.seen, users, limits, scratch)) / users.length);
  }
  const share = (ordered.scanned - before.scanned) / (ordered.scans - before.scans) / rec.nItems;
  const median = (a: number[]) => [...a].sort((x, y) => x - y)[a.length >> 1];
  rows.push(
    `| ${name} | ${rec.nItems} | ${users.length} | ${limit} | ${median(full).toFixed(1)} | ${median(scan).toFixed(1)} | ${(median(full) / median(scan)).toFixed(2)} | ${(100 * share).toFixed(1)}% |`,
  );
}
console.log('| model | items | users | k | full scoring µs/user | norm-ordered scan µs/user | ratio | rows scored |');
console.log('|---|---|---|---|---|---|---|---|');
for (const r of rows) console.log(r);
