/**
 * Quality benchmark: every algorithm with the fixed hyper-parameters of the reference figures
 * on the ml-latest-small split, evaluated @10 on the held-out rows, compared with
 * the reference metrics. Exits 1 when a target is missed:
 *   deterministic models within 0.5% on every metric, stochastic ones within 3%, BPRFM nDCG ≥ 0.25.
 *
 *   npx tsx bench/quality/run.ts            all algorithms
 *   npx tsx bench/quality/run.ts --ci       every model but BPRFM (its fit alone takes ~25 s)
 *   --threads N (default 2), --repeats N fits per model, median reported (default 3, --ci 1),
 *   --data DIR (default ../shared/data/ml-latest-small)
 *
 * Rows and columns follow the reference order (users by first appearance, items in CPython set
 * order), so ranking ties between equal scores fall the same way as in the reference run.
 */
import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createRecommender, Evaluator, type Params } from '../../src/algorithms/index.js';
import { closePools } from '../../src/linalg/pool.js';
import { loadReferenceSplit } from './reference-split.js';

type Kind = 'deterministic' | 'stochastic' | 'floor';
interface Reference {
  ndcg: number;
  recall: number;
  map: number;
  hit: number;
  /** Reference fit time at 2 threads (median), seconds. */
  fit2T: number;
}
interface Case {
  label: string;
  className: string;
  params: Params;
  kind: Kind;
  ci: boolean;
  ref?: Reference;
}

const CASES: Case[] = [
  {
    label: 'TopPop',
    className: 'TopPopRecommender',
    params: {},
    kind: 'deterministic',
    ci: true,
    ref: { ndcg: 0.1927, recall: 0.0762, map: 0.0413, hit: 0.6361, fit2T: 0.00023 },
  },
  {
    label: 'IALS',
    className: 'IALSRecommender',
    params: { n_components: 64, alpha0: 0.1, reg: 0.01, train_epochs: 16, random_seed: 42 },
    kind: 'stochastic',
    ci: true,
    ref: { ndcg: 0.3328, recall: 0.1731, map: 0.1014, hit: 0.841, fit2T: 0.162 },
  },
  {
    label: 'CosineKNN',
    className: 'CosineKNNRecommender',
    params: { top_k: 100, shrinkage: 0, normalize: false, feature_weighting: 'NONE' },
    kind: 'deterministic',
    ci: true,
    ref: { ndcg: 0.2594, recall: 0.1192, map: 0.0669, hit: 0.7344, fit2T: 0.358 },
  },
  {
    label: 'CosineKNN (normalized)',
    className: 'CosineKNNRecommender',
    params: { top_k: 100, shrinkage: 0, normalize: true, feature_weighting: 'NONE' },
    kind: 'deterministic',
    ci: true,
    ref: { ndcg: 0.2523, recall: 0.1243, map: 0.0679, hit: 0.7295, fit2T: 0.596 },
  },
  {
    label: 'RP3beta',
    className: 'RP3betaRecommender',
    params: { alpha: 1, beta: 0.1, top_k: 100, normalize_weight: false },
    kind: 'deterministic',
    ci: true,
    ref: { ndcg: 0.1603, recall: 0.092, map: 0.0546, hit: 0.5541, fit2T: 0.375 },
  },
  {
    label: 'DenseSLIM',
    className: 'DenseSLIMRecommender',
    params: { reg: 100 },
    kind: 'deterministic',
    ci: true,
    ref: { ndcg: 0.3681, recall: 0.1775, map: 0.113, hit: 0.8246, fit2T: 5.03 },
  },
  {
    label: 'TruncatedSVD',
    className: 'TruncatedSVDRecommender',
    params: { n_components: 64, random_seed: 0 },
    kind: 'stochastic',
    ci: true,
    ref: { ndcg: 0.301, recall: 0.1588, map: 0.0963, hit: 0.8049, fit2T: 0.084 },
  },
  { label: 'BPRFM', className: 'BPRFMRecommender', params: {}, kind: 'floor', ci: false },
];

/** Missing data is a failure under CI (exit 1) and a usage problem elsewhere (exit 2). */
const MISSING_DATA_EXIT = process.env.CI === 'true' ? 1 : 2;

