import { describe, expect, it } from 'vitest';
import {
  ArtifactError,
  ConfigError,
  causeChain,
  DataSourceError,
  ExitCode,
  errorClassName,
  errorMessage,
  exitCodeFor,
  HttpFetchError,
  isFatalRuntimeError,
  LockContestedError,
  LockTimeoutError,
  MinDataViolation,
  normalizeExitCode,
  PromotionRefusedError,
  RecipeError,
  SearchError,
  SplitError,
  TrainingError,
  UnknownAlgorithmError,
  ZeroScoreError,
} from '../../src/errors/index.js';

describe('exitCodeFor: the exit-code table', () => {
  it.each([
    ['RecipeError', new RecipeError('bad'), 2],
    ['DataSourceError', new DataSourceError('db down'), 3],
    ['TrainingError', new TrainingError('x'), 4],
    ['MinDataViolation', new MinDataViolation('too few'), 4],
    ['SplitError', new SplitError('x'), 4],
    ['UnknownAlgorithmError', new UnknownAlgorithmError('x'), 4],
    ['SearchError', new SearchError('x'), 4],
    ['ZeroScoreError', new ZeroScoreError('x'), 4],
    ['ArtifactError', new ArtifactError('x', 'hmac'), 5],
    ['LockContestedError', new LockContestedError('busy'), 6],
    ['LockTimeoutError', new LockTimeoutError('waited', 3), 6],
    ['HttpFetchError', new HttpFetchError('x'), 7],
    ['ConfigError', new ConfigError('x'), 8],
    ['signing_key_missing', new TrainingError('no keys', 'signing_key_missing'), 8],
    ['PromotionRefusedError', new PromotionRefusedError('worse'), 9],
    ['plain Error', new Error('bug'), 1],
    ['TypeError', new TypeError('bug'), 1],
    ['a thrown string', 'oops', 1],
    ['undefined', undefined, 1],
  ])('%s → %i', (_name, err, code) => {
    expect(exitCodeFor(err)).toBe(code);
  });
});

describe('exitCodeFor: resolution order and cause chains', () => {
  it('maps a DataSourceError caused by an HttpFetchError to 7 (SSRF refusal, sha256 mismatch)', () => {
    const err = new DataSourceError('download failed', { cause: new HttpFetchError('private address') });
    expect(exitCodeFor(err)).toBe(ExitCode.HTTP_FETCH);
  });

  it('finds an HttpFetchError deep in the chain', () => {
    const deep = new Error('level 1', { cause: new Error('level 2', { cause: new HttpFetchError('timeout') }) });
    expect(exitCodeFor(new DataSourceError('wrapped', { cause: deep }))).toBe(7);
    expect(exitCodeFor(new TrainingError('wrapped', 'training_error', { cause: deep }))).toBe(7);
  });

  it('ignores causes that are not HttpFetchError (DataSourceError stays 3)', () => {
    const err = new DataSourceError('refused ?service=', { cause: new TypeError('x') });
    expect(exitCodeFor(err)).toBe(ExitCode.DATA_SOURCE);
  });

  it('RecipeError wins over an HTTP cause; signing_key_missing wins over everything', () => {
    expect(exitCodeFor(new RecipeError('bad', { cause: new HttpFetchError('x') }))).toBe(2);
    expect(exitCodeFor(new TrainingError('no keys', 'signing_key_missing', { cause: new HttpFetchError('x') }))).toBe(
      8,
    );
  });

  it('an HTTP cause wins over Config/Artifact/Lock/Training classes', () => {
    const cause = new HttpFetchError('x');
    expect(exitCodeFor(new ArtifactError('read', 'read', { cause }))).toBe(7);
    expect(exitCodeFor(new TrainingError('t', 'training_error', { cause }))).toBe(7);
  });

  it('a DataSourceError causing a TrainingError is still a training error (only HTTP causes are walked)', () => {
    expect(exitCodeFor(new TrainingError('t', 'training_error', { cause: new DataSourceError('d') }))).toBe(4);
  });

  it('survives a cyclic cause chain', () => {
    const a = new Error('a');
    const b = new Error('b', { cause: a });
    (a as { cause?: unknown }).cause = b;
    expect(exitCodeFor(a)).toBe(1);
    expect([...causeChain(a)]).toEqual([a, b]);
  });
});

describe('normalizeExitCode', () => {
  it.each([0, 2, 3, 4, 5, 6, 7, 8, 9])('keeps %i', (code) => {
    expect(normalizeExitCode(code)).toBe(code);
  });
  it.each([null, undefined, 1, 10, 255, -1, 2.5, '2', Number.NaN])('turns %j into 1', (code) => {
    expect(normalizeExitCode(code)).toBe(1);
  });
});

describe('isFatalRuntimeError', () => {
  it('recognises stack overflow and allocation failures', () => {
    let overflow: unknown;
    const recurse = (n: number): number => recurse(n + 1) + 1;
    try {
      recurse(0);
    } catch (err) {
      overflow = err;
    }
    expect(isFatalRuntimeError(overflow)).toBe(true);
    expect(isFatalRuntimeError(new RangeError('Array buffer allocation failed'))).toBe(true);
    expect(isFatalRuntimeError(new RangeError('Invalid typed array length: -1'))).toBe(true);
  });
  it('leaves ordinary errors alone', () => {
    expect(isFatalRuntimeError(new RangeError('toFixed() digits argument must be between 0 and 100'))).toBe(false);
    expect(isFatalRuntimeError(new Error('Maximum call stack size exceeded'))).toBe(false);
    expect(isFatalRuntimeError('Maximum call stack size exceeded')).toBe(false);
  });
});

describe('messages', () => {
  it('errorMessage adds the YAML line of a RecipeError', () => {
    expect(errorMessage(new RecipeError('bad value', { line: 7 }))).toBe('bad value (line 7)');
    expect(errorMessage(new Error('plain'))).toBe('plain');
    expect(errorMessage(42)).toBe('42');
  });
  it('errorClassName', () => {
    expect(errorClassName(new LockTimeoutError('x', 1))).toBe('LockTimeoutError');
    expect(errorClassName('x')).toBe('string');
  });
});
