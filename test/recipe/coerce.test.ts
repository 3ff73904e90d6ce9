// biome-ignore-all lint/suspicious/noTemplateCurlyInString: recipes spell env references as ${NAME}
import { describe, expect, it } from 'vitest';
import { RecipeError } from '../../src/errors/index.js';
import {
  integerRangeAlternatives,
  integerStringPattern,
  unitIntervalDecimalPattern,
} from '../../src/recipe/patterns.js';
import { baseRecipe, load, toYaml, withField } from './helpers.js';

/** Loads the base recipe with `field` set to the raw YAML scalar text `yamlValue`. */
async function loadWith(field: string, yamlValue: string, env: Record<string, string> = {}) {
  const marker = '__VALUE__';
  const text = toYaml(withField(baseRecipe(), field, marker)).replace(marker, yamlValue);
  return load(text, { env });
}

async function rejection(field: string, yamlValue: string): Promise<string> {
  try {
    await loadWith(field, yamlValue);
  } catch (err) {
    if (err instanceof RecipeError) return err.message;
    throw err;
  }
  throw new Error(`${field}: ${yamlValue} was accepted`);
}

describe('lax scalar coercion', () => {
  it('int: integers, integral floats and base-10 integer strings', async () => {
    const cases: [string, number][] = [
      ['40', 40],
      ['40.0', 40],
      ['"40"', 40],
      ['" 40 "', 40],
      ['"+40"', 40],
      ['"040"', 40],
      ['"40.0"', 40],
    ];
    for (const [yaml, expected] of cases)
      expect((await loadWith('training.n_trials', yaml)).training.n_trials).toBe(expected);
    expect((await loadWith('training.split.seed', '"-7"')).training.split.seed).toBe(-7);
  });

  it('int: rejects fractions, non-numeric strings and booleans', async () => {
    expect(await rejection('training.n_trials', '40.5')).toContain(
      'training.n_trials: Input should be a valid integer, got a number with a fractional part',
    );
    for (const bad of ['"40.5"', '"abc"', '"4 0"', '"1e3"', '""']) {
      expect(await rejection('training.n_trials', bad)).toContain(
        'training.n_trials: Input should be a valid integer, unable to parse string as an integer',
      );
    }
    for (const bad of ['true', '[1]', '{a: 1}', '2026-04-01']) {
      expect(await rejection('training.n_trials', bad)).toContain('training.n_trials: Input should be a valid integer');
    }
  });

  it('int | None: null or an int', async () => {
    expect((await loadWith('training.timeout_seconds', 'null')).training.timeout_seconds).toBeNull();
    expect((await loadWith('training.timeout_seconds', '~')).training.timeout_seconds).toBeNull();
    expect((await loadWith('training.timeout_seconds', '"60"')).training.timeout_seconds).toBe(60);
  });

  it('float: numbers and numeric strings', async () => {
    const cases: [string, number][] = [
      ['0.2', 0.2],
      ['"0.2"', 0.2],
      ['"2e-1"', 0.2],
      ['"1e-3"', 0.001],
      ['".5"', 0.5],
      ['" 0.25 "', 0.25],
    ];
    for (const [yaml, expected] of cases) {
      expect((await loadWith('training.split.heldout_ratio', yaml)).training.split.heldout_ratio).toBeCloseTo(
        expected,
        12,
      );
    }
    expect((await loadWith('training.split.test_user_ratio', '1')).training.split.test_user_ratio).toBe(1);
    for (const bad of ['"abc"', '"0.1.2"', '"nan"']) {
      expect(await rejection('training.split.heldout_ratio', bad)).toContain(
        'training.split.heldout_ratio: Input should be a valid number, unable to parse string as a number',
      );
    }
    expect(await rejection('training.split.heldout_ratio', 'true')).toContain('Input should be a valid number');
  });

  it('bool: true/false, 0/1 and the listed words in any case', async () => {
    const truthy = ['true', '1', '"true"', '"TRUE"', '"yes"', '"Yes"', '"on"', '"1"', '"t"', '"Y"', 'yes', 'on'];
    const falsy = ['false', '0', '"false"', '"No"', '"off"', '"0"', '"f"', '"n"', '"N"', 'no', 'off'];
    for (const yaml of truthy)
      expect((await loadWith('cleansing.drop_null_ids', yaml)).cleansing.drop_null_ids).toBe(true);
    for (const yaml of falsy)
      expect((await loadWith('cleansing.drop_null_ids', yaml)).cleansing.drop_null_ids).toBe(false);
    for (const bad of ['"maybe"', '" true"', '"tru"']) {
      expect(await rejection('cleansing.drop_null_ids', bad)).toContain(
        'cleansing.drop_null_ids: Input should be a valid boolean, unable to interpret input',
      );
    }
    for (const bad of ['2', '0.5', '[true]']) {
      expect(await rejection('cleansing.drop_null_ids', bad)).toContain(
        'cleansing.drop_null_ids: Input should be a valid boolean',
      );
    }
  });

  it('string: only strings', async () => {
    expect((await loadWith('schema.user_column', '"123"')).schema.user_column).toBe('123');
    for (const bad of ['123', '1.5', 'true', 'null', '2026-04-01', '[a]']) {
      expect(await rejection('schema.user_column', bad)).toContain(
        'schema.user_column: Input should be a valid string',
      );
    }
  });

  it('expanded env values coerce like the strings they are', async () => {
    const recipe = await loadWith('training.n_trials', '${RECOTEM_RECIPE_N}', { RECOTEM_RECIPE_N: '12' });
    expect(recipe.training.n_trials).toBe(12);
    const flag = await loadWith('cleansing.drop_null_ids', '${RECOTEM_RECIPE_DROP}', { RECOTEM_RECIPE_DROP: 'off' });
    expect(flag.cleansing.drop_null_ids).toBe(false);
  });
});