const TOLERANCE: Record<Kind, number> = { deterministic: 0.005, stochastic: 0.03, floor: 0 };
const BPRFM_NDCG_FLOOR = 0.25;
const METRICS = ['ndcg', 'recall', 'map', 'hit'] as const;

function argValue(name: string): string | undefined {
  const i = process.argv.indexOf(name);
  return i >= 0 ? process.argv[i + 1] : undefined;
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

async function disposeModel(model: unknown): Promise<void> {
  const dispose = (model as { dispose?: () => Promise<void> }).dispose;
  if (typeof dispose === 'function') await dispose.call(model);
}

function fmtRel(x: number): string {
  return `${x >= 0 ? '+' : ''}${(x * 100).toFixed(2)}%`;
}

async function main(): Promise<number> {
  const ci = process.argv.includes('--ci');
  const threads = Number(argValue('--threads') ?? 2);
  const repeats = Math.max(1, Number(argValue('--repeats') ?? (ci ? 1 : 3)));
  const root = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
  const dataDir = resolve(argValue('--data') ?? join(root, '../shared/data/ml-latest-small'));
  if (!existsSync(join(dataDir, 'split_seed42.csv'))) {
    console.error(`quality bench: ${join(dataDir, 'split_seed42.csv')} not found`);
    return MISSING_DATA_EXIT;
  }
  const { train, test } = loadReferenceSplit(dataDir);
  console.log(
    `ml-latest-small: ${train.rows} users × ${train.cols} items, train nnz ${train.indptr[train.rows]}, test nnz ${test.indptr[test.rows]}, threads ${threads}${ci ? ', --ci' : ''}`,
  );
  const evaluator = new Evaluator(test, { offset: 0, cutoff: 10, metric: 'ndcg', threads });
  const header = `| algorithm | fit s, median of ${repeats} (ref 2T, ratio) | eval s | ${METRICS.map((m) => `${m}@10 (ref, diff)`).join(' | ')} | target | ok |`;
  const lines = [header, `|${'---|'.repeat(METRICS.length + 5)}`];
  let failures = 0;
  for (const c of CASES.filter((x) => !ci || x.ci)) {
    const fitTimes: number[] = [];
    let model = createRecommender(c.className, train, c.params);
    for (let r = 0; r < repeats; r++) {
      if (r > 0) {
        await disposeModel(model);
        model = createRecommender(c.className, train, c.params);
      }
      const t0 = performance.now();
      await model.fit({ threads });
      fitTimes.push((performance.now() - t0) / 1000);
    }
    const fitS = median(fitTimes);
    const t1 = performance.now();
    const res = await evaluator.evaluate(model);
    const evalS = (performance.now() - t1) / 1000;
    await disposeModel(model);
    let ok = true;
    const cells = METRICS.map((m) => {
      if (c.ref === undefined) return res[m].toFixed(4);
      const rel = (res[m] - c.ref[m]) / c.ref[m];
      if (Math.abs(rel) > TOLERANCE[c.kind]) ok = false;
      return `${res[m].toFixed(4)} (${c.ref[m].toFixed(4)}, ${fmtRel(rel)})`;
    });
    let target = `±${(TOLERANCE[c.kind] * 100).toFixed(1)}%`;
    if (c.kind === 'floor') {
      target = `ndcg ≥ ${BPRFM_NDCG_FLOOR}`;
      ok = res.ndcg >= BPRFM_NDCG_FLOOR;
    }
    if (!ok) failures++;
    const fit = c.ref ? `${fitS.toFixed(3)} (${c.ref.fit2T}, ×${(fitS / c.ref.fit2T).toFixed(2)})` : fitS.toFixed(3);
    lines.push(
      `| ${c.label} | ${fit} | ${evalS.toFixed(3)} | ${cells.join(' | ')} | ${target} | ${ok ? 'yes' : 'NO'} |`,
    );
    console.log(lines[lines.length - 1]);
  }
  console.log(`\n${lines.join('\n')}`);
  console.log(failures === 0 ? '\nquality: all targets met' : `\nquality: ${failures} target(s) missed`);
  await closePools();
  return failures === 0 ? 0 : 1;
}

main().then(
  (code) => process.exit(code),
  (err) => {
    console.error(err);
    process.exit(1);
  },
);
