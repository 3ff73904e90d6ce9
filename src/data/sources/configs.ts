/**
 * Config schemas of the built-in sources. Closed objects;
 * `type` is a literal that defaults to its own value, so it is present in every typed config.
 */
import { z } from 'zod';
import { describeJsonSchema, IntegralFloat, laxInt, patternString, sha256Field } from '../../recipe/index.js';

export const csvConfigSchema = z.strictObject({
  type: z.literal('csv').default('csv'),
  path: z.string(),
  delimiter: z.string().default(','),
  encoding: z.string().default('utf-8'),
  /** 0-based row index of the header line (a negative index can only fail later, so it fails here). */
  header: laxInt({ min: 0 }).default(0),
  dtype: z.record(z.string(), z.string()).nullable().default(null),
  sha256: sha256Field(),
});

export const parquetConfigSchema = z.strictObject({
  type: z.literal('parquet').default('parquet'),
  path: z.string(),
  sha256: sha256Field(),
});

export const bigQueryConfigSchema = z.strictObject({
  type: z.literal('bigquery').default('bigquery'),
  query: z.string(),
  /**
   * Values of any YAML type; the source rejects unsupported ones when it builds parameters. An
   * integral YAML float (`5.0`) arrives as `IntegralFloat` so it binds as FLOAT64, not INT64.
   */
  query_parameters: z.record(z.string(), z.unknown()).nullable().default(null),
  project: z.string().nullable().default(null),
});

/** A bound SQL parameter keeps its YAML type: string, integer, float or boolean. */
export type SqlParameterValue = string | number | boolean | IntegralFloat;

const sqlParameterValue = describeJsonSchema(
  z.any().transform((value: unknown, ctx): SqlParameterValue => {
    if (
      typeof value === 'string' ||
      typeof value === 'boolean' ||
      (typeof value === 'number' && !Number.isNaN(value)) ||
      value instanceof IntegralFloat
    ) {
      return value;
    }
    ctx.issues.push({
      code: 'custom',
      message: 'Input should be a valid string, integer, number or boolean',
      input: value,
    });
    return z.NEVER;
  }),
  { anyOf: [{ type: 'string' }, { type: 'number' }, { type: 'boolean' }] },
);

export const sqlConfigSchema = z.strictObject({
  type: z.literal('sql').default('sql'),
  /** Names the environment variable holding the DSN (never the DSN itself). */
  dsn_env: patternString(/^RECOTEM_RECIPE_[A-Z0-9_]+$/),
  query: z.string().min(1),
  query_parameters: z.record(z.string(), sqlParameterValue).default({}),
  connect_timeout_seconds: laxInt({ min: 1, max: 60 }).default(10),
  statement_timeout_seconds: laxInt({ min: 1, max: 1800 }).default(300),
});

export type CsvSourceConfig = z.output<typeof csvConfigSchema>;
export type ParquetSourceConfig = z.output<typeof parquetConfigSchema>;
export type BigQuerySourceConfig = z.output<typeof bigQueryConfigSchema>;
export type SqlSourceConfig = z.output<typeof sqlConfigSchema>;
export type BuiltinSourceConfig = CsvSourceConfig | ParquetSourceConfig | BigQuerySourceConfig | SqlSourceConfig;
