/**
 * `recotem export`: checks before any model is read. Order: logging, the dev-flag gate, flag
 * values (exit 8), the serve configuration (caps, metadata deny-list; exit 8), the signing key
 * ring (missing → 8, malformed → its own class), then the recipe when the input is one (exit 2).
 */
import { devAllowUnsignedRefusal, loadServeConfig, resolveServeKeyRing } from '../../config/index.js';
import { ConfigError, ExitCode } from '../../errors/index.js';
import type { FilterSpec } from '../../serve/scoring/filters.js';
import { FailurePrefix, reportFailure } from '../exit.js';
import type { ExportFlags } from '../flags.js';
import type { CliIo } from '../io.js';
import { configureCliLogging } from '../logging.js';
import type { ExportCommandOptions } from '../options.js';
import { loadRecipeForCli } from '../recipe.js';
import { parseEnvVarEntries } from './train.js';

const MAX_LIMIT = 1000;
const FORMATS = ['csv', 'csv.gz', 'parquet'] as const;
const CONDITION_KEYS = new Set(['eq', 'in', 'nin', 'gte', 'lte']);

export function isRecipePath(input: string): boolean {
  return /\.ya?ml$/i.test(input);
}

/** `--filter` JSON: an object of field → condition (`eq`, `in`, `nin`, `gte`, `lte`). */
export function parseFilterFlag(raw: string): FilterSpec {
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw);
  } catch (err) {
    throw new ConfigError(`--filter is not valid JSON: ${(err as Error).message}`);
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) {
    throw new ConfigError('--filter must be a JSON object of field → condition');
  }
  const scalar = (v: unknown) => typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean';
  for (const [field, cond] of Object.entries(parsed)) {
    if (cond === null || typeof cond !== 'object' || Array.isArray(cond) || Object.keys(cond).length === 0) {
      throw new ConfigError(`--filter.${field} must be an object with at least one of eq, in, nin, gte, lte`);
    }
    for (const [op, v] of Object.entries(cond)) {
      const ok = !CONDITION_KEYS.has(op)
        ? false
        : op === 'in' || op === 'nin'
          ? Array.isArray(v) && v.length > 0 && v.every(scalar)
          : op === 'eq'
            ? scalar(v)
            : typeof v === 'string' || typeof v === 'number';
      if (!ok) throw new ConfigError(`--filter.${field}.${op} is not a valid condition`);
    }
  }
  return parsed as FilterSpec;
}

function splitFields(entries: readonly string[] | undefined): string[] {
  const out: string[] = [];
  for (const entry of entries ?? []) for (const f of entry.split(',')) if (f.trim() !== '') out.push(f.trim());
  return [...new Set(out)];
}

export async function prepareExport(
  input: string,
  flags: ExportFlags,
  io: CliIo,
): Promise<ExportCommandOptions | number> {
  configureCliLogging(io);
  const devAllowUnsigned = flags.devAllowUnsigned === true;
  if (devAllowUnsigned) {
    const refusal = devAllowUnsignedRefusal(io.env);
    if (refusal) {
      io.stderr(refusal);
      return ExitCode.CONFIG;
    }
  }
  const envVars = parseEnvVarEntries(flags.envVar ?? []);
  if (!envVars.ok) {
    io.stderr(`--env-var '${envVars.entry}' must be in KEY=VALUE format.`);
    return ExitCode.RECIPE;
  }
  let filter: FilterSpec | null = null;
  let config: ReturnType<typeof loadServeConfig>;
  try {
    if (!(flags.limit >= 1 && flags.limit <= MAX_LIMIT)) {
      throw new ConfigError(`--limit must be between 1 and ${MAX_LIMIT}; got ${flags.limit}`);
    }
    if (flags.includeSeen === true && flags.excludeSeen === true) {
      throw new ConfigError('--include-seen and --exclude-seen cannot be combined');
    }
    if (flags.format !== undefined && !(FORMATS as readonly string[]).includes(flags.format)) {
      throw new ConfigError(`--format must be one of ${FORMATS.join(', ')}; got '${flags.format}'`);
    }
    if (flags.threads !== undefined && !(flags.threads >= 1 && flags.threads <= 64)) {
      throw new ConfigError(`--threads must be between 1 and 64; got ${flags.threads}`);
    }
    if (flags.filter !== undefined) filter = parseFilterFlag(flags.filter);
    config = loadServeConfig(io.env);
  } catch (err) {
    return reportFailure(io, FailurePrefix.CONFIG, err);
  }
  const keyRing = resolveServeKeyRing({ devAllowUnsigned, env: io.env });
  if (keyRing.ring === null) {
    const err = keyRing.error ?? new ConfigError('signing key ring unavailable');
    return reportFailure(io, err instanceof ConfigError ? FailurePrefix.CONFIG : FailurePrefix.EXPORT, err);
  }
  let recipe = null;
  if (isRecipePath(input)) {
    try {
      recipe = (await loadRecipeForCli(input, { envVars: envVars.vars, env: io.env })).recipe;
    } catch (err) {
      return reportFailure(io, FailurePrefix.RECIPE, err);
    }
  }
  return {
    request: {
      source: { recipe, artifact: input.replace(/^([a-z][a-z0-9+.-]+):\/(?=[^/])/, '$1://') },
      limits: {
        keyRing: keyRing.ring,
        artifactCap: config.maxArtifactBytes,
        payloadCap: config.maxPayloadBytes,
        metadataFieldDeny: config.metadataFieldDeny,
      },
      to: flags.to,
      format: (flags.format as (typeof FORMATS)[number] | undefined) ?? null,
      table: flags.table ?? null,
      limit: flags.limit,
      idsFile: flags.users ?? null,
      related: flags.itemsRelated === true,
      filter,
      excludeSeen: flags.includeSeen !== true,
      metadataFields: splitFields(flags.metadataField),
      threads: flags.threads ?? null,
      interactive: Boolean(process.stderr.isTTY) && io.logStream === undefined,
      env: io.env,
    },
  };
}
