/**
 * Numeric kernels: CSR matrices, dense float32/float64 kernels (TypeScript twins and WebAssembly
 * SIMD dispatch), Cholesky / conjugate gradient / eigen / QR / randomized SVD, partial top-k,
 * seeded random numbers and the worker pool.
 */

export { conjugateGradient, SingularSystemError } from './cg.js';
export { choleskyFactor, choleskySolve, solveSpd, spdInverse, upperTriangularInverse } from './cholesky.js';
export { type CsrMatrix, csrFromCoo, nnz, sliceRows, transpose } from './csr.js';
export {
  axpy,
  type DenseMatrix,
  denseZeros32,
  denseZeros64,
  dot,
  type FloatArray,
  gemmNN,
  gemmNT,
  gemv,
  gram,
  spmm,
  transposeDense,
} from './dense.js';
export { type SymmetricEigen, symmetricEigen } from './eigen.js';
export { dot32, gemmNN64, gemmNT32, gram32, gram64, pad2, pad4, spmm64 } from './kernels.js';
export {
  closePools,
  defaultThreads,
  defineTask,
  getPool,
  type Range,
  rangesByCost,
  rowCostPrefix,
  type Task,
  type TaskContext,
  type TaskFn,
  type WorkerPool,
} from './pool.js';
export { householderQ, orthonormalize } from './qr.js';
export { fillNormal, Rng } from './random.js';
export {
  isResident,
  pinned,
  releaseShared,
  Staging,
  setPinnedCacheBudget,
  sharedF32,
  sharedF64,
  sharedI32,
  sharedU8,
  toShared,
  unpin,
} from './resident.js';
export { type SharedCsr, shareCsr, spmmParallel } from './spmm-task.js';
export { type RandomizedSvdOptions, randomizedSvd, type TruncatedSvd } from './svd.js';
export { maskRow, topK } from './topk.js';
export { type KernelExports, type WasmRuntime, wasmLoadWarning, wasmRuntime } from './wasm/runtime.js';
