/**
 * Public types of a loaded recipe. Field names mirror the YAML (snake_case) so that a recipe reads
 * the same in code as on disk: `recipe.training.n_trials`.
 */
import type { CanonicalAlgorithm } from './algorithms.js';

/** A validated source config: the plugin's typed config, always carrying its `type`. */
export interface SourceConfig {
  readonly type: string;
  readonly [field: string]: unknown;
}

/** What a config schema must offer: zod's `safeParse` (zod 4 schemas satisfy it). */
export interface ConfigSchemaLike {
  safeParse(
    input: unknown,
    params?: { reportInput?: boolean },
  ): { success: true; data: unknown } | { success: false; error: { issues: readonly unknown[] } };
}

/** The part of a data-source plugin the recipe layer needs. */
export interface SourceTypeInfo {
  readonly typeName: string;
  readonly configSchema: ConfigSchemaLike;
  /** Source-config keys never `${}`-expanded (compared case-insensitively). */
  readonly noExpandFields: ReadonlySet<string>;
}

/**
 * Lookup of registered source types. Implemented by the data layer's plugin registry and passed
 * in, so that recipe loading never imports the data layer.
 */
export interface SourceTypeLookup {
  /** The plugin for `type`, or undefined when no plugin has that type name. */
  get(type: string): SourceTypeInfo | undefined;
  /** Every registered type name. */
  knownTypes(): string[];
}

export interface RecipeColumns {
  readonly user_column: string;
  readonly item_column: string;
  readonly time_column: string | null;
  readonly time_unit: 's' | 'ms' | 'us' | 'ns' | null;
}

export interface RecipeCleansing {
  readonly drop_null_ids: boolean;
  readonly dedup: 'keep_first' | 'keep_last' | 'none';
  readonly min_rows: number | null;
  readonly min_users: number | null;
  readonly min_items: number | null;
}

export interface RecipeSplit {
  readonly scheme: 'random' | 'time_global' | 'time_user';
  readonly heldout_ratio: number;
  readonly test_user_ratio: number;
  readonly seed: number;
}

export interface RecipeTraining {
  /** Canonical class names, resolved from aliases at load time, duplicates removed (first wins). */
  readonly algorithms: readonly CanonicalAlgorithm[];
  readonly metric: 'ndcg' | 'map' | 'recall' | 'hit';
  readonly cutoff: number;
  readonly n_trials: number;
  /** Keys as written in the recipe (aliases allowed), in document order. */
  readonly per_algorithm_trials: Readonly<Record<string, number>> | null;
  readonly per_trial_timeout_seconds: number | null;
  readonly timeout_seconds: number | null;
  readonly parallelism: number;
  readonly storage_path: string;
  readonly split: RecipeSplit;
}

export interface RecipePromotionGate {
  /** Largest allowed relative drop of the metric against the compared model, in [0, 1]. */
  readonly max_regression: number;
  readonly compare_to_toppop: boolean;
}

export interface RecipeOutput {
  /** As written (not absolutised); relative paths are relative to the working directory at train time. */
  readonly path: string;
  readonly versioning: 'always_overwrite' | 'append_sha';
  readonly promotion_gate: RecipePromotionGate | null;
}

export interface RecipeItemMetadata {
  readonly type: 'csv' | 'parquet';
  readonly path: string;
  readonly sha256: string | null;
  readonly fields: readonly string[];
  readonly on_field_missing: 'error' | 'null';
  readonly item_id_column: string;
  /** Metadata fields that recommendation requests may filter on; each is one of `fields`. */
  readonly filterable: readonly string[];
}

export interface RecipeServing {
  /** `error`: 404 for users not seen in training (the original); `popular`: answer with popular items. */
  readonly unknown_user: 'error' | 'popular';
  /** Most history items a request may carry. */
  readonly max_history: number;
}

export interface RecipeEvents {
  /** null: the embedded SQLite file `<output dir>/<name>.events.db`; else a file path or `postgresql://host/db`. */
  readonly store: string | null;
  /** Events older than this many days are deleted by the server. */
  readonly retention_days: number;
  /** Fold a user's events received after the model was trained into `:recommend`. */
  readonly realtime: boolean;
  /** `recotem train` adds the stored events (within retention) to the source rows. */
  readonly include_in_training: boolean;
  /** Accepted event types and their weights; null: any type, weight 1. */
  readonly event_types: Readonly<Record<string, number>> | null;
}

/** A loaded, validated, deeply frozen recipe. */
export interface Recipe<S extends SourceConfig = SourceConfig> {
  readonly name: string;
  readonly source: S;
  readonly schema: RecipeColumns;
  readonly cleansing: RecipeCleansing;
  readonly item_metadata: RecipeItemMetadata | null;
  readonly training: RecipeTraining;
  readonly output: RecipeOutput;
  readonly serving: RecipeServing;
  /** Null when the recipe takes no events. */
  readonly events: RecipeEvents | null;
}
