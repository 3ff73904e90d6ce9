import { afterEach, describe, expect, it, vi } from 'vitest';
import {
  addLogContext,
  captureLogs,
  configureLogging,
  getLogContext,
  getLogger,
  onLogRecord,
  resetLoggingForTests,
  withLogContext,
} from '../../src/log/index.js';

const HEX64 = 'ab'.repeat(32);
const ISO_UTC = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;

function memoryStream(isTTY = false) {
  const chunks: string[] = [];
  return {
    chunks,
    stream: {
      isTTY,
      write(s: string) {
        chunks.push(s);
        return true;
      },
    },
    records: () => chunks.map((c) => JSON.parse(c) as Record<string, unknown>),
  };
}

afterEach(() => {
  resetLoggingForTests();
  vi.restoreAllMocks();
  vi.unstubAllEnvs();
});

describe('record shape (json)', () => {
  it('writes {event, level, logger, timestamp, ...fields} as one JSON line', () => {
    const mem = memoryStream();
    expect(configureLogging({ format: 'json', stream: mem.stream })).toBe('json');
    getLogger('recotem.test').info('thing_done', { n: 3, name: 'x' });
    expect(mem.chunks).toHaveLength(1);
    expect(mem.chunks[0]?.endsWith('\n')).toBe(true);
    expect(mem.chunks[0]?.split('\n')).toHaveLength(2);
    const rec = mem.records()[0]!;
    expect(Object.keys(rec)).toEqual(['event', 'level', 'logger', 'timestamp', 'n', 'name']);
    expect(rec).toMatchObject({ event: 'thing_done', level: 'info', logger: 'recotem.test', n: 3, name: 'x' });
    expect(rec.timestamp).toMatch(ISO_UTC);
  });

  it('names levels debug/info/warning/error/critical and drops debug by default', () => {
    const mem = memoryStream();
    configureLogging({ format: 'json', stream: mem.stream });
    const log = getLogger('recotem.levels');
    log.debug('d');
    log.info('i');
    log.warn('w');
    log.error('e');
    log.critical('c');
    expect(mem.records().map((r) => [r.event, r.level])).toEqual([
      ['i', 'info'],
      ['w', 'warning'],
      ['e', 'error'],
      ['c', 'critical'],
    ]);
    expect(log.isLevelEnabled('debug')).toBe(false);
  });

  it('emits debug records when the level is lowered', () => {
    const mem = memoryStream();
    configureLogging({ format: 'json', stream: mem.stream, level: 'debug' });
    getLogger('recotem.levels').debug('d', { a: 1 });
    expect(mem.records()[0]).toMatchObject({ event: 'd', level: 'debug', a: 1 });
  });

  it('merges child bindings, context and fields (fields win), keeping standard fields authoritative', () => {
    const mem = memoryStream();
    configureLogging({ format: 'json', stream: mem.stream });
    const log = getLogger('recotem.child').child({ recipe: 'r1', run_id: 'abc' });
    withLogContext({ request_id: 'req-1', recipe: 'from-context' }, () => {
      log.info('evt', { recipe: 'from-field', event: 'spoof', level: 'error' });
    });
    const rec = mem.records()[0]!;
    expect(rec).toMatchObject({
      event: 'evt',
      level: 'info',
      recipe: 'from-field',
      run_id: 'abc',
      request_id: 'req-1',
      field_event: 'spoof',
      field_level: 'error',
    });
  });

  it('renders an Error passed as err/exception into an exception string with its cause chain', () => {
    const mem = memoryStream();
    configureLogging({ format: 'json', stream: mem.stream });
    const inner = new TypeError('inner problem');
    getLogger('recotem.err').error('failed', { err: new Error('outer problem', { cause: inner }) });
    getLogger('recotem.err').error('failed2', { exception: new RangeError('range') });
    const [a, b] = mem.records();
    expect(a?.err).toBeUndefined();
    expect(a?.exception).toMatch(/^Error: outer problem\n\s+at /);
    expect(a?.exception).toContain('Caused by: TypeError: inner problem');
    expect(b?.exception).toMatch(/^RangeError: range/);
  });

  it('drops undefined fields', () => {
    const mem = memoryStream();
    configureLogging({ format: 'json', stream: mem.stream });
    getLogger('x').info('e', { a: undefined, b: null });
    expect(mem.records()[0]).not.toHaveProperty('a');
    expect(mem.records()[0]).toHaveProperty('b', null);
  });
});

