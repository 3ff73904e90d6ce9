// biome-ignore-all lint/suspicious/noTemplateCurlyInString: recipes spell env references as ${NAME}
/**
 * Fuzz target: the recipe loader (`loadRecipeText`) on arbitrary text, YAML token soup, mutated
 * recipe text and structurally mutated recipes. Allowed: a recipe, or a RecipeError.
 */
import fc from 'fast-check';
import { stringify } from 'yaml';
import { buildSourceRegistry } from '../../../src/data/sources/registry.js';
import { RecipeError } from '../../../src/errors/index.js';
import { captureLogs } from '../../../src/log/index.js';
import { loadRecipeText } from '../../../src/recipe/index.js';
import { describeError, type FuzzTarget } from './runner.js';

const BASE = {
  name: 'fuzzed',
  source: { type: 'csv', path: './ratings.csv', dtype: { user_id: 'str' } },
  schema: { user_column: 'user_id', item_column: 'item_id', time_column: 'ts', time_unit: 's' },
  cleansing: { min_users: 1, dedup: 'keep_last' },
  training: {
    algorithms: ['IALS', 'TopPop'],
    n_trials: 4,
    metric: 'ndcg',
    cutoff: 10,
    split: { scheme: 'random', heldout_ratio: 0.1, seed: 42 },
  },
  output: { path: './out/model.recotem', versioning: 'append_sha' },
  item_metadata: { type: 'csv', path: './items.csv', item_id_column: 'item_id', fields: ['title'] },
  serving: { unknown_user: 'popular' },
};

const BASE_TEXT = stringify(BASE, { version: '1.1' });

const FIELDS = [
  'name',
  'source',
  'source.type',
  'source.path',
  'source.dtype',
  'source.query',
  'source.sha256',
  'schema.user_column',
  'schema.time_unit',
  'cleansing',
  'cleansing.min_users',
  'training',
  'training.algorithms',
  'training.n_trials',
  'training.split',
  'training.split.heldout_ratio',
  'training.cutoff',
  'output.path',
  'output.versioning',
  'output.promotion_gate',
  'item_metadata.fields',
  'serving',
  'serving.unknown_user',
  '__proto__',
  'constructor.prototype',
];

const TOKENS = [
  'name',
  'source',
  'type',
  'csv',
  'sql',
  'path',
  'output',
  'training',
  'algorithms',
  ':',
  ': ',
  '- ',
  '\n',
  '  ',
  '\t',
  '{',
  '}',
  '[',
  ']',
  ',',
  '&a ',
  '*a',
  '<<: *a',
  '!!str ',
  '!!python/object ',
  '!custom ',
  '|',
  '>',
  '"',
  "'",
  '#',
  '---',
  '...',
  '? ',
  '%YAML 1.1\n',
  '${RECOTEM_RECIPE_X}',
  '${AWS_SECRET}',
  '${',
  '}',
  '~',
  'null',
  'yes',
  '0x1F',
  '1e309',
  '.nan',
  '-.inf',
  '0o17',
  '2024-01-01',
  '\u0000',
  '\ufeff',
  'é',
  '😀',
];

function withField(base: Record<string, unknown>, dotted: string, value: unknown): Record<string, unknown> {
  const copy = structuredClone(base);
  const parts = dotted.split('.');
  let node = copy as Record<string, unknown>;
  for (const part of parts.slice(0, -1)) {
    if (typeof node[part] !== 'object' || node[part] === null) {
      Object.defineProperty(node, part, { value: {}, enumerable: true, writable: true, configurable: true });
    }
    node = node[part] as Record<string, unknown>;
  }
  Object.defineProperty(node, parts[parts.length - 1], { value, enumerable: true, writable: true, configurable: true });
  return copy;
}

const textEdit = fc.record({
  at: fc.nat(),
  remove: fc.nat(6),
  insert: fc.oneof(fc.constantFrom(...TOKENS), fc.string({ maxLength: 4 })),
});

export const recipeTarget: FuzzTarget = {
  name: 'recipe',
  summary: 'loadRecipeText on arbitrary text, YAML token soup, mutated and restructured recipes',
  async setup() {
    const registry = await buildSourceRegistry({ nodeModulesDirs: [], env: {} });
    const env = { RECOTEM_RECIPE_X: 'x-value', RECOTEM_RECIPE_EMPTY: '' };
    const logs = captureLogs();
    const arbitrary: fc.Arbitrary<string> = fc.oneof(
      fc.string({ unit: 'grapheme', maxLength: 200 }),
      fc.string({ unit: 'binary', maxLength: 200 }),
      fc.array(fc.constantFrom(...TOKENS), { maxLength: 80 }).map((t) => t.join('')),
      fc.array(textEdit, { minLength: 1, maxLength: 6 }).map((edits) => {
        let text = BASE_TEXT;
        for (const e of edits) {
          const at = e.at % (text.length + 1);
          text = text.slice(0, at) + e.insert + text.slice(at + e.remove);
        }
        return text;
      }),
      fc
        .array(
          fc.tuple(fc.constantFrom(...FIELDS), fc.oneof(fc.jsonValue({ maxDepth: 3 }), fc.constantFrom(...TOKENS))),
          {
            minLength: 1,
            maxLength: 4,
          },
        )
        .map((changes) => {
          let data: Record<string, unknown> = BASE;
          for (const [field, value] of changes) data = withField(data, field, value);
          return stringify(data, { version: '1.1' });
        }),
    );
    return {
      arbitrary,
      check(text: string) {
        logs.clear();
        try {
          loadRecipeText(text, 'fuzz.yaml', { registry, env });
          return { label: 'ok' };
        } catch (err) {
          if (err instanceof RecipeError) return { label: `error:${err.category}` };
          throw new Error(`loadRecipeText threw outside the specification: ${describeError(err)}`);
        }
      },
      describe: (text: string) => JSON.stringify(text.slice(0, 1500)),
      teardown() {
        logs.stop();
      },
    };
  },
};
