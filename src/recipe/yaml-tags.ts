/**
 * Implicit scalar typing as PyYAML's `safe_load` does it (YAML 1.1 as the original reads recipes).
 * The `yaml` package's own 1.1 schema differs in ways users would notice: it reads `y`/`n` as
 * booleans and `1e3` as a number, where PyYAML keeps both as strings.
 */
import type { ScalarTag } from 'yaml';

const BOOL = /^(?:yes|Yes|YES|no|No|NO|true|True|TRUE|false|False|FALSE|on|On|ON|off|Off|OFF)$/;
const NULL = /^(?:~|null|Null|NULL|)$/;
const INT =
  /^(?:[-+]?0b[0-1_]+|[-+]?0[0-7_]+|[-+]?(?:0|[1-9][0-9_]*)|[-+]?0x[0-9a-fA-F_]+|[-+]?[1-9][0-9_]*(?::[0-5]?[0-9])+)$/;
const FLOAT =
  /^(?:[-+]?(?:[0-9][0-9_]*)\.[0-9_]*(?:[eE][-+][0-9]+)?|\.[0-9][0-9_]*(?:[eE][-+][0-9]+)?|[-+]?[0-9][0-9_]*(?::[0-5]?[0-9])+\.[0-9_]*|[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN))$/;
const TIMESTAMP =
  /^(?:[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]|[0-9][0-9][0-9][0-9]-[0-9][0-9]?-[0-9][0-9]?(?:[Tt]|[ \t]+)[0-9][0-9]?:[0-9][0-9]:[0-9][0-9](?:\.[0-9]*)?(?:[ \t]*(?:Z|[-+][0-9][0-9]?(?::[0-9][0-9])?))?)$/;
const TIMESTAMP_PARTS =
  /^([0-9]{4})-([0-9]{1,2})-([0-9]{1,2})(?:(?:[Tt]|[ \t]+)([0-9]{1,2}):([0-9]{2}):([0-9]{2})(?:\.([0-9]*))?(?:[ \t]*(Z|([-+])([0-9]{1,2})(?::([0-9]{2}))?))?)?$/;

/**
 * A YAML float with an integral value (`5.0`). JavaScript numbers cannot tell it from the integer
 * `5`, but typed query parameters must (BigQuery binds `5` as INT64 and `5.0` as FLOAT64), so the
 * parser keeps this wrapper inside `query_parameters` mappings and plain numbers everywhere else.
 */
export class IntegralFloat {
  constructor(readonly value: number) {}
  valueOf(): number {
    return this.value;
  }
  toJSON(): number {
    return this.value;
  }
  /** Python's rendering, `5.0`. */
  toString(): string {
    return Number.isFinite(this.value) && Math.abs(this.value) < 1e16 ? this.value.toFixed(1) : String(this.value);
  }
}

function floatValue(value: number): number | IntegralFloat {
  return Number.isInteger(value) ? new IntegralFloat(value) : value;
}

const BOOL_WORDS: Record<string, boolean> = { yes: true, true: true, on: true, no: false, false: false, off: false };

function sexagesimal(text: string): number {
  let value = 0;
  for (const part of text.split(':')) value = value * 60 + Number(part);
  return value;
}

function resolveInt(source: string, onError: (message: string) => void): unknown {
  let text = source.replace(/_/g, '');
  let sign = 1;
  if (text.startsWith('-')) sign = -1;
  if (text.startsWith('-') || text.startsWith('+')) text = text.slice(1);
  let value: number;
  if (text === '0') value = 0;
  else if (/^0b[01]+$/.test(text)) value = Number.parseInt(text.slice(2), 2);
  else if (/^0x[0-9a-fA-F]+$/.test(text)) value = Number.parseInt(text.slice(2), 16);
  else if (/^0[0-7]+$/.test(text)) value = Number.parseInt(text, 8);
  else if (/^[0-9]+(?::[0-9]+)+$/.test(text)) value = sexagesimal(text);
  else if (/^[0-9]+$/.test(text)) value = Number(text);
  else {
    onError(`invalid literal for an integer: '${source}'`);
    return source;
  }
  return sign * value;
}

