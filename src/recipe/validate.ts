/**
 * Steps 6–10 of recipe loading on an already expanded document: name, path policy,
 * source typing, whole-recipe validation and the sha256 pin rule. Also used directly for recipes
 * built in code.
 */
import { z } from 'zod';
import { errorClassName, errorMessage, RecipeError, type RecipeErrorCategory } from '../errors/index.js';
import { getLogger } from '../log/index.js';
import { resolveAlgorithmName } from './algorithms.js';
import { FIELD_REQUIRED } from './coerce.js';
import { type RecipeIssue, toRecipeIssues } from './issues.js';
import { checkInputPath, checkOutputPath, networkScheme } from './paths.js';
import { buildRecipeSchema, NAME_PATTERN } from './schema.js';
import { dottedPath, pyList } from './text.js';
import type { Recipe, SourceConfig, SourceTypeLookup } from './types.js';
import type { DocumentPath, Locator, SourcePosition } from './yaml.js';

const log = getLogger('recotem.recipe');

export interface ValidationContext {
  /** How the recipe is named in messages (its path, or a label for in-memory recipes). */
  readonly file: string;
  readonly locate: Locator;
  readonly registry: SourceTypeLookup;
}

export function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (typeof value !== 'object' || value === null) return false;
  const proto = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

/** Python truthiness, which the original's "missing" checks use. */
export function isFalsy(value: unknown): boolean {
  if (value === undefined || value === null || value === false || value === 0 || value === '') return true;
  if (Array.isArray(value)) return value.length === 0;
  if (isPlainObject(value)) return Object.keys(value).length === 0;
  return false;
}

function where(pos: SourcePosition | undefined): string {
  return pos ? `line ${pos.line}, column ${pos.column}` : '';
}

/** A single-message recipe error, located in the file when the document has the field. */
export function locatedError(
  ctx: Pick<ValidationContext, 'file' | 'locate'>,
  message: string,
  category: RecipeErrorCategory,
  path?: DocumentPath,
  opts: { atKey?: boolean; cause?: unknown } = {},
): RecipeError {
  const pos = path ? ctx.locate(path, opts.atKey) : undefined;
  const mentionsFile = message.includes(`'${ctx.file}'`);
  let suffix = '';
  if (pos) suffix = mentionsFile ? ` (at ${where(pos)})` : ` (in '${ctx.file}' at ${where(pos)})`;
  else if (!mentionsFile) suffix = ` (in '${ctx.file}')`;
  return new RecipeError(`${message}${suffix}`, {
    category,
    file: ctx.file,
    line: pos?.line,
    column: pos?.column,
    cause: opts.cause,
  });
}

/** `header` + one `  - loc: message (line L, column C)` line per issue. */
export function issuesError(
  ctx: Pick<ValidationContext, 'file' | 'locate'>,
  header: string,
  issues: readonly RecipeIssue[],
): RecipeError {
  let first: SourcePosition | undefined;
  const lines = issues.map((issue) => {
    const pos = issue.path.length > 0 ? ctx.locate(issue.path, issue.atKey) : undefined;
    first ??= pos;
    const loc = issue.path.length > 0 ? `${dottedPath(issue.path)}: ` : '';
    return `  - ${loc}${issue.message}${pos ? ` (${where(pos)})` : ''}`;
  });
  return new RecipeError([header, ...lines].join('\n'), {
    category: 'unknown',
    file: ctx.file,
    line: first?.line,
    column: first?.column,
  });
}

/** Name shown in messages: long values are cut so that a message stays a message. */
function shown(value: unknown): string {
  const text = String(value);
  return text.length > 80 ? `${text.slice(0, 77)}...` : text;
}

function knownTypesText(registry: SourceTypeLookup): string {
  return pyList([...registry.knownTypes()].sort());
}

/**
 * The `source` slot of the recipe model: a mapping whose `type` is registered. If the registry
 * cannot answer, the check is skipped with a warning rather than failing every recipe.
 */
