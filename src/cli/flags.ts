/** The raw option objects the argument parser produces, before gating. */

export interface TrainFlags {
  /** False when `--no-lock` is given. */
  lock: boolean;
  failOnBusy?: boolean;
  lockTimeout: number;
  quiet?: boolean;
  verbose?: boolean;
  devAllowUnsigned?: boolean;
  iUnderstandThisLoadsArbitraryCode?: boolean;
  /** Every `--env-var` occurrence in order; absent when none was given. */
  envVar?: string[];
  runId?: string;
  /** `--report FILE`: write an HTML report of the run. */
  report?: string;
}

export interface ServeFlags {
  recipes: string;
  port?: number;
  host?: string;
  insecureNoAuth?: boolean;
  devAllowUnsigned?: boolean;
  iUnderstandThisLoadsArbitraryCode?: boolean;
  /** `--console` / `--no-console`; absent: RECOTEM_CONSOLE decides. */
  console?: boolean;
}

export interface InspectFlags {
  devAllowUnsigned?: boolean;
}

export interface KeygenFlags {
  kid?: string;
  type: string;
}

export interface ExportFlags {
  to: string;
  limit: number;
  users?: string;
  itemsRelated?: boolean;
  filter?: string;
  excludeSeen?: boolean;
  includeSeen?: boolean;
  /** Every `--metadata-field` occurrence (each may be a comma-separated list). */
  metadataField?: string[];
  table?: string;
  format?: string;
  threads?: number;
  devAllowUnsigned?: boolean;
  envVar?: string[];
}