describe('redaction runs last', () => {
  it('scrubs bindings, context fields and the rendered exception, not only event fields', () => {
    const mem = memoryStream();
    configureLogging({ format: 'json', stream: mem.stream });
    const log = getLogger('recotem.redact').child({ password: 'hunter2', dsn: 'postgres://u:pw@db/x' });
    withLogContext({ token: 'tok', note: `key ${HEX64}` }, () => {
      log.error('boom', { err: new Error(`cannot use ${HEX64} for https://user:pass@host/x`) });
    });
    const line = mem.chunks[0]!;
    expect(line).not.toContain(HEX64);
    expect(line).not.toContain('hunter2');
    expect(line).not.toContain('user:pass');
    expect(line).not.toContain('u:pw');
    const rec = JSON.parse(line);
    expect(rec.password).toBe('[REDACTED]');
    expect(rec.token).toBe('[REDACTED]');
    expect(rec.note).toBe('key [REDACTED-HEX64]');
    expect(rec.dsn).toBe('postgres://***@db/x');
    expect(rec.exception).toContain('Error: cannot use [REDACTED-HEX64] for https://***@host/x');
  });

  it('keeps security.posture fields readable in production JSON', () => {
    const mem = memoryStream();
    configureLogging({ format: 'json', stream: mem.stream });
    getLogger('recotem.security').info('security.posture', {
      auth_enabled: false,
      signing_key_status: 'missing',
      signing_keys: [],
    });
    expect(mem.records()[0]).toMatchObject({ auth_enabled: false, signing_key_status: 'missing', signing_keys: [] });
  });

  it('emits a [redaction_failed] record when a field cannot be read', () => {
    const mem = memoryStream();
    configureLogging({ format: 'json', stream: mem.stream });
    const hostile = {};
    Object.defineProperty(hostile, 'x', {
      enumerable: true,
      get() {
        throw new SyntaxError('nope');
      },
    });
    getLogger('recotem.redact').warn('hostile_event', { hostile });
    const rec = mem.records()[0]!;
    expect(rec).toMatchObject({
      event: '[redaction_failed]',
      original_event: 'hostile_event',
      redaction_error_class: 'SyntaxError',
      level: 'warning',
      logger: 'recotem.redact',
    });
  });
});

describe('context', () => {
  it('follows async continuations and ends with the scope', async () => {
    const mem = memoryStream();
    configureLogging({ format: 'json', stream: mem.stream });
    const log = getLogger('recotem.ctx');
    await withLogContext({ request_id: 'r-async' }, async () => {
      await new Promise<void>((resolve) => setImmediate(resolve));
      log.info('inside');
    });
    log.info('outside');
    const [inside, outside] = mem.records();
    expect(inside?.request_id).toBe('r-async');
    expect(outside).not.toHaveProperty('request_id');
  });

  it('nests scopes and lets addLogContext add fields to the current one only', () => {
    const mem = memoryStream();
    configureLogging({ format: 'json', stream: mem.stream });
    const log = getLogger('recotem.ctx');
    expect(addLogContext({ kid: 'nowhere' })).toBe(false);
    withLogContext({ request_id: 'outer' }, () => {
      withLogContext({ recipe: 'r' }, () => {
        expect(addLogContext({ kid: 'k1' })).toBe(true);
        log.info('inner');
      });
      log.info('outer');
      expect(getLogContext()).toEqual({ request_id: 'outer' });
    });
    const [inner, outer] = mem.records();
    expect(inner).toMatchObject({ request_id: 'outer', recipe: 'r', kid: 'k1' });
    expect(outer).toMatchObject({ request_id: 'outer' });
    expect(outer).not.toHaveProperty('kid');
  });
});

