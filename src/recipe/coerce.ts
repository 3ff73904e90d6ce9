/**
 * Lax scalar fields. After `${...}` expansion numbers and booleans arrive as
 * strings, so integer, float and boolean fields accept the textual forms pydantic's lax mode does.
 * Each helper also records the JSON Schema that describes exactly what it accepts; the schema
 * generator picks those up (see `jsonSchemaOverride`).
 */
import { z } from 'zod';
import {
  asciiCaseInsensitive,
  EXPONENT_FLOAT_STRING_SOURCE,
  escapeRegex,
  FLOAT_STRING_SOURCE,
  type FloatBounds,
  INTEGER_STRING_SOURCE,
  integerStringPattern,
  unitIntervalDecimalPattern,
} from './patterns.js';

export type JsonSchemaObject = Record<string, unknown>;

const jsonSchemas = new WeakMap<object, JsonSchemaObject>();

/** Declares the JSON Schema a (transforming) zod schema stands for. */
export function describeJsonSchema<T extends z.ZodType>(schema: T, json: JsonSchemaObject): T {
  jsonSchemas.set(schema, json);
  return schema;
}

/** The JSON Schema declared with `describeJsonSchema`, if any. */
export function declaredJsonSchema(schema: unknown): JsonSchemaObject | undefined {
  return typeof schema === 'object' && schema !== null ? jsonSchemas.get(schema) : undefined;
}

export const FIELD_REQUIRED = 'Field required';

const INTEGER_STRING = new RegExp(INTEGER_STRING_SOURCE);
const FLOAT_STRING = new RegExp(FLOAT_STRING_SOURCE);

export interface IntBounds {
  min?: number;
  max?: number;
}

type Ctx = z.core.$RefinementCtx<unknown>;

function fail(ctx: Ctx, input: unknown, message: string): never {
  ctx.issues.push({ code: 'custom', message, input });
  return z.NEVER as never;
}

function parseInteger(value: unknown, ctx: Ctx): number {
  if (value === undefined) return fail(ctx, value, FIELD_REQUIRED);
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) return fail(ctx, value, 'Input should be a finite number');
    if (!Number.isInteger(value)) {
      return fail(ctx, value, 'Input should be a valid integer, got a number with a fractional part');
    }
    return value;
  }
  if (typeof value === 'string') {
    if (!INTEGER_STRING.test(value)) {
      return fail(ctx, value, 'Input should be a valid integer, unable to parse string as an integer');
    }
    const parsed = Number(value.trim().replace(/\.0*$/, ''));
    // Number('-0') is -0; the recipe never needs to tell the two zeros apart.
    return parsed === 0 ? 0 : parsed;
  }
  return fail(ctx, value, 'Input should be a valid integer');
}

/** Integer with lax coercion and optional inclusive bounds. */
export function laxInt(bounds: IntBounds = {}) {
  const { min, max } = bounds;
  const schema = z.any().transform((value: unknown, ctx): number => {
    const n = parseInteger(value, ctx);
    if (min !== undefined && n < min) return fail(ctx, value, `Input should be greater than or equal to ${min}`);
    if (max !== undefined && n > max) return fail(ctx, value, `Input should be less than or equal to ${max}`);
    return n;
  });
  const numeric: JsonSchemaObject = { type: 'integer' };
  if (min !== undefined) numeric.minimum = min;
  if (max !== undefined) numeric.maximum = max;
  const pattern = integerStringPattern(min ?? Number.NEGATIVE_INFINITY, max ?? Number.POSITIVE_INFINITY);
  return describeJsonSchema(schema, { anyOf: [numeric, { type: 'string', pattern }] });
}

function parseFloatValue(value: unknown, ctx: Ctx): number {
  if (value === undefined) return fail(ctx, value, FIELD_REQUIRED);
  if (typeof value === 'number') {
    if (Number.isNaN(value)) return fail(ctx, value, 'Input should be a finite number');
    return value;
  }
  if (typeof value === 'string') {
    if (!FLOAT_STRING.test(value)) {
      return fail(ctx, value, 'Input should be a valid number, unable to parse string as a number');
    }
    return Number(value.trim());
  }
  return fail(ctx, value, 'Input should be a valid number');
}

