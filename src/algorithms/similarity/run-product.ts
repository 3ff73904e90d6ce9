/**
 * Runs a sparse top-k product on the calling thread or, when more than one thread is requested and
 * the work is large enough to pay for the hand-off, across the worker pool.
 */
import type { CsrMatrix } from '../../linalg/csr.js';
import { assembleCsr } from './assemble.js';
import { runProductInWorkers } from './parallel-product.js';
import { computeProductRows, type ProductInput, rowCosts } from './sparse-product.js';

/** Below this many multiply-adds a thread hop costs more than it saves. */
const PARALLEL_MIN_OPS = 2e6;

export async function sparseProductTopK(input: ProductInput, threads = 1): Promise<CsrMatrix> {
  const cost = rowCosts(input);
  let totalCost = 0;
  for (let i = 0; i < cost.length; i++) totalCost += cost[i];
  if (threads > 1 && totalCost > PARALLEL_MIN_OPS) {
    return assembleCsr(input.nRows, input.nCols, await runProductInWorkers(input, cost, threads));
  }
  const all = new Int32Array(input.nRows);
  for (let i = 0; i < all.length; i++) all[i] = i;
  return assembleCsr(input.nRows, input.nCols, [computeProductRows(input, all)]);
}