function resolveFloat(source: string, onError: (message: string) => void): unknown {
  let text = source.replace(/_/g, '').toLowerCase();
  let sign = 1;
  if (text.startsWith('-')) sign = -1;
  if (text.startsWith('-') || text.startsWith('+')) text = text.slice(1);
  if (text === '.inf') return sign * Number.POSITIVE_INFINITY;
  if (text === '.nan') return Number.NaN;
  if (/^[0-9]+(?::[0-9]+)+(?:\.[0-9]*)?$/.test(text)) {
    const [whole, fraction = ''] = text.split('.');
    return floatValue(sign * (sexagesimal(whole) + (fraction ? Number(`0.${fraction}`) : 0)));
  }
  if (/^(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:e[-+]?[0-9]+)?$/.test(text)) return floatValue(sign * Number(text));
  onError(`could not convert string to float: '${source}'`);
  return source;
}

/** Date for a YAML timestamp; date-only values are midnight UTC. Invalid calendar dates fail. */
function resolveTimestamp(source: string, onError: (message: string) => void): unknown {
  const m = TIMESTAMP_PARTS.exec(source);
  if (!m) {
    onError(`invalid timestamp: '${source}'`);
    return source;
  }
  const [year, month, day] = [Number(m[1]), Number(m[2]), Number(m[3])];
  const hour = m[4] === undefined ? 0 : Number(m[4]);
  const minute = m[5] === undefined ? 0 : Number(m[5]);
  const second = m[6] === undefined ? 0 : Number(m[6]);
  const millis = m[7] ? Math.floor(Number(`0.${m[7]}`) * 1000) : 0;
  const date = new Date(0);
  // setUTCFullYear keeps years below 100 literal (Date.UTC would map them to 19xx).
  date.setUTCFullYear(year, month - 1, day);
  date.setUTCHours(hour, minute, second, millis);
  const calendarOk = date.getUTCFullYear() === year && date.getUTCMonth() === month - 1 && date.getUTCDate() === day;
  if (!calendarOk || hour > 23 || minute > 59 || second > 59) {
    onError(`invalid timestamp: '${source}'`);
    return source;
  }
  if (m[8] && m[8] !== 'Z') {
    const offsetMinutes = (Number(m[10]) * 60 + (m[11] ? Number(m[11]) : 0)) * (m[9] === '-' ? -1 : 1);
    date.setTime(date.getTime() - offsetMinutes * 60_000);
  }
  return date;
}

const YAML_TAG = 'tag:yaml.org,2002:';

/** PyYAML's implicit resolvers, in its priority order. */
export const PYYAML_SCALAR_TAGS: ScalarTag[] = [
  {
    tag: `${YAML_TAG}bool`,
    default: true,
    test: BOOL,
    identify: (v) => typeof v === 'boolean',
    resolve: (text, onError) => {
      const value = BOOL_WORDS[text.toLowerCase()];
      if (value === undefined) onError(`invalid boolean: '${text}'`);
      return value ?? text;
    },
  },
  {
    tag: `${YAML_TAG}float`,
    default: true,
    test: FLOAT,
    identify: (v) => typeof v === 'number' && !Number.isInteger(v),
    resolve: resolveFloat,
  },
  {
    tag: `${YAML_TAG}int`,
    default: true,
    test: INT,
    identify: (v) => typeof v === 'number' && Number.isInteger(v),
    resolve: resolveInt,
  },
  {
    tag: `${YAML_TAG}null`,
    default: true,
    test: NULL,
    identify: (v) => v === null || v === undefined,
    resolve: () => null,
  },
  {
    tag: `${YAML_TAG}timestamp`,
    default: true,
    test: TIMESTAMP,
    identify: (v) => v instanceof Date,
    resolve: resolveTimestamp,
  },
];

/** Tags of the base schema kept as they are: plain maps, sequences, strings and `<<` merge keys. */
export const KEPT_BASE_TAGS = new Set([`${YAML_TAG}map`, `${YAML_TAG}seq`, `${YAML_TAG}str`, `${YAML_TAG}merge`]);

/** Tags a recipe may carry explicitly (anything else — `!!binary`, `!!set`, `!foo` — is rejected). */
export const ALLOWED_TAGS = new Set([...KEPT_BASE_TAGS, ...PYYAML_SCALAR_TAGS.map((t) => t.tag)]);