function sourceSlot(registry: SourceTypeLookup) {
  return z.any().transform((value: unknown, ctx): SourceConfig => {
    if (value === undefined) {
      ctx.issues.push({ code: 'custom', message: FIELD_REQUIRED, input: value });
      return z.NEVER;
    }
    let known: string;
    let registered: boolean;
    try {
      known = knownTypesText(registry);
      const type = isPlainObject(value) ? value.type : undefined;
      registered = typeof type === 'string' && registry.get(type) !== undefined;
    } catch (err) {
      log.warn('source_registry_unavailable_during_validation', {
        error_class: errorClassName(err),
        error: errorMessage(err),
      });
      return value as SourceConfig;
    }
    if (!isPlainObject(value)) {
      ctx.issues.push({
        code: 'custom',
        message: `Input should be a source mapping with a registered 'type'; known types: ${known}`,
        input: value,
      });
      return z.NEVER;
    }
    if (!registered) {
      ctx.issues.push({
        code: 'custom',
        path: ['type'],
        message: `Input should be a registered DataSource type; known types: ${known}`,
        input: value.type,
      });
      return z.NEVER;
    }
    return value as SourceConfig;
  });
}

/** Step 6: the name, which may itself come from an env var. */
function checkName(data: Record<string, unknown>, ctx: ValidationContext): void {
  const name = data.name;
  if (isFalsy(name)) {
    throw locatedError(ctx, `Recipe '${ctx.file}' is missing the required 'name' field.`, 'schema', ['name']);
  }
  if (!NAME_PATTERN.test(String(name))) {
    throw locatedError(ctx, `Recipe name '${shown(name)}' must match ${NAME_PATTERN.source}.`, 'schema', ['name']);
  }
}

/** Step 7: path policy on the raw expanded mappings, only where the path is a string. */
function checkPaths(data: Record<string, unknown>, ctx: ValidationContext): void {
  const fail =
    (path: DocumentPath) =>
    (message: string): never => {
      throw locatedError(ctx, message, 'security', path);
    };
  const { output, source, item_metadata: meta } = data;
  if (isPlainObject(output) && typeof output.path === 'string') {
    checkOutputPath(output.path, fail(['output', 'path']));
  }
  if (isPlainObject(source) && typeof source.path === 'string') {
    checkInputPath('source.path', source.path, fail(['source', 'path']));
  }
  if (isPlainObject(meta) && typeof meta.path === 'string') {
    checkInputPath('item_metadata.path', meta.path, fail(['item_metadata', 'path']));
  }
}

/** Step 8: validate `source` with its plugin's config schema; returns the typed config. */
function typeSource(source: Record<string, unknown>, ctx: ValidationContext): SourceConfig {
  const type = source.type;
  if (isFalsy(type)) {
    throw locatedError(ctx, `Recipe '${ctx.file}' source is missing the 'type' discriminator.`, 'schema', ['source']);
  }
  const info = ctx.registry.get(String(type));
  if (!info) {
    throw locatedError(
      ctx,
      `Recipe '${ctx.file}' source: Unknown DataSource type '${shown(type)}'. Known types: ${knownTypesText(ctx.registry)}.`,
      'schema',
      ['source', 'type'],
    );
  }
  const parsed = info.configSchema.safeParse(source, { reportInput: true });
  if (!parsed.success) {
    throw issuesError(
      ctx,
      `Recipe '${ctx.file}' source failed validation:`,
      toRecipeIssues(parsed.error.issues, ['source']),
    );
  }
  const typed = parsed.data;
  if (!isPlainObject(typed) && (typeof typed !== 'object' || typed === null)) {
    throw locatedError(
      ctx,
      `Recipe '${ctx.file}' source config of type '${shown(type)}' is not a mapping.`,
      'unknown',
      ['source'],
    );
  }
  // Plugins with lenient schemas may drop `type`; the typed config always carries it.
  return { ...(typed as Record<string, unknown>), type: String(type) } as SourceConfig;
}

