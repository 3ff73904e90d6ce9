// biome-ignore-all lint/suspicious/noTemplateCurlyInString: recipes spell env references as ${NAME}
import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { canonicalJson, IntegralFloat, recipeHash } from '../../src/recipe/index.js';
import { baseRecipe, load, toYaml, withField } from './helpers.js';

describe('canonical JSON', () => {
  it('sorts keys at every level and writes no whitespace', () => {
    expect(canonicalJson({ b: 1, a: { d: [3, { z: null, y: true }], c: 'x' } })).toBe(
      '{"a":{"c":"x","d":[3,{"y":true,"z":null}]},"b":1}',
    );
  });

  it('escapes everything outside printable ASCII as Python ensure_ascii does', () => {
    expect(canonicalJson('é"\\\n\t\u007f😀')).toBe('"\\u00e9\\"\\\\\\n\\t\\u007f\\ud83d\\ude00"');
    expect(canonicalJson({ ü: 1 })).toBe('{"\\u00fc":1}');
  });

  it('renders values JSON cannot hold through their string form', () => {
    expect(canonicalJson(new IntegralFloat(5))).toBe('5.0');
    expect(canonicalJson(new Date(Date.UTC(2026, 3, 1)))).toBe('"2026-04-01T00:00:00.000Z"');
    expect(canonicalJson([Number.NaN, Number.POSITIVE_INFINITY, 10n])).toBe('[NaN,Infinity,10]');
  });
});

describe('recipeHash', () => {
  it('is the sha256 of the canonical rendering with the columns keyed schema_', async () => {
    const recipe = await load(toYaml(baseRecipe()));
    // A recipe without events leaves the section out, so older recipes keep their hash.
    const { schema, events, ...rest } = recipe;
    expect(events).toBeNull();
    const expected = createHash('sha256')
      .update(canonicalJson({ ...rest, schema_: schema }))
      .digest('hex');
    expect(recipeHash(recipe)).toBe(expected);
    expect(recipeHash(recipe)).toMatch(/^[0-9a-f]{64}$/);
    const withEvents = await load(toYaml({ ...baseRecipe(), events: {} }));
    expect(recipeHash(withEvents)).not.toBe(expected);
  });

  it('depends on configuration only: key order, defaults spelled out and env values', async () => {
    const a = await load(toYaml(baseRecipe()));
    const reordered = Object.fromEntries(Object.entries(baseRecipe()).reverse());
    const b = await load(toYaml(reordered));
    const explicit = await load(
      toYaml(withField(withField(baseRecipe(), 'training.n_trials', 40), 'cleansing', { dedup: 'keep_last' })),
    );
    const fromEnv = await load(toYaml(withField(baseRecipe(), 'name', '${RECOTEM_RECIPE_NAME}')), {
      env: { RECOTEM_RECIPE_NAME: 'movies' },
    });
    expect(recipeHash(b)).toBe(recipeHash(a));
    expect(recipeHash(explicit)).toBe(recipeHash(a));
    expect(recipeHash(fromEnv)).toBe(recipeHash(a));
    const changed = await load(toYaml(withField(baseRecipe(), 'training.n_trials', 41)));
    expect(recipeHash(changed)).not.toBe(recipeHash(a));
  });
});
