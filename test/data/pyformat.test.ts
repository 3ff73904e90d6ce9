import { describe, expect, it } from 'vitest';
import { pyFloatRepr, pyStr, pyTimestampStr } from '../../src/data/pyformat.js';

describe('pyFloatRepr matches Python repr(float)', () => {
  it.each([
    [42, '42.0'],
    [0, '0.0'],
    [-0, '-0.0'],
    [0.1, '0.1'],
    [1.5, '1.5'],
    [-2.25, '-2.25'],
    [1e16, '1e+16'],
    [1.5e16, '1.5e+16'],
    [1234567890123456, '1234567890123456.0'],
    [1e-4, '0.0001'],
    [1e-5, '1e-05'],
    [1.25e-7, '1.25e-07'],
    [123456.789, '123456.789'],
    [1e100, '1e+100'],
    [Number.NaN, 'nan'],
    [Number.POSITIVE_INFINITY, 'inf'],
    [Number.NEGATIVE_INFINITY, '-inf'],
    [1 / 3, '0.3333333333333333'],
  ])('%s → %s', (x, s) => {
    expect(pyFloatRepr(x)).toBe(s);
  });

  it('renders other cells like str()', () => {
    expect(pyStr(42, 'int')).toBe('42');
    expect(pyStr(42, 'float')).toBe('42.0');
    expect(pyStr(true, 'bool')).toBe('True');
    expect(pyStr(null, 'mixed')).toBe('None');
    expect(pyStr(null, 'float')).toBe('nan');
    expect(pyStr(2n ** 70n, 'int')).toBe('1180591620717411303424');
    expect(pyStr(new Date(Date.UTC(2024, 0, 2, 3, 4, 5)), 'timestamp')).toBe('2024-01-02 03:04:05');
    expect(pyTimestampStr(Date.UTC(2024, 0, 2, 3, 4, 5, 120))).toBe('2024-01-02 03:04:05.120000');
  });
});