/** Step 10: http(s) paths need a sha256 pin (any source config exposing `path` and `sha256`). */
function checkPins(recipe: Recipe, ctx: ValidationContext): void {
  const source = recipe.source as Record<string, unknown>;
  if (typeof source.path === 'string' && 'sha256' in source && !source.sha256) {
    const scheme = networkScheme(source.path);
    if (scheme) {
      throw locatedError(
        ctx,
        `'source.path' uses a network scheme (${scheme}://) and requires a 'sha256' integrity pin. ` +
          `Add 'sha256: <64 lower-case hex digits>' to the source block so the download is verified.`,
        'security',
        ['source', 'path'],
      );
    }
  }
  const meta = recipe.item_metadata;
  if (meta && !meta.sha256) {
    const scheme = networkScheme(meta.path);
    if (scheme) {
      throw locatedError(
        ctx,
        `'item_metadata.path' uses a network scheme (${scheme}://) and requires a 'sha256' integrity pin. ` +
          `Add 'sha256: <64 lower-case hex digits>' to the item_metadata block so the download is verified.`,
        'security',
        ['item_metadata', 'path'],
      );
    }
  }
}

function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const child of Object.values(value)) deepFreeze(child);
  }
  return value;
}

/** Aliases that resolved to a class already listed (they are dropped, the first spelling wins). */
export function duplicateAlgorithms(raw: unknown): string[] {
  if (!Array.isArray(raw)) return [];
  const seen = new Set<string>();
  const duplicates: string[] = [];
  for (const entry of raw) {
    if (typeof entry !== 'string') continue;
    const resolved = resolveAlgorithmName(entry);
    if (resolved === undefined) continue;
    if (seen.has(resolved)) duplicates.push(entry);
    seen.add(resolved);
  }
  return duplicates;
}

type RecipeSchema = ReturnType<typeof buildRecipeSchema<z.ZodType<SourceConfig>>>;
type ParsedRecipe = z.output<RecipeSchema>;
/** Compile-time proof that what the schema produces is what the `Recipe` type promises. */
export const asRecipe = (parsed: ParsedRecipe): Recipe => parsed;

/** Building the zod schema costs more than validating with it: keep one per registry. */
const schemaByRegistry = new WeakMap<SourceTypeLookup, RecipeSchema>();

function recipeSchemaFor(registry: SourceTypeLookup): RecipeSchema {
  let schema = schemaByRegistry.get(registry);
  if (!schema) {
    schema = buildRecipeSchema(sourceSlot(registry));
    schemaByRegistry.set(registry, schema);
  }
  return schema;
}

/** Steps 6–10 on an expanded document; returns the frozen recipe. */
export function validateExpandedRecipe(data: Record<string, unknown>, ctx: ValidationContext): Recipe {
  checkName(data, ctx);
  checkPaths(data, ctx);
  const document: Record<string, unknown> = { ...data };
  if (isPlainObject(data.source)) document.source = typeSource(data.source, ctx);
  const parsed = recipeSchemaFor(ctx.registry).safeParse(document, { reportInput: true });
  if (!parsed.success) {
    throw issuesError(ctx, `Recipe '${ctx.file}' failed validation:`, toRecipeIssues(parsed.error.issues));
  }
  const recipe = asRecipe(parsed.data);
  checkPins(recipe, ctx);
  const training = isPlainObject(data.training) ? data.training : {};
  const duplicates = duplicateAlgorithms(training.algorithms);
  if (duplicates.length > 0) {
    log.warn('recipe_algorithms_deduplicated', { name: recipe.name, path: ctx.file, dropped: duplicates });
  }
  return deepFreeze(recipe);
}

/**
 * Validates a recipe built in code (not read from YAML): the same rules as loading, without
 * env-var expansion or artifact-root containment.
 */
export function validateRecipeData(data: unknown, opts: { registry: SourceTypeLookup; label?: string }): Recipe {
  const ctx: ValidationContext = { file: opts.label ?? '<recipe>', locate: () => undefined, registry: opts.registry };
  if (!isPlainObject(data)) {
    throw new RecipeError(`Recipe '${ctx.file}' must be a YAML mapping at the top level.`, { category: 'parse' });
  }
  return validateExpandedRecipe(data, ctx);
}