/** Float with lax coercion; bounds as pydantic's gt/ge/lt/le. */
export function laxFloat(bounds: FloatBounds = {}) {
  const schema = z.any().transform((value: unknown, ctx): number => {
    const n = parseFloatValue(value, ctx);
    if (bounds.gt !== undefined && !(n > bounds.gt))
      return fail(ctx, value, `Input should be greater than ${bounds.gt}`);
    if (bounds.ge !== undefined && !(n >= bounds.ge)) {
      return fail(ctx, value, `Input should be greater than or equal to ${bounds.ge}`);
    }
    if (bounds.lt !== undefined && !(n < bounds.lt)) return fail(ctx, value, `Input should be less than ${bounds.lt}`);
    if (bounds.le !== undefined && !(n <= bounds.le)) {
      return fail(ctx, value, `Input should be less than or equal to ${bounds.le}`);
    }
    return n;
  });
  const numeric: JsonSchemaObject = { type: 'number' };
  if (bounds.gt !== undefined) numeric.exclusiveMinimum = bounds.gt;
  if (bounds.ge !== undefined) numeric.minimum = bounds.ge;
  if (bounds.lt !== undefined) numeric.exclusiveMaximum = bounds.lt;
  if (bounds.le !== undefined) numeric.maximum = bounds.le;
  const bounded = Object.keys(bounds).length > 0;
  // A string's value range can only be written as a pattern for plain decimals; exponent forms are
  // admitted by the schema whatever their value (the loader still range-checks them).
  const strings: JsonSchemaObject[] = bounded
    ? [
        { type: 'string', pattern: unitIntervalDecimalPattern(bounds) },
        { type: 'string', pattern: EXPONENT_FLOAT_STRING_SOURCE },
      ]
    : [{ type: 'string', pattern: FLOAT_STRING_SOURCE }];
  return describeJsonSchema(schema, { anyOf: [numeric, ...strings] });
}

const TRUE_WORDS = ['true', 'yes', 'on', '1', 't', 'y'];
const FALSE_WORDS = ['false', 'no', 'off', '0', 'f', 'n'];
const TRUE_SOURCE = `^(?:${TRUE_WORDS.map(asciiCaseInsensitive).join('|')})$`;
const FALSE_SOURCE = `^(?:${FALSE_WORDS.map(asciiCaseInsensitive).join('|')})$`;
const BOOL_SOURCE = `^(?:${[...TRUE_WORDS, ...FALSE_WORDS].map(asciiCaseInsensitive).join('|')})$`;
const TRUE_STRING = new RegExp(TRUE_SOURCE);
const FALSE_STRING = new RegExp(FALSE_SOURCE);

/** Boolean accepting true/false, 0/1 and the listed words in any ASCII case. */
export function laxBool() {
  const schema = z.any().transform((value: unknown, ctx): boolean => {
    if (value === undefined) return fail(ctx, value, FIELD_REQUIRED);
    if (typeof value === 'boolean') return value;
    if (value === 0 || value === 1) return value === 1;
    if (typeof value === 'string') {
      if (TRUE_STRING.test(value)) return true;
      if (FALSE_STRING.test(value)) return false;
      return fail(ctx, value, 'Input should be a valid boolean, unable to interpret input');
    }
    return fail(ctx, value, 'Input should be a valid boolean');
  });
  return describeJsonSchema(schema, {
    anyOf: [{ type: 'boolean' }, { enum: [0, 1] }, { type: 'string', pattern: BOOL_SOURCE }],
  });
}

/** A string matching `pattern`; the message quotes the pattern as pydantic does. */
export function patternString(pattern: RegExp) {
  return z.string().regex(pattern);
}

/**
 * One of `choices`, validated as the pattern `^(a|b|c)$` (so the message is the original's
 * "String should match pattern ..."), typed as the union of the choices.
 */
export function choiceString<const T extends readonly [string, ...string[]]>(choices: T): z.ZodType<T[number], string> {
  const pattern = new RegExp(`^(${choices.map(escapeRegex).join('|')})$`);
  return z.string().regex(pattern) as unknown as z.ZodType<T[number], string>;
}

/**
 * Shallow JSON-safe copy of a default value for the schema's `default` keyword (zod leaves it out
 * for transforming schemas).
 */
export function jsonDefault(value: unknown): unknown {
  if (value === undefined) return undefined;
  return JSON.parse(JSON.stringify(value));
}

/**
 * `override` hook for `z.toJSONSchema`: substitutes declared schemas and restores `default` for
 * wrapped transforms.
 */
export function jsonSchemaOverride(ctx: { zodSchema: unknown; jsonSchema: JsonSchemaObject }): void {
  const declared = declaredJsonSchema(ctx.zodSchema);
  if (declared) {
    for (const key of Object.keys(ctx.jsonSchema)) delete ctx.jsonSchema[key];
    Object.assign(ctx.jsonSchema, structuredClone(declared));
    return;
  }
  const def = (ctx.zodSchema as { _zod?: { def?: { type?: string; defaultValue?: unknown } } })._zod?.def;
  if (def?.type === 'default' && !('default' in ctx.jsonSchema)) {
    const value = jsonDefault(def.defaultValue);
    if (value !== undefined) ctx.jsonSchema.default = value;
  }
}

export { INTEGER_STRING_SOURCE };
