/**
 * Runs a sparse top-k product on the calling thread or, when more than one thread is requested
 * and the worker pool is available, across worker threads with work-balanced chunks.
 */
import type { CsrMatrix } from '../../linalg/csr.js';
import { assembleCsr, planChunks } from './assemble.js';
import { runProductInWorkers } from './parallel-product.js';
import { computeProductRows, type ProductInput, rowCosts } from './sparse-product.js';

/** Chunks per thread: several, so a slow chunk near the end does not leave a thread idle. */
const CHUNKS_PER_THREAD = 8;

export async function sparseProductTopK(input: ProductInput, threads = 1): Promise<CsrMatrix> {
  const cost = rowCosts(input);
  let totalCost = 0;
  for (let i = 0; i < cost.length; i++) totalCost += cost[i];
  // Below a few million operations a thread hop costs more than it saves.
  if (threads > 1 && totalCost > 2e6) {
    const chunks = planChunks(cost, threads * CHUNKS_PER_THREAD);
    const results = await runProductInWorkers(input, chunks, threads);
    if (results !== null) return assembleCsr(input.nRows, input.nCols, results);
  }
  const all = new Int32Array(input.nRows);
  for (let i = 0; i < all.length; i++) all[i] = i;
  return assembleCsr(input.nRows, input.nCols, [computeProductRows(input, all)]);
}
