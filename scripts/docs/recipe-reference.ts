/**
 * Renders docs/reference/recipe.md from the recipe JSON Schema (the one `recotem schema` prints).
 * Every section and field comes from the schema; only the one-line descriptions come from
 * ./recipe-fields.ts, and a field without a description (or a description without a field) is an
 * error, so the reference always lists exactly the fields the loader accepts.
 */
import { ALGORITHM_ALIASES, ALGORITHM_NAME_SOURCE, CANONICAL_ALGORITHMS } from '../../src/recipe/index.js';
import { INPUT_SCHEMES, OUTPUT_SCHEMES } from '../../src/recipe/paths.js';
import { FIELD_DESCRIPTIONS, SECTION_INTROS } from './recipe-fields.js';
import { type Json, renderDefault, type SummaryOptions, summarise } from './schema-summary.js';

const BUILTIN_SOURCES = ['csv', 'parquet', 'bigquery', 'sql'] as const;

function escapeCell(text: string): string {
  return text.replace(/\n/g, ' ');
}

function algorithmsSection(): string[] {
  const lines = [
    '## Algorithms',
    '',
    'Names accepted in `training.algorithms` and as `training.per_algorithm_trials` keys, in any letter',
    'case; the class name without its `Recommender` suffix works too.',
    '',
    '| Class | Aliases |',
    '|---|---|',
  ];
  for (const canonical of CANONICAL_ALGORITHMS) {
    const aliases = Object.entries(ALGORITHM_ALIASES)
      .filter(([, target]) => target === canonical)
      .map(([alias]) => `\`${alias}\``);
    lines.push(`| \`${canonical}\` | ${aliases.join(', ')} |`);
  }
  return [...lines, ''];
}

const SUMMARY_OPTIONS: SummaryOptions = {
  namedPatterns: new Map([
    [ALGORITHM_NAME_SOURCE, 'an [algorithm name](#algorithms)'],
    ['^[0-9a-f]{64}$', '64 lower-case hex characters'],
    ['\\S', 'not blank'],
  ]),
  pathText: 'path rules, see [Paths](#paths)',
};

interface Collected {
  used: Set<string>;
  sections: Set<string>;
  missing: string[];
}

function describe(key: string, collected: Collected): string {
  collected.used.add(key);
  const text = FIELD_DESCRIPTIONS[key];
  if (text === undefined) {
    collected.missing.push(key);
    return '';
  }
  return text;
}

/** One table for an object schema; nested object fields are queued as their own sections. */
function renderObject(
  title: string,
  intro: string,
  keyPrefix: string,
  object: Json,
  collected: Collected,
  nested: Array<{ path: string; object: Json }>,
  pathPrefix: string,
): string[] {
  const properties = (object.properties ?? {}) as Record<string, Json>;
  const required = new Set((object.required as string[] | undefined) ?? []);
  const lines = [
    title,
    '',
    ...(intro ? [intro, ''] : []),
    '| Field | Type | Required | Default | Allowed values | Description |',
    '|---|---|---|---|---|---|',
  ];
  for (const [name, schema] of Object.entries(properties)) {
    const summary = summarise(schema, SUMMARY_OPTIONS);
    const fieldPath = pathPrefix === '' ? name : `${pathPrefix}.${name}`;
    let type = summary.type;
    if (fieldPath === 'source') type = 'mapping, see [Sources](#sources)';
    else if (summary.object !== null) {
      nested.push({ path: fieldPath, object: summary.object });
      type = `section, see [\`${fieldPath}\`](#${anchor(fieldPath)})`;
    }
    if (summary.nullable) type += ' (nullable)';
    const isRequired = required.has(name);
    const description = describe(keyPrefix === '' ? name : `${keyPrefix}.${name}`, collected);
    lines.push(
      `| \`${name}\` | ${escapeCell(type)} | ${isRequired ? 'yes' : 'no'} | ${renderDefault(schema, isRequired)} | ${escapeCell(summary.constraint) || '—'} | ${escapeCell(description)} |`,
    );
  }
  lines.push('');
  return lines;
}

function anchor(path: string): string {
  return path.toLowerCase().replace(/[^a-z0-9_ -]/g, '');
}

function sectionsFrom(root: Json, collected: Collected): string[] {
  const out: string[] = [];
  // Depth first, so that a nested section follows the section that holds it.
  const visit = (title: string, path: string, object: Json) => {
    const intro = SECTION_INTROS[path];
    collected.sections.add(path);
    if (intro === undefined) collected.missing.push(`section intro ${path}`);
    const nested: Array<{ path: string; object: Json }> = [];
    out.push(...renderObject(title, intro ?? '', path, object, collected, nested, path));
    for (const n of nested) visit(`## \`${n.path}\``, n.path, n.object);
  };
  visit('## Top level', '', root);
  return out;
}