describe('formats', () => {
  it('console: timestamp, level, event, key=value without colours when the stream is not a TTY', () => {
    const mem = memoryStream(false);
    expect(configureLogging({ format: 'console', stream: mem.stream })).toBe('console');
    getLogger('recotem.console').warn('model_loaded', { recipe: 'news', note: 'two words', n: 2 });
    const line = mem.chunks[0]!;
    expect(line).not.toContain('\u001b[');
    expect(line).toMatch(
      /^\d{4}-\d{2}-\d{2}T[\d:.]+Z \[warning \] model_loaded recipe=news note="two words" n=2 logger=recotem\.console\n$/,
    );
  });

  it('console: colours on a TTY, exception on the following lines', () => {
    vi.stubEnv('NO_COLOR', '');
    const mem = memoryStream(true);
    configureLogging({ format: 'console', stream: mem.stream });
    getLogger('recotem.console').error('failed', { err: new Error('bad thing') });
    const line = mem.chunks[0]!;
    expect(line).toContain('\u001b[');
    expect(line).toContain('\nError: bad thing');
  });

  it('auto, unset and unknown formats mean console on a TTY and json otherwise', () => {
    for (const format of ['auto', undefined, 'yaml', ' JSON ']) {
      const tty = memoryStream(true);
      const pipe = memoryStream(false);
      const expectedTty = format === ' JSON ' ? 'json' : 'console';
      expect(configureLogging({ format, stream: tty.stream })).toBe(expectedTty);
      expect(configureLogging({ format, stream: pipe.stream })).toBe('json');
    }
  });

  it('never throws when configuration fails; reports non-I/O failures in one stderr line', () => {
    const spy = vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
    const broken = {
      write: () => true,
      get isTTY(): boolean {
        throw new TypeError('tty probe failed');
      },
    };
    expect(() => configureLogging({ stream: broken })).not.toThrow();
    expect(spy).toHaveBeenCalledWith('[recotem] log config failed: TypeError: tty probe failed\n');
    spy.mockClear();
    const ioBroken = {
      write: () => true,
      get isTTY(): boolean {
        throw Object.assign(new Error('EIO: i/o error'), { code: 'EIO' });
      },
    };
    expect(() => configureLogging({ stream: ioBroken })).not.toThrow();
    expect(spy).not.toHaveBeenCalled();
  });

  it('does not throw when the stream write fails', () => {
    configureLogging({
      format: 'json',
      stream: {
        write() {
          throw new Error('EPIPE');
        },
      },
    });
    expect(() => getLogger('x').info('e')).not.toThrow();
  });

  it('resetLoggingForTests restores stderr, level info', () => {
    const mem = memoryStream();
    configureLogging({ format: 'json', stream: mem.stream, level: 'debug' });
    resetLoggingForTests();
    const spy = vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
    getLogger('x').debug('dropped');
    getLogger('x').info('kept');
    expect(mem.chunks).toHaveLength(0);
    expect(spy).toHaveBeenCalledTimes(1);
    expect(String(spy.mock.calls[0]?.[0])).toContain('kept');
  });
});

describe('capturing', () => {
  it('captureLogs collects every record (debug included) and silences the stream until stopped', () => {
    const mem = memoryStream();
    configureLogging({ format: 'console', stream: mem.stream });
    const logs = captureLogs();
    getLogger('cap').debug('d1', { token: 'secret-token' });
    getLogger('cap').info('i1');
    expect(mem.chunks).toHaveLength(0);
    expect(logs.records.map((r) => r.event)).toEqual(['d1', 'i1']);
    expect(logs.events('i1')).toHaveLength(1);
    expect(JSON.parse(logs.lines[0]!)).toMatchObject({ event: 'd1', token: '[REDACTED]' });
    expect(logs.text()).not.toContain('secret-token');
    logs.clear();
    expect(logs.records).toHaveLength(0);
    logs.stop();
    logs.stop();
    getLogger('cap').info('after');
    expect(logs.records).toHaveLength(0);
    expect(mem.chunks).toHaveLength(1);
  });

  it('captureLogs({silent: false}) lets output through; onLogRecord honours its level', () => {
    const mem = memoryStream();
    configureLogging({ format: 'json', stream: mem.stream });
    const logs = captureLogs({ silent: false, level: 'warning' });
    const seen: string[] = [];
    const off = onLogRecord((r) => seen.push(String(r.event)), { level: 'error' });
    const faulty = onLogRecord(() => {
      throw new Error('listener bug');
    });
    getLogger('cap').info('info_evt');
    getLogger('cap').warn('warn_evt');
    getLogger('cap').error('error_evt');
    off();
    faulty();
    logs.stop();
    expect(mem.chunks).toHaveLength(3);
    expect(logs.records.map((r) => r.event)).toEqual(['warn_evt', 'error_evt']);
    expect(seen).toEqual(['error_evt']);
  });
});
