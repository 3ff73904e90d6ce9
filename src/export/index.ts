/**
 * Batch export of recommendations: `runExport(request)` ranks with the model `serve` would load
 * and publishes the lists to a file, an object store or a database table in one atomic step.
 */
export type { FileFormat } from './destinations/index.js';
export { FILE_FORMATS } from './destinations/index.js';
export type { LoadLimits, ModelSource } from './load.js';
export { ExportInterrupted, type ExportRequest, type ExportSummary, runExport } from './run.js';
