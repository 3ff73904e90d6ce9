/**
 * `recotem export`: rank every user (or the listed ones, or every item for related items) with
 * the model `serve` would load, and write the lists to a file or a table in one atomic step.
 * Scoring runs in one thread per core while the event loop writes the previous chunk, with a
 * bounded number of chunks in flight, so memory does not grow with the number of users.
 */
import { ConfigError } from '../errors/index.js';
import { defaultThreads } from '../linalg/pool.js';
import { popularTop } from '../serve/http/personalize.js';
import type { LoadedEntry } from '../serve/http/routes/common.js';
import { evaluateFilter, FilterFieldError, type FilterSpec } from '../serve/scoring/filters.js';
import type { TopK } from '../serve/scoring/topk.js';
import { BatchBuilder, metadataCells } from './batches.js';
import { type FileFormat, openDestination } from './destinations/index.js';
import type { ExportLayout, ExportSink } from './destinations/sink.js';
import { readIdsFile, selectIds } from './ids-file.js';
import { type LoadLimits, loadExportModel, type ModelSource } from './load.js';
import { BarProgress, EventProgress, type ExportProgress, exportLog } from './progress.js';
import type { RankedChunk, RankOptions } from './rank-block.js';
import { ExportScorer } from './scorer.js';

export interface ExportRequest {
  source: ModelSource;
  limits: LoadLimits;
  /** `--to`: file path, object-store URI, database URL or `env:NAME`. */
  to: string;
  format: FileFormat | null;
  /** `--table`; null: `recommendations` (`related_items` with related items). */
  table: string | null;
  limit: number;
  /** `--users FILE` (item ids with related items); null: everyone in the model. */
  idsFile: string | null;
  related: boolean;
  filter: FilterSpec | null;
  excludeSeen: boolean;
  metadataFields: readonly string[];
  /** Scoring threads; null: one per core. */
  threads: number | null;
  /** Live progress bar (a TTY) instead of `export_progress` events. */
  interactive: boolean;
  env: NodeJS.ProcessEnv;
  /** Aborts the export (signals): the destination keeps its previous contents. */
  signal?: AbortSignal;
  /** Rows per scoring chunk (tests use small chunks to exercise streaming). */
  chunkRows?: number;
  /** Most (row, item) scores ranked on the event loop instead of threads (tests force threads with 0). */
  inlineMaxScores?: number;
  /** Lets tests wrap the destination (e.g. to fail mid-way). */
  wrapSink?: (sink: ExportSink) => ExportSink;
}

export interface ExportSummary {
  destination: string;
  modelVersion: string;
  rows: number;
  /** Users (or seed items) with at least one row. */
  keys: number;
  /** Ids from the ids file the model does not know (and that got no rows). */
  unknown: string[];
  seconds: number;
}

const DEFAULT_CHUNK_ROWS = 65_536;

export class ExportInterrupted extends Error {
  override name = 'ExportInterrupted';
  constructor() {
    super('export interrupted; the destination keeps its previous contents');
  }
}

function checkFields(loaded: LoadedEntry, req: ExportRequest): Uint8Array | null {
  const declared = new Set(loaded.entry.metadataIndex === null ? [] : metadataFieldsOf(loaded));
  for (const field of req.metadataFields) {
    if (!declared.has(field)) {
      throw new ConfigError(
        `--metadata-field '${field}' is not an item metadata field of this model (declare it in the recipe's item_metadata.fields; deny-listed fields are never exported)`,
      );
    }
  }
  if (req.filter === null || Object.keys(req.filter).length === 0) return null;
  try {
    return evaluateFilter(loaded.entry.filterIndex ?? null, req.filter);
  } catch (err) {
    if (err instanceof FilterFieldError) throw new ConfigError(`--filter: ${err.message}`);
    throw err;
  }
}

function metadataFieldsOf(loaded: LoadedEntry): string[] {
  const fields = new Set<string>();
  for (const record of loaded.entry.metadataIndex!.values()) for (const k in record) fields.add(k);
  return [...fields];
}

/** Rows for ids the model does not know, as `:recommend` answers them (`serving.unknown_user`). */
function unknownUserTop(loaded: LoadedEntry, req: ExportRequest, allowed: Uint8Array | null): TopK | null {
  if (req.related || loaded.entry.serving.unknownUser !== 'popular') return null;
  const ranking = loaded.entry.popularRanking;
  if (allowed === null && ranking !== null) {
    const cut = Math.min(req.limit, ranking.indices.length);
    return { indices: ranking.indices.subarray(0, cut), scores: ranking.scores.subarray(0, cut) };
  }
  return popularTop(loaded, req.limit, { allowed, masked: null });
}