function sourcesFrom(defs: Record<string, Json>, collected: Collected, defName: (t: string) => string): string[] {
  const out = [
    '## Sources',
    '',
    '`source.type` selects one of the built-in sources below, or a plugin source (see',
    '[plugins.md](../plugins.md)); `recotem schema` prints the schema including installed plugins.',
    '',
  ];
  for (const type of BUILTIN_SOURCES) {
    const def = defs[defName(type)];
    if (def === undefined) throw new Error(`the recipe schema has no definition for the built-in source '${type}'`);
    const queue: Array<{ path: string; object: Json }> = [];
    out.push(...renderObject(`### \`type: ${type}\``, '', `source.${type}`, def, collected, queue, `source`));
    if (queue.length > 0) throw new Error(`source '${type}' has nested sections; the reference cannot show them`);
  }
  return out;
}

function pathsSection(): string[] {
  const list = (schemes: readonly string[]) =>
    schemes.map((s) => (s === '' ? 'plain paths' : `\`${s}://\``)).join(', ');
  return [
    '## Paths',
    '',
    `- Input paths (\`source.path\`, \`item_metadata.path\`): ${list(INPUT_SCHEMES)}.`,
    `- \`output.path\`: ${list(OUTPUT_SCHEMES)}; a \`file://\` URI must have no host or \`localhost\`.`,
    '- Any path containing `::` and any URI with credentials before `@` (for `http(s)`, `s3`, `abfs(s)`)',
    '  is refused: object stores authenticate from the environment.',
    '- `http(s)` inputs need a `sha256` pin.',
    '- With `RECOTEM_ARTIFACT_ROOT` set, a local `output.path` must lie inside it and its directory must exist.',
    '',
  ];
}

const PREAMBLE = [
  '<!-- Generated by `npm run docs:gen` from the recipe JSON Schema. Do not edit by hand. -->',
  '',
  '# Recipe reference',
  '',
  'A recipe is one YAML document that describes one model. `recotem validate RECIPE` checks a recipe',
  'and probes its source; `recotem schema` prints the JSON Schema this page is generated from',
  '([recipe.schema.json](recipe.schema.json), built-in sources only).',
  '',
  'Conventions:',
  '',
  '- Unknown keys are errors in every section and in every built-in source.',
  // biome-ignore lint/suspicious/noTemplateCurlyInString: the recipe's own ${...} syntax, shown literally
  '- `${RECOTEM_RECIPE_*}` references in string values are replaced from `--env-var KEY=VALUE` and then',
  '  the environment. Only names starting with `RECOTEM_RECIPE_` are allowed, and names containing',
  '  `KEY`, `SECRET`, `TOKEN`, `PASSWORD`, `AUTH`, `CRED`, `PRIVATE` (and a few more) are refused.',
  '  Values under `query` and `query_parameters` are never expanded.',
  '- Integers and numbers also accept numeric strings (`"40"`, `40.0`), and booleans accept',
  '  `yes`/`no`/`on`/`off`/`1`/`0`, so expanded values work in numeric fields.',
  '- YAML 1.1 rules apply: unquoted `yes`/`no` are booleans and an unquoted `2026-04-01` is a date, not a',
  '  string. Quote such values in string fields.',
  '',
  'Rules that involve more than one field:',
  '',
  '- `training.split.scheme` `time_user` or `time_global` needs `schema.time_column`.',
  '- Every key of `training.per_algorithm_trials` must name an algorithm listed in `training.algorithms`.',
  '- Every entry of `item_metadata.filterable` must be listed in `item_metadata.fields`.',
  '',
];

/** The Markdown text of docs/reference/recipe.md. */
export function renderRecipeReference(schema: Json, defName: (type: string) => string): string {
  const collected: Collected = { used: new Set(), sections: new Set(['']), missing: [] };
  const defs = (schema.$defs ?? {}) as Record<string, Json>;
  const lines = [...PREAMBLE, ...sectionsFrom(schema, collected), ...sourcesFrom(defs, collected, defName)];
  lines.push(...algorithmsSection(), ...pathsSection());
  const stale = Object.keys(FIELD_DESCRIPTIONS).filter((key) => !collected.used.has(key));
  for (const path of Object.keys(SECTION_INTROS)) {
    if (!collected.sections.has(path)) stale.push(`section intro ${path}`);
  }
  const problems = [
    ...collected.missing.map((k) => `no description for ${k}`),
    ...stale.map((k) => `description for ${k}, which the schema does not have`),
  ];
  if (problems.length > 0) {
    throw new Error(`scripts/docs/recipe-fields.ts is out of date:\n  ${problems.join('\n  ')}`);
  }
  return `${lines
    .join('\n')
    .replace(/\n{3,}/g, '\n\n')
    .trimEnd()}\n`;
}