describe('patterns for textual numbers', () => {
  const variants = (n: number): string[] => [String(n), ` ${n} `, `+${n}`, `0${n}`, `${n}.0`, `${n}.`, `00${n}.000`];

  it('integer range alternatives match exactly the range', () => {
    for (const [lo, hi] of [
      [0, 9],
      [1, 60],
      [1, 1000],
      [1, 1800],
      [19, 20],
      [5, 5],
      [0, 0],
      [37, 4321],
    ]) {
      const re = new RegExp(`^(?:${integerRangeAlternatives(lo, hi).join('|')})$`);
      const wrong: number[] = [];
      for (let n = 0; n <= 5000; n++) if (re.test(String(n)) !== (n >= lo && n <= hi)) wrong.push(n);
      expect(wrong, `[${lo}, ${hi}]`).toEqual([]);
    }
  });

  it('integer string patterns accept every written form of in-range values only', () => {
    for (const [min, max] of [
      [0, Number.POSITIVE_INFINITY],
      [1, Number.POSITIVE_INFINITY],
      [1, 60],
      [1, 1800],
      [1, 1000],
      [7, Number.POSITIVE_INFINITY],
    ]) {
      const re = new RegExp(integerStringPattern(min, max));
      const wrong: string[] = [];
      for (let n = -12; n <= 2100; n++) {
        for (const text of variants(Math.abs(n)).map((v) => (n < 0 ? `-${v.trim()}` : v))) {
          if (re.test(text) !== (n >= min && n <= max)) wrong.push(text);
        }
      }
      expect(wrong, `[${min}, ${max}]`).toEqual([]);
      expect(re.test('-0')).toBe(min === 0);
      expect(re.test('1.5')).toBe(false);
      expect(re.test('')).toBe(false);
    }
  });

  it('decimal unit-interval patterns match their bounds', () => {
    const open = new RegExp(unitIntervalDecimalPattern({ gt: 0, lt: 1 }));
    const halfOpen = new RegExp(unitIntervalDecimalPattern({ gt: 0, le: 1 }));
    const closed = new RegExp(unitIntervalDecimalPattern({ ge: 0, le: 1 }));
    const samples = [
      '0',
      '0.0',
      '.0',
      '-0',
      '0.5',
      '.5',
      '00.25',
      '0.0001',
      '1',
      '1.0',
      '1.',
      '01.00',
      '1.01',
      '2',
      '-0.5',
      '10',
      '0.',
    ];
    for (const text of samples) {
      const value = Number(text.endsWith('.') ? `${text}0` : text);
      expect(open.test(text), `(0,1) ${text}`).toBe(value > 0 && value < 1);
      expect(halfOpen.test(text), `(0,1] ${text}`).toBe(value > 0 && value <= 1);
      expect(closed.test(text), `[0,1] ${text}`).toBe(value >= 0 && value <= 1);
    }
  });
});