function chunkSize(total: number, limit: number, threads: number, chunkRows: number): number {
  const byRows = Math.max(1, Math.floor(chunkRows / limit));
  const spread = Math.max(16, Math.ceil(total / (threads * 4)));
  return Math.max(1, Math.min(byRows, spread));
}

export async function runExport(req: ExportRequest): Promise<ExportSummary> {
  const started = Date.now();
  const log = exportLog();
  let sink = openDestination(req.to, {
    format: req.format,
    table: req.table ?? (req.related ? 'related_items' : 'recommendations'),
    env: req.env,
  });
  if (req.wrapSink) sink = req.wrapSink(sink);
  const loaded = await loadExportModel(req.source, req.limits);
  const { model, entry } = loaded;
  const allowed = checkFields(loaded, req);
  const keys = req.related ? model.itemIds : model.userIds;
  let rows: Int32Array;
  let unknown: string[] = [];
  if (req.idsFile === null) {
    rows = Int32Array.from({ length: keys.length }, (_, i) => i);
  } else {
    const selection = selectIds(await readIdsFile(req.idsFile), req.related ? model.itemIndex : model.userIndex);
    rows = selection.known;
    unknown = selection.unknown;
  }
  const popular = unknown.length > 0 ? unknownUserTop(loaded, req, allowed) : null;
  if (unknown.length > 0) {
    log.warn('export_unknown_ids', {
      recipe: entry.name,
      count: unknown.length,
      examples: unknown.slice(0, 5),
      handled_as: popular === null ? 'skipped' : 'popular',
    });
  }
  const layout: ExportLayout = {
    keyColumn: req.related ? 'seed_item_id' : 'user_id',
    metadataFields: req.metadataFields,
    modelVersion: loaded.version,
    generatedAt: new Date(),
    itemIds: model.itemIds,
  };
  const options: RankOptions = { limit: req.limit, excludeSeen: req.excludeSeen, allowed };
  const threads = Math.max(1, req.threads ?? defaultThreads());
  const context = { recipe: entry.name, destination: sink.description };
  const progress: ExportProgress = req.interactive ? new BarProgress(entry.name) : new EventProgress(context);
  const builder = new BatchBuilder(
    model.itemIds,
    metadataCells(model.itemIds, entry.metadataIndex, req.metadataFields),
  );
  let written = 0;
  let keysWritten = 0;
  const total = rows.length + (popular === null ? 0 : unknown.length);
  let scorer: ExportScorer | null = null;
  const checkSignal = () => {
    if (req.signal?.aborted) throw new ExportInterrupted();
  };
  const flush = async () => {
    const batch = builder.take();
    written += batch.length;
    await sink.write(batch);
  };
  try {
    await sink.open(layout);
    progress.start(total);
    scorer = new ExportScorer(model, req.related, options, threads, rows.length, req.inlineMaxScores);
    const size = chunkSize(rows.length, req.limit, scorer.threads, req.chunkRows ?? DEFAULT_CHUNK_ROWS);
    const inFlight: { rows: Int32Array; result: Promise<RankedChunk> }[] = [];
    let next = 0;
    let done = 0;
    const refill = () => {
      while (inFlight.length < scorer!.threads * 2 && next < rows.length) {
        const part = rows.subarray(next, Math.min(rows.length, next + size));
        next += part.length;
        const result = scorer!.score(part);
        // Awaited in order below; this only keeps a later chunk's failure from going unhandled.
        result.catch(() => {});
        inFlight.push({ rows: part, result });
      }
    };
    refill();
    while (inFlight.length > 0) {
      const head = inFlight.shift()!;
      const chunk = await head.result;
      refill();
      checkSignal();
      for (let j = 0; j < head.rows.length; j++) {
        const n = builder.add(keys[head.rows[j]], chunk.indices, chunk.scores, chunk.counts[j], j * req.limit);
        if (n > 0) keysWritten++;
      }
      done += head.rows.length;
      await flush();
      progress.advance(done, written);
    }
    if (popular !== null) {
      for (const id of unknown) if (builder.addTop(id, popular) > 0) keysWritten++;
      done += unknown.length;
      await flush();
      progress.advance(done, written);
    }
    checkSignal();
    await sink.commit();
  } catch (err) {
    // Staged rows (file or table) go; the previous export stays.
    await sink.abort().catch(() => {});
    throw err;
  } finally {
    progress.stop();
    await scorer?.close();
  }
  const summary: ExportSummary = {
    destination: sink.description,
    modelVersion: loaded.version,
    rows: written,
    keys: keysWritten,
    unknown: popular === null ? unknown : [],
    seconds: (Date.now() - started) / 1000,
  };
  log.info('export_done', {
    ...context,
    model_version: summary.modelVersion,
    rows: summary.rows,
    keys: summary.keys,
    unknown_ids: summary.unknown.length,
    seconds: Math.round(summary.seconds * 1000) / 1000,
  });
  return summary;
}
