/**
 * One fit-benchmark case in its own process (so peak RSS belongs to it alone, like the reference's
 * `time -v` runs): load the data, start the worker pool, fit, then rank the top 10 of 1000 users
 * (seen items masked), and on ml-latest-small evaluate @10 on the held-out rows. Prints one JSON line.
 *
 *   tsx bench/fit/case.ts <ml|synth> <TopPop|IALS|TruncatedSVD|BPRFM|none> [threads] [params-json]
 */
import { bprFmSpec } from '../../src/algorithms/bpr-fm.js';
import { Evaluator } from '../../src/algorithms/evaluator.js';
import { ialsSpec } from '../../src/algorithms/ials.js';
import { topPopSpec } from '../../src/algorithms/top-pop.js';
import { truncatedSvdSpec } from '../../src/algorithms/truncated-svd.js';
import type { Params, RecommenderSpec } from '../../src/algorithms/types.js';
import type { CsrMatrix } from '../../src/linalg/csr.js';
import { closePools, getPool } from '../../src/linalg/pool.js';
import { Rng } from '../../src/linalg/random.js';
import { sharedF32 } from '../../src/linalg/resident.js';
import { maskRow, topK } from '../../src/linalg/topk.js';
import { loadMovielensSplit } from '../common/movielens.js';
import { generateSynthetic } from '../common/synth.js';

const SPECS: Record<string, RecommenderSpec> = {
  TopPop: topPopSpec,
  IALS: ialsSpec,
  TruncatedSVD: truncatedSvdSpec,
  BPRFM: bprFmSpec,
};

const [dataset, algo, threadsArg, paramsArg] = process.argv.slice(2);
const threads = Number(threadsArg ?? 2);
const params = JSON.parse(paramsArg ?? '{}') as Params;

function pickUsers(X: CsrMatrix, n: number): Int32Array {
  const candidates: number[] = [];
  for (let u = 0; u < X.rows; u++) if (X.indptr[u + 1] > X.indptr[u]) candidates.push(u);
  if (candidates.length <= n) return Int32Array.from(candidates);
  new Rng(0).shuffle(candidates);
  return Int32Array.from(candidates.slice(0, n));
}

async function main(): Promise<void> {
  const t0 = performance.now();
  const ml = dataset === 'ml' ? loadMovielensSplit() : null;
  const X = ml ? ml.train : generateSynthetic();
  const loadS = (performance.now() - t0) / 1000;
  const out: Record<string, unknown> = { dataset, algo, threads, params, loadS };
  if (algo !== 'none') {
    const spec = SPECS[algo];
    if (!spec) throw new Error(`unknown algorithm ${algo}`);
    const w0 = performance.now();
    await getPool(threads).warm();
    out.poolStartS = (performance.now() - w0) / 1000;
    const model = spec.create(X, params);
    const f0 = performance.now();
    const c0 = process.cpuUsage();
    await model.fit({ threads });
    out.fitS = (performance.now() - f0) / 1000;
    // CPU seconds of the whole process (all threads): a shared machine stretches wall time, not this
    const cpu = process.cpuUsage(c0);
    out.fitCpuS = (cpu.user + cpu.system) / 1e6;

    // top-10 for 1000 users (all users when fewer), seen items masked, blocks of 250 users
    const users = pickUsers(X, 1000);
    const block = 250;
    // a kernel-heap buffer: the GEMM writes scores in place instead of through a staging copy
    const scores = sharedF32(block * X.cols);
    const s0 = performance.now();
    const sc0 = process.cpuUsage();
    let checksum = 0;
    for (let b = 0; b < users.length; b += block) {
      const ids = users.subarray(b, b + block);
      model.scoreUsers(ids, scores);
      for (let r = 0; r < ids.length; r++) {
        maskRow(scores, r * X.cols, X, ids[r]);
        const top = topK(scores, 10, { offset: r * X.cols, n: X.cols });
        checksum += top[0];
      }
    }
    out.top10S = (performance.now() - s0) / 1000;
    const scpu = process.cpuUsage(sc0);
    out.top10CpuS = (scpu.user + scpu.system) / 1e6;
    out.top10Users = users.length;
    out.checksum = checksum;
    if (ml) {
      const e0 = performance.now();
      const res = await new Evaluator(ml.test, { cutoff: 10, threads }).evaluate(model);
      out.evalS = (performance.now() - e0) / 1000;
      out.metrics = res;
    }
  }
  out.peakRssMiB = process.resourceUsage().maxRSS / 1024;
  await closePools();
  console.log(JSON.stringify(out));
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
