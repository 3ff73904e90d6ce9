/**
 * Parallel execution of `computeProductRows` on the linalg worker pool. The input arrays are copied
 * once into shared memory so every chunk reads them without another copy; chunks are contiguous
 * row ranges of about equal multiply-add count, handed out dynamically to free workers.
 */
import { defineTask, getPool, rangesByCost } from '../../linalg/pool.js';
import { releaseShared, toShared } from '../../linalg/resident.js';
import { computeProductRows, type ProductChunk, type ProductInput } from './sparse-product.js';

export const productRowsTask = defineTask(
  import.meta.url,
  'similarityProductRows',
  (args: { input: ProductInput }, start: number, end: number): ProductChunk => {
    const rows = new Int32Array(end - start);
    for (let i = 0; i < rows.length; i++) rows[i] = start + i;
    return computeProductRows(args.input, rows);
  },
);

type SharedField = 'leftIndptr' | 'leftIndices' | 'leftData' | 'rightIndptr' | 'rightIndices' | 'rightData';
const SHARED_FIELDS: readonly SharedField[] = [
  'leftIndptr',
  'leftIndices',
  'leftData',
  'rightIndptr',
  'rightIndices',
  'rightData',
];

/** Chunks per thread: several, so one slow chunk near the end does not leave a thread idle. */
const CHUNKS_PER_THREAD = 8;

export async function runProductInWorkers(
  input: ProductInput,
  cost: Float64Array,
  threads: number,
): Promise<ProductChunk[]> {
  const prefix = new Float64Array(cost.length + 1);
  for (let i = 0; i < cost.length; i++) prefix[i + 1] = prefix[i] + cost[i];
  const ranges = rangesByCost(prefix, threads * CHUNKS_PER_THREAD);
  const shared: Partial<Record<SharedField, Int32Array | Float64Array>> = {};
  try {
    for (const f of SHARED_FIELDS) shared[f] = toShared(input[f]);
    const sharedInput = { ...input, ...shared } as ProductInput;
    return await getPool(threads).run(productRowsTask, { input: sharedInput }, ranges);
  } finally {
    for (const f of SHARED_FIELDS) {
      const a = shared[f];
      if (a !== undefined) releaseShared(a);
    }
  }
}
