import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  isTruthy,
  parseClampedFloatOrThrow,
  parseClampedInt,
  parseCsvList,
  parseFloatStrict,
  parseIntStrict,
  readTrimmed,
} from '../../src/config/index.js';
import { ConfigError } from '../../src/errors/index.js';
import { captureLogs, type LogCapture } from '../../src/log/index.js';

let logs: LogCapture;
beforeEach(() => {
  logs = captureLogs();
});
afterEach(() => logs.stop());

describe('isTruthy', () => {
  it.each(['1', 'true', 'TRUE', ' yes ', 'On'])('%s is true', (v) => expect(isTruthy(v)).toBe(true));
  it.each([undefined, null, '', '0', 'false', 'no', 'off', 'y', 'enabled', '2'])('%s is false', (v) =>
    expect(isTruthy(v)).toBe(false),
  );
});

describe('parseCsvList', () => {
  it('splits, trims and drops empty parts', () => {
    expect(parseCsvList(' a, b ,,c ')).toEqual(['a', 'b', 'c']);
  });
  it('falls back to the default when nothing is left', () => {
    expect(parseCsvList(undefined, ['d'])).toEqual(['d']);
    expect(parseCsvList('', ['d'])).toEqual(['d']);
    expect(parseCsvList(' , , ', ['d'])).toEqual(['d']);
    expect(parseCsvList(' , ')).toEqual([]);
  });
});

describe('integer and float syntax', () => {
  it('accepts what the original int() accepts', () => {
    expect(parseIntStrict(' 42 ')).toBe(42);
    expect(parseIntStrict('+7')).toBe(7);
    expect(parseIntStrict('-3')).toBe(-3);
    expect(parseIntStrict('1_000')).toBe(1000);
  });
  it.each(['1.5', '1e3', '0x10', '', ' ', 'abc', '1__0', '_1', '12a'])('rejects %j as an integer', (v) => {
    expect(parseIntStrict(v)).toBeUndefined();
  });
  it('accepts float forms and infinity, rejects NaN and junk', () => {
    expect(parseFloatStrict(' 2.5 ')).toBe(2.5);
    expect(parseFloatStrict('.5')).toBe(0.5);
    expect(parseFloatStrict('1e1')).toBe(10);
    expect(parseFloatStrict('3.')).toBe(3);
    expect(parseFloatStrict('inf')).toBe(Number.POSITIVE_INFINITY);
    expect(parseFloatStrict('-Infinity')).toBe(Number.NEGATIVE_INFINITY);
    expect(parseFloatStrict('nan')).toBeUndefined();
    expect(parseFloatStrict('five')).toBeUndefined();
    expect(parseFloatStrict('')).toBeUndefined();
  });
});

describe('parseClampedInt', () => {
  it('returns the default silently when unset or empty', () => {
    expect(parseClampedInt({}, 'X', 30, 1, 600)).toBe(30);
    expect(parseClampedInt({ X: '' }, 'X', 30, 1, 600)).toBe(30);
    expect(logs.records).toHaveLength(0);
  });
  it('returns an in-range value as is', () => {
    expect(parseClampedInt({ X: ' 45 ' }, 'X', 30, 1, 600)).toBe(45);
    expect(logs.records).toHaveLength(0);
  });
  it('warns env_var_unparseable and falls back for non-integers', () => {
    expect(parseClampedInt({ X: '1.5' }, 'X', 30, 1, 600)).toBe(30);
    expect(logs.events('env_var_unparseable')).toEqual([
      expect.objectContaining({ level: 'warning', name: 'X', raw: '1.5', fallback: 30 }),
    ]);
  });
  it('clamps out-of-range values with env_var_clamped', () => {
    expect(parseClampedInt({ X: '0' }, 'X', 30, 1, 600)).toBe(1);
    expect(parseClampedInt({ X: '100000' }, 'X', 30, 1, 600)).toBe(600);
    expect(logs.events('env_var_clamped')).toEqual([
      expect.objectContaining({ name: 'X', requested: 0, clamped: 1, lo: 1, hi: 600 }),
      expect.objectContaining({ name: 'X', requested: 100000, clamped: 600, lo: 1, hi: 600 }),
    ]);
  });
});

describe('parseClampedFloatOrThrow', () => {
  it('defaults, parses, and clamps with a warning (the original clamped silently)', () => {
    expect(parseClampedFloatOrThrow({}, 'W', 5, 1, 30)).toBe(5);
    expect(parseClampedFloatOrThrow({ W: '2.5' }, 'W', 5, 1, 30)).toBe(2.5);
    expect(parseClampedFloatOrThrow({ W: '0.1' }, 'W', 5, 1, 30)).toBe(1);
    expect(parseClampedFloatOrThrow({ W: 'inf' }, 'W', 5, 1, 30)).toBe(30);
    expect(logs.events('env_var_clamped').map((r) => r.clamped)).toEqual([1, 30]);
  });
  it('throws ConfigError naming the variable for non-numbers', () => {
    expect(() => parseClampedFloatOrThrow({ W: 'soon' }, 'W', 5, 1, 30)).toThrow(ConfigError);
    expect(() => parseClampedFloatOrThrow({ W: 'soon' }, 'W', 5, 1, 30)).toThrow(/^W must be a number/);
  });
});

describe('readTrimmed', () => {
  it('trims and falls back on blank', () => {
    expect(readTrimmed({ A: ' x ' }, 'A')).toBe('x');
    expect(readTrimmed({ A: '   ' }, 'A', 'd')).toBe('d');
    expect(readTrimmed({}, 'A', 'd')).toBe('d');
  });
});
