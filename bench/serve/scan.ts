/**
 * Known-user ranking cost, per user, on the serving benchmark's models: full scoring (GEMM over
 * blocks of distinct users, mask, top-k: the path before the norm-ordered scan, as a batch or a
 * group of coalesced requests took it) against today's ranking path (the scan, or full scoring
 * for limits whose scans score too much of the catalogue), in CPU microseconds, with the share of
 * the catalogue the scans scored. Both run in one process, alternating rounds, so host speed
 * cancels out of the ratio.
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

/** The ranking path without the scan: users scored in blocks of 256, training items masked, top-k. */
function fullRank(rec: Recommender, seen: CsrMatrix, users: Int32Array, limit: number, scratch: RankScratch) {
  const n = rec.nItems;
  for (let b = 0; b < users.length; b += 256) {
    const ids = users.subarray(b, Math.min(users.length, b + 256));
    const block = scratch.scoreBlock(ids.length * n);
    rec.scoreUsers(ids, block);
    ids.forEach((u, r) => {
      for (let p = seen.indptr[u]; p < seen.indptr[u + 1]; p++)
        block[r * n + seen.indices[p]] = Number.NEGATIVE_INFINITY;
      selectTop(block, limit, r * n, n);
    });
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
  const scans = ordered.scans - before.scans;
  const share =
    scans > 0 ? `${((100 * (ordered.scanned - before.scanned)) / scans / rec.nItems).toFixed(1)}%` : 'no scans';
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
