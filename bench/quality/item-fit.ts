/**
 * Fit times of the item-item models on the reference ml-latest-small split, beside the reference
 * reference figures quoted in BENCHMARKS.md (median of N fits after one warm-up fit, at 1 and 2 threads).
 *
 *   npx tsx bench/quality/item-fit.ts [--repeats 3] [--data DIR] [--items-route]
 *
 * --items-route also times DenseSLIM through the dense item-side inverse (9724 × 9724), which the
 * cost model does not pick for this matrix (the user-side route is far cheaper here).
 */
import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { computeCosineKnnWeights } from '../../src/algorithms/cosine-knn.js';
import { computeDenseSlimWeights } from '../../src/algorithms/dense-slim.js';
import { computeRp3betaWeights } from '../../src/algorithms/rp3beta.js';
import type { CsrMatrix } from '../../src/linalg/csr.js';
import { closePools } from '../../src/linalg/pool.js';
import { loadReferenceSplit } from './reference-split.js';

interface FitCase {
  label: string;
  /** Reference fit seconds at 1 and 2 threads (median). */
  ref: [number, number];
  run: (X: CsrMatrix, threads: number) => Promise<unknown>;
  slow?: boolean;
}

const CASES: FitCase[] = [
  { label: 'CosineKNN', ref: [0.547, 0.358], run: (X, t) => computeCosineKnnWeights(X, { top_k: 100 }, t) },
  {
    label: 'CosineKNN (normalized)',
    ref: [0.641, 0.596],
    run: (X, t) => computeCosineKnnWeights(X, { top_k: 100, normalize: true }, t),
  },
  {
    label: 'RP3beta',
    ref: [0.581, 0.375],
    run: (X, t) => computeRp3betaWeights(X, { alpha: 1, beta: 0.1, top_k: 100 }, t),
  },
  {
    label: 'DenseSLIM (user route)',
    ref: [8.96, 5.03],
    run: (X, t) => computeDenseSlimWeights(X, { reg: 100 }, t, 'users'),
  },
  {
    label: 'DenseSLIM (item route)',
    ref: [8.96, 5.03],
    run: (X, t) => computeDenseSlimWeights(X, { reg: 100 }, t, 'items'),
    slow: true,
  },
];

function argValue(name: string): string | undefined {
  const i = process.argv.indexOf(name);
  return i >= 0 ? process.argv[i + 1] : undefined;
}

async function main(): Promise<number> {
  const repeats = Math.max(1, Number(argValue('--repeats') ?? 3));
  const root = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
  const dataDir = resolve(argValue('--data') ?? join(root, '../shared/data/ml-latest-small'));
  if (!existsSync(join(dataDir, 'split_seed42.csv'))) {
    console.error(`item-fit bench: ${join(dataDir, 'split_seed42.csv')} not found`);
    return 2;
  }
  const { train } = loadReferenceSplit(dataDir);
  const itemsRoute = process.argv.includes('--items-route');
  console.log('| model | threads | fit s median (min) | reference s | ratio |');
  console.log('|---|---|---|---|---|');
  for (const c of CASES.filter((x) => !x.slow || itemsRoute)) {
    for (const threads of [1, 2]) {
      const n = c.slow ? 1 : repeats;
      if (!c.slow) await c.run(train, threads); // warm-up: JIT and worker start-up
      const times: number[] = [];
      for (let r = 0; r < n; r++) {
        const t0 = performance.now();
        await c.run(train, threads);
        times.push((performance.now() - t0) / 1000);
      }
      times.sort((a, b) => a - b);
      const med = times[Math.floor(times.length / 2)];
      const ref = c.ref[threads - 1];
      console.log(
        `| ${c.label} | ${threads} | ${med.toFixed(3)} (${times[0].toFixed(3)}) | ${ref} | ×${(med / ref).toFixed(2)} |`,
      );
    }
  }
  await closePools();
  return 0;
}

main().then(
  (code) => process.exit(code),
  (err) => {
    console.error(err);
    process.exit(1);
  },
);
