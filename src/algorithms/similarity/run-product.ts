/**
 * Runs a sparse top-k product on the calling thread or, when more than one thread is requested and
 * the work is large enough to pay for the hand-off, across the worker pool.
 */
import type { CsrMatrix } from '../../linalg/csr.js';
import { assembleCsr, assembleTransposedCsr } from './assemble.js';
import { runProductInWorkers } from './parallel-product.js';
import { computeProductRows, type ProductChunk, type ProductInput, rowCosts } from './sparse-product.js';

/** Below this many multiply-adds a thread hop costs more than it saves. */
const PARALLEL_MIN_OPS = 2e6;

/** The product's kept entries as a CSR matrix, or as its transpose when `transposed` is set. */
export async function sparseProductTopK(input: ProductInput, threads = 1, transposed = false): Promise<CsrMatrix> {
  const cost = rowCosts(input);
  let totalCost = 0;
  for (let i = 0; i < cost.length; i++) totalCost += cost[i];
  let chunks: ProductChunk[];
  if (threads > 1 && totalCost > PARALLEL_MIN_OPS) {
    chunks = await runProductInWorkers(input, cost, threads);
  } else {
    const all = new Int32Array(input.nRows);
    for (let i = 0; i < all.length; i++) all[i] = i;
    chunks = [computeProductRows(input, all)];
  }
  return (transposed ? assembleTransposedCsr : assembleCsr)(input.nRows, input.nCols, chunks);
}
