/**
 * One fit-benchmark case in its own process (so peak RSS belongs to it alone, like the reference's
 * `time -v` runs): load the data, start the worker pool, fit, then rank the top 10 of 1000 users
 * (seen items masked), and on ml-latest-small evaluate @10 on the held-out rows. Prints one JSON line.
 *
 *   tsx bench/fit/case.ts <ml|small|synth> <TopPop|IALS|IALS-300|TruncatedSVD|BPRFM|eval|none> [threads] [params-json]
 */
import { bprFmSpec } from '../../src/algorithms/bpr-fm.js';
import { Evaluator } from '../../src/algorithms/evaluator.js';
import { IALSRecommender, ialsSpec } from '../../src/algorithms/ials.js';
import { topPopSpec } from '../../src/algorithms/top-pop.js';
import { truncatedSvdSpec } from '../../src/algorithms/truncated-svd.js';
import type { Params, Recommender, RecommenderSpec } from '../../src/algorithms/types.js';
import { type CsrMatrix, csrFromCoo } from '../../src/linalg/csr.js';
import { closePools, getPool } from '../../src/linalg/pool.js';
import { Rng } from '../../src/linalg/random.js';
import { sharedF32 } from '../../src/linalg/resident.js';
import { maskRow, topK } from '../../src/linalg/topk.js';
import { loadMovielensSplit } from '../common/movielens.js';
import { generateSynthetic } from '../common/synth.js';

const SPECS: Record<string, RecommenderSpec> = {
  TopPop: topPopSpec,
  IALS: ialsSpec,
  'IALS-300': ialsSpec,
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
  const X = ml
    ? ml.train
    : dataset === 'small'
      ? generateSynthetic({ users: 3900, items: 167, pairs: 29_000, seed: 1 })
      : generateSynthetic();
  const loadS = (performance.now() - t0) / 1000;
  const out: Record<string, unknown> = { dataset, algo, threads, params, loadS };
  if (algo === 'eval') {
    await timeEvaluation(X, threads, out);
  } else if (algo !== 'none') {
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

/**
 * Full-ranking evaluation of every user against a 64-factor model (random factors: the cost does
 * not depend on their values) with the training matrix masked and a seeded 20% of each user's
 * items as ground truth: once on the pool path of factor models, once through `scoreUsers` (the
 * path of every other model), in the same process.
 */
async function timeEvaluation(all: CsrMatrix, threads: number, out: Record<string, unknown>): Promise<void> {
  const k = Number(params.n_components ?? 64);
  const rng = new Rng(7);
  const parts = [
    { rows: [] as number[], cols: [] as number[] },
    { rows: [] as number[], cols: [] as number[] },
  ];
  for (let u = 0; u < all.rows; u++) {
    for (let p = all.indptr[u]; p < all.indptr[u + 1]; p++) {
      const part = parts[rng.nextFloat() < 0.2 ? 1 : 0];
      part.rows.push(u);
      part.cols.push(all.indices[p]);
    }
  }
  const [X, gt] = parts.map((p) => csrFromCoo(all.rows, all.cols, Int32Array.from(p.rows), Int32Array.from(p.cols)));
  const model = new IALSRecommender(X, { n_components: k });
  const kp = (k + 3) & ~3;
  const U = new Float32Array(X.rows * kp);
  const V = new Float32Array(X.cols * kp);
  // item factors lean towards popular items, so the ranking is not pure noise
  const pop = new Float64Array(X.cols);
  for (let p = 0; p < X.indices.length; p++) pop[X.indices[p]]++;
  for (let r = 0; r < X.rows; r++) for (let c = 0; c < k; c++) U[r * kp + c] = rng.nextNormal() + (c === 0 ? 3 : 0);
  for (let r = 0; r < X.cols; r++) {
    for (let c = 0; c < k; c++) V[r * kp + c] = rng.nextNormal() * 0.1 + (c === 0 ? Math.log1p(pop[r]) : 0);
  }
  model.setFactors(U, V);
  const plain: Recommender = {
    className: model.className,
    nUsers: model.nUsers,
    nItems: model.nItems,
    trainMatrix: X,
    fit: () => model.fit(),
    scoreUsers: (users, scores) => model.scoreUsers(users, scores),
    scoreHistory: (items) => model.scoreHistory(items),
    learntConfig: () => ({}),
    save: () => model.save(),
  };
  const w0 = performance.now();
  await getPool(threads).warm();
  out.poolStartS = (performance.now() - w0) / 1000;
  const evaluator = new Evaluator(gt, { cutoff: 10, threads });
  for (const [name, m] of [
    ['eval', model],
    ['evalScoreUsers', plain],
  ] as const) {
    const t0 = performance.now();
    const c0 = process.cpuUsage();
    const res = await evaluator.evaluate(m);
    const cpu = process.cpuUsage(c0);
    out[`${name}S`] = (performance.now() - t0) / 1000;
    out[`${name}CpuS`] = (cpu.user + cpu.system) / 1e6;
    out[`${name}Ndcg`] = res.ndcg;
    out.evalUsers = res.nUsersEvaluated;
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
