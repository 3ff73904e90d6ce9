/**
 * The error classes every layer throws, and the one mapping from an error to a process exit code
 *. Keep this module dependency-free: it sits at the bottom of the import graph.
 */

export const ExitCode = {
  OK: 0,
  UNKNOWN: 1,
  RECIPE: 2,
  DATA_SOURCE: 3,
  TRAINING: 4,
  ARTIFACT: 5,
  LOCK: 6,
  HTTP_FETCH: 7,
  CONFIG: 8,
  /** Promotion gate refused to publish the new model (an extension of the original table). */
  PROMOTION_REFUSED: 9,
} as const;
export type ExitCodeValue = (typeof ExitCode)[keyof typeof ExitCode];

/** Base class: lets callers tell our errors from library errors. */
export class RecotemError extends Error {
  override name = 'RecotemError';
}

export type RecipeErrorCategory = 'security' | 'schema' | 'parse' | 'io' | 'unknown';

export class RecipeError extends RecotemError {
  override name = 'RecipeError';
  readonly category: RecipeErrorCategory;
  readonly line?: number;
  readonly column?: number;
  readonly file?: string;
  constructor(
    message: string,
    opts: {
      category?: RecipeErrorCategory;
      line?: number;
      column?: number;
      file?: string;
      cause?: unknown;
    } = {},
  ) {
    super(message, opts.cause === undefined ? undefined : { cause: opts.cause });
    this.category = opts.category ?? 'unknown';
    this.line = opts.line;
    this.column = opts.column;
    this.file = opts.file;
  }
  /** Message plus " (line N)" when the YAML location is known. */
  override toString(): string {
    // Recipe messages often carry the location already ("... (line 3, column 5)").
    if (this.line === undefined || this.message.includes(`line ${this.line}`)) return this.message;
    return `${this.message} (line ${this.line})`;
  }
}

export class DataSourceError extends RecotemError {
  override name = 'DataSourceError';
  readonly code = 'datasource_error';
}

/** Any failure of the shared HTTP fetcher, and sha256 pin mismatches (exit 7 through any wrapping). */
export class HttpFetchError extends RecotemError {
  override name = 'HttpFetchError';
}

export class ConfigError extends RecotemError {
  override name = 'ConfigError';
}

export type ArtifactErrorReason =
  | 'read'
  | 'parse'
  | 'hmac'
  | 'header_json'
  | 'version_skew'
  | 'recipe_mismatch'
  | 'deserialize'
  | 'metadata'
  | 'yaml'
  | 'dir_scan'
  | 'timeout'
  | 'write'
  | 'unexpected';

export class ArtifactError extends RecotemError {
  override name = 'ArtifactError';
  readonly reason: ArtifactErrorReason;
  constructor(message: string, reason: ArtifactErrorReason = 'unexpected', opts: { cause?: unknown } = {}) {
    super(message, opts.cause === undefined ? undefined : { cause: opts.cause });
    this.reason = reason;
  }
}

export class LockContestedError extends RecotemError {
  override name = 'LockContestedError';
  readonly code: string = 'lock_contested';
}

export class LockTimeoutError extends LockContestedError {
  override name = 'LockTimeoutError';
  override readonly code = 'lock_timeout';
  readonly waitedSeconds: number;
  constructor(message: string, waitedSeconds: number) {
    super(message);
    this.waitedSeconds = waitedSeconds;
  }
}

export class TrainingError extends RecotemError {
  override name = 'TrainingError';
  readonly code: string;
  constructor(message: string, code = 'training_error', opts: { cause?: unknown } = {}) {
    super(message, opts.cause === undefined ? undefined : { cause: opts.cause });
    this.code = code;
  }
}

export class MinDataViolation extends TrainingError {
  override name = 'MinDataViolation';
  readonly stats: Record<string, number | null>;
  constructor(message: string, stats: Record<string, number | null> = {}) {
    super(message, 'min_data_violation');
    this.stats = stats;
  }
}

export class SplitError extends TrainingError {
  override name = 'SplitError';
  constructor(message: string, opts: { cause?: unknown } = {}) {
    super(message, 'split_error', opts);
  }
}

export class UnknownAlgorithmError extends TrainingError {
  override name = 'UnknownAlgorithmError';
  constructor(message: string) {
    super(message, 'unknown_algorithm');
  }
}

export class SearchError extends TrainingError {
  override name = 'SearchError';
  constructor(message: string, code = 'search_error', opts: { cause?: unknown } = {}) {
    super(message, code, opts);
  }
}

export class ZeroScoreError extends SearchError {
  override name = 'ZeroScoreError';
  constructor(message: string) {
    super(message, 'zero_score');
  }
}

/** The new model scored worse than the published one or TopPop by more than the allowed margin. */
export class PromotionRefusedError extends RecotemError {
  override name = 'PromotionRefusedError';
  readonly code = 'promotion_refused';
}

/** True for failures that must never be turned into a tidy exit code. */
export function isFatalRuntimeError(err: unknown): boolean {
  if (err instanceof RangeError) {
    return /Maximum call stack size exceeded|Array buffer allocation failed|Invalid typed array length|allocation failed/i.test(
      err.message,
    );
  }
  return false;
}

/** Explicit cause chain: err, err.cause, err.cause.cause, ... (cycle-safe). */
export function* causeChain(err: unknown): Generator<unknown> {
  const seen = new Set<unknown>();
  let cur: unknown = err;
  while (cur !== undefined && cur !== null && !seen.has(cur)) {
    seen.add(cur);
    yield cur;
    cur = (cur as { cause?: unknown }).cause;
  }
}

/** first match wins. */
export function exitCodeFor(err: unknown): ExitCodeValue {
  if (err instanceof TrainingError && err.code === 'signing_key_missing') return ExitCode.CONFIG;
  if (err instanceof RecipeError) return ExitCode.RECIPE;
  for (const e of causeChain(err)) if (e instanceof HttpFetchError) return ExitCode.HTTP_FETCH;
  if (err instanceof DataSourceError) return ExitCode.DATA_SOURCE;
  if (err instanceof ConfigError) return ExitCode.CONFIG;
  if (err instanceof ArtifactError) return ExitCode.ARTIFACT;
  if (err instanceof LockContestedError) return ExitCode.LOCK;
  if (err instanceof TrainingError) return ExitCode.TRAINING;
  if (err instanceof PromotionRefusedError) return ExitCode.PROMOTION_REFUSED;
  return ExitCode.UNKNOWN;
}

/** Codes 0 and 2–9 survive an explicit exit request; anything else becomes 1. */
export function normalizeExitCode(code: unknown): number {
  if (typeof code === 'number' && Number.isInteger(code) && (code === 0 || (code >= 2 && code <= 9))) return code;
  return ExitCode.UNKNOWN;
}

/** Short text of an unknown thrown value, for messages. */
export function errorMessage(err: unknown): string {
  if (err instanceof RecipeError) return err.toString();
  if (err instanceof Error) return err.message;
  return String(err);
}

export function errorClassName(err: unknown): string {
  if (err instanceof Error) return err.name || err.constructor.name;
  return typeof err;
}
