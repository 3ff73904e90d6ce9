/**
 * Parallel execution of `computeProductRows` over worker threads. Returns null when no worker
 * pool can be used, so the caller falls back to the calling thread.
 */
import type { ProductChunk, ProductInput } from './sparse-product.js';

export async function runProductInWorkers(
  _input: ProductInput,
  _chunks: readonly Int32Array[],
  _threads: number,
): Promise<ProductChunk[] | null> {
  return null;
}
