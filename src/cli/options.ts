/**
 * What each command body receives after the argument parser and the gating steps have
 * run: flags are validated, the environment gates passed, and the failure lines already printed.
 */
import type { KeyRing, ServeConfig } from '../config/index.js';
import type { SourceRegistry } from '../data/sources/registry.js';
import type { Recipe } from '../recipe/index.js';

/** `recotem train` after its gating checks (src/cli/prepare/train.ts). */
export interface TrainCommandOptions {
  /** The RECIPE argument as given (it exists). */
  recipePath: string;
  /** The recipe, loaded with `envVars` (step 6). */
  recipe: Recipe;
  /** The source plugins the recipe was validated against; `createSource(recipe.source)` builds its source. */
  registry: SourceRegistry;
  /** `--env-var KEY=VALUE` entries, later duplicates winning. Not exported to the environment. */
  envVars: Record<string, string>;
  /** `--run-id`, or 12 random lower-case hex chars. Matches [A-Za-z0-9_.-]{1,64}. */
  runId: string;
  /** False with `--no-lock`. */
  lock: boolean;
  failOnBusy: boolean;
  /** 0 = one non-blocking attempt, -1 = wait indefinitely, > 0 = poll until the deadline. */
  lockTimeoutSeconds: number;
  quiet: boolean;
  verbose: boolean;
  /** Gated: the companion flag was given and RECOTEM_ENV=development. */
  devAllowUnsigned: boolean;
  /** `--report FILE`: a self-contained HTML report of the run is written there. */
  reportPath?: string;
  env: NodeJS.ProcessEnv;
}

/** `recotem serve` after its gating checks (posture already logged). */
export interface ServeCommandOptions {
  /** Absolute path of the recipes directory (it exists and is a directory). */
  recipesDir: string;
  /**
   * The environment configuration with the CLI overrides applied: `host` is the effective bind
   * host (after forced loopback), `port` the flag or env value, and `apiKeys` is empty when
   * `--insecure-no-auth` is active.
   */
  config: ServeConfig;
  /** The host asked for by `--host` or RECOTEM_HOST, before forced loopback. */
  requestedHost: string;
  authEnabled: boolean;
  insecureNoAuth: boolean;
  /** Gated: the companion flag was given and RECOTEM_ENV=development. */
  devAllowUnsigned: boolean;
  /** The ring artifacts are verified with (the dev ring in dev mode without configured keys). */
  keyRing: KeyRing;
  signingKeyStatus: 'configured' | 'dev_allow_unsigned';
  env: NodeJS.ProcessEnv;
}

/** `recotem inspect` after its gating checks. */
export interface InspectCommandOptions {
  /** The ARTIFACT argument, raw (a collapsed `scheme:/x` is repaired by the body). */
  artifact: string;
  /** Gated: RECOTEM_ENV=development. */
  devAllowUnsigned: boolean;
  maxArtifactBytes: number;
  maxPayloadBytes: number;
  env: NodeJS.ProcessEnv;
}

/** `recotem validate`. */
export interface ValidateCommandOptions {
  recipePath: string;
  env: NodeJS.ProcessEnv;
}

export type KeygenType = 'signing' | 'api';

/** `recotem keygen` after the `--type` check. */
export interface KeygenCommandOptions {
  kid?: string;
  type: KeygenType;
}

/** `recotem export` after its checks: flags parsed, key ring resolved, recipe loaded. */
export interface ExportCommandOptions {
  /** What the export's body needs (see src/export). */
  request: import('../export/index.js').ExportRequest;
}
