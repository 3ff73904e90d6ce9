/** Shapes of the v1 answers the console reads (see the HTTP API reference). */

export interface RecipeOverview {
  name: string;
  state: 'loaded' | 'stale' | 'failed' | 'loading';
  error: string | null;
  model_version: string | null;
  loaded_at: string | null;
  trained_at: string | null;
  best_class: string | null;
  best_score: number | null;
  metric: string | null;
  cutoff: number | null;
  data_stats: { n_rows: number; n_users: number; n_items: number } | null;
  kid: string | null;
  swap_count: number;
  last_swap_at: string | null;
}

export interface Overview {
  server: {
    version: string;
    started_at: string;
    uptime_seconds: number;
    status: 'ok' | 'degraded';
    auth: boolean;
    request_metrics: boolean;
    workers: string;
  };
  recipes: RecipeOverview[];
}

export interface SearchTrial {
  n: number;
  algorithm: string;
  state: string;
  score: number | null;
  t: number;
}

export interface AlgorithmSearch {
  algorithm: string;
  completed: number;
  other: number;
  best_score: number | null;
  best_trial: number | null;
  best_params: Record<string, unknown> | null;
}

export interface Training {
  name: string;
  model_version: string | null;
  trained_at: string | null;
  best_class: string | null;
  best_params: Record<string, unknown> | null;
  best_score: number | null;
  metric: string | null;
  cutoff: number | null;
  data_stats: Record<string, string | number> | null;
  tuning: Record<string, unknown> | null;
  search: {
    started_at: string | null;
    n_trials: number;
    truncated: boolean;
    trials: SearchTrial[];
    algorithms: AlgorithmSearch[];
    split: Record<string, string | number>;
  } | null;
  model: { n_users: number; n_items: number; explains: boolean };
  item_metadata: { fields: string[]; filterable: string[] };
  serving: { unknown_user: 'error' | 'popular'; max_history: number };
}

export interface RecommendItem {
  item_id: string;
  score: number;
  because?: { item_id: string; weight: number }[];
  [field: string]: unknown;
}

export interface RecommendResponse {
  request_id: string;
  recipe: string;
  model_version: string;
  items: RecommendItem[];
}

export interface HealthDetails {
  status: 'ok' | 'degraded';
  recipes: Record<string, { loaded: boolean; trained_at?: string; best_class?: string; kid?: string; error?: string }>;
}
