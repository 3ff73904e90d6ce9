import { describe, expect, it } from 'vitest';
import {
  isSensitiveFieldName,
  REDACTED,
  redactRecord,
  redactValue,
  SAFE_FIELD_NAMES,
  safeKid,
  scrubString,
} from '../../src/log/index.js';

const HEX64 = '0123456789abcdef'.repeat(4);
const B64URL43 = 'AbCdEfGhIjKlMnOpQrStUvWxYz0123456789-_AbCdE'; // 43 chars

describe('key-name rule', () => {
  it.each([
    'x-api-key',
    'X-API-Key',
    'authorization',
    'Authorization',
    'cookie',
    'recotem_signing_key',
    'RECOTEM_SIGNING_KEYS',
    'recotem_api_keys',
  ])('redacts the exact name %s', (name) => {
    expect(isSensitiveFieldName(name)).toBe(true);
    expect(redactRecord({ [name]: 'value' })[name]).toBe(REDACTED);
  });

  it.each(['aws_region', 'AWS_SECRET_ACCESS_KEY', 'gcp_project', 'google_application', 'azure_account'])(
    'redacts the cloud prefix %s',
    (name) => {
      expect(isSensitiveFieldName(name)).toBe(true);
    },
  );

  it.each([
    'client_secret',
    'db_password',
    'passwd',
    'refresh_token',
    'apikey',
    'api_key',
    'key_id',
    'keyspace',
    'key',
    'keys_total',
    'auth',
    'oauth_state',
    'bearer',
    'credentials',
    'private_path',
    'Secret',
  ])('redacts names containing a sensitive word: %s', (name) => {
    expect(isSensitiveFieldName(name)).toBe(true);
  });

  it.each(['keys', 'signing_keys', 'api_keys', 'n_keys', 'monkey', 'turkey', 'donkey', 'hockey', 'jockey', 'user_id'])(
    'keeps %s',
    (name) => {
      expect(isSensitiveFieldName(name)).toBe(false);
      expect(redactRecord({ [name]: 'plain' })[name]).toBe('plain');
    },
  );

  it('treats benign words as exact names only', () => {
    expect(isSensitiveFieldName('monkey_count')).toBe(true);
  });

  it('keeps the allow-listed posture fields readable (auth_enabled, signing_key_status, ...)', () => {
    const out = redactRecord({
      event: 'security.posture',
      auth_enabled: true,
      signing_key_status: 'configured',
      signing_kids: ['k1'],
      signing_keys: [{ kid: 'k1', fingerprint: 'ab12cd34' }],
      active_kid: 'k1',
      fingerprints: [{ kid: 'k1', fingerprint: 'ab12cd34' }],
      insecure_no_auth: false,
    });
    expect(out.auth_enabled).toBe(true);
    expect(out.signing_key_status).toBe('configured');
    expect(out.signing_kids).toEqual(['k1']);
    expect(out.signing_keys).toEqual([{ kid: 'k1', fingerprint: 'ab12cd34' }]);
    expect(out.active_kid).toBe('k1');
    expect(out.fingerprints).toEqual([{ kid: 'k1', fingerprint: 'ab12cd34' }]);
    expect(out.insecure_no_auth).toBe(false);
    for (const name of SAFE_FIELD_NAMES) expect(isSensitiveFieldName(name)).toBe(false);
  });

  it('applies the name rule to nested objects and objects inside arrays', () => {
    const out = redactValue({
      req: { headers: { 'x-api-key': 'k', host: 'h' } },
      list: [{ token: 't', name: 'n' }],
      map: new Map<string, unknown>([
        ['password', 'p'],
        ['ok', 'v'],
      ]),
    });
    expect(out).toEqual({
      req: { headers: { 'x-api-key': REDACTED, host: 'h' } },
      list: [{ token: REDACTED, name: 'n' }],
      map: { password: REDACTED, ok: 'v' },
    });
  });

  it('redacts a sensitive field whatever its value type', () => {
    const out = redactRecord({ secret: { nested: 'x' }, token: 42, auth: null });
    expect(out).toEqual({ secret: REDACTED, token: REDACTED, auth: REDACTED });
  });
});

describe('value rule', () => {
  it('leaves strings that are already redaction markers alone', () => {
    expect(scrubString('[REDACTED]')).toBe('[REDACTED]');
    expect(scrubString(`[REDACTED-HEX64] ${HEX64}`)).toBe(`[REDACTED-HEX64] ${HEX64}`);
  });

  it.each([
    ['http://user:pass@example.com/x', 'http://***@example.com/x'],
    ['https://user:pass@example.com', 'https://***@example.com'],
    ['ftp://u:p@files.example.com/a', 'ftp://***@files.example.com/a'],
    ['ftps://u:p@files.example.com/a', 'ftps://***@files.example.com/a'],
    ['postgres://u:p@db/x', 'postgres://***@db/x'],
    ['postgresql+psycopg://u:p@db:5432/x', 'postgresql+psycopg://***@db:5432/x'],
    ['mysql+pymysql://root:pw@127.0.0.1/db', 'mysql+pymysql://***@127.0.0.1/db'],
    ['mariadb://u:p@h/d', 'mariadb://***@h/d'],
    ['mssql+pyodbc://u:p@h/d', 'mssql+pyodbc://***@h/d'],
    ['oracle+cx_oracle://u:p@h/d', 'oracle+cx_oracle://***@h/d'],
    ['mongodb+srv://u:p@cluster/d', 'mongodb+srv://***@cluster/d'],
    ['redis://:p@cache:6379', 'redis://***@cache:6379'],
    ['rediss://u:p@cache', 'rediss://***@cache'],
    ['amqps://u:p@mq/vhost', 'amqps://***@mq/vhost'],
    ['HTTPS://U:P@EXAMPLE.COM', 'HTTPS://***@EXAMPLE.COM'],
    ['https://@host/path', 'https://***@host/path'],
    ['https://u:p@ss@host/path', 'https://***@host/path'],
    ['fetch https://a:b@h1/x then https://c:d@h2/y', 'fetch https://***@h1/x then https://***@h2/y'],
  ])('scrubs URL userinfo in %s', (input, expected) => {
    expect(scrubString(input)).toBe(expected);
  });

  it.each([
    'gs://project@bucket/path',
    's3://owner@bucket/key',
    'az://container@account/blob',
    'https://example.com/user@domain',
    'mailto: someone@example.com',
  ])('leaves %s untouched', (input) => {
    expect(scrubString(input)).toBe(input);
  });

  it('replaces hex runs of 64 or more characters, whole run, either case', () => {
    expect(scrubString(`key=${HEX64}`)).toBe('key=[REDACTED-HEX64]');
    expect(scrubString(`${HEX64.toUpperCase()}${HEX64}`)).toBe('[REDACTED-HEX64]');
    expect(scrubString(`x ${HEX64} y ${HEX64}`)).toBe('x [REDACTED-HEX64] y [REDACTED-HEX64]');
  });

  it('does not apply the hex rule to runs shorter than 64', () => {
    const hex42 = HEX64.slice(0, 42);
    expect(scrubString(`digest ${hex42}`)).toBe(`digest ${hex42}`);
    // 63 hex chars are still a 43+ base64url run: the other rule catches them.
    expect(scrubString(`digest ${HEX64.slice(1)}`)).toBe('digest [REDACTED-B64URL43]');
  });

  it('replaces base64url runs of 43 or more characters', () => {
    expect(scrubString(`plaintext=${B64URL43}`)).toBe('plaintext=[REDACTED-B64URL43]');
    expect(scrubString(`${B64URL43}xyz.`)).toBe('[REDACTED-B64URL43].');
  });

  it('keeps base64url runs shorter than 43', () => {
    const s = B64URL43.slice(1);
    expect(scrubString(`v ${s} v`)).toBe(`v ${s} v`);
  });

  it('scrubs strings inside arrays, sets and nested objects', () => {
    const out = redactValue({
      a: [`${HEX64}`, 'ok'],
      s: new Set([`https://u:p@h/x`]),
      n: { deep: { deeper: B64URL43 } },
    });
    expect(out).toEqual({
      a: ['[REDACTED-HEX64]', 'ok'],
      s: ['https://***@h/x'],
      n: { deep: { deeper: '[REDACTED-B64URL43]' } },
    });
  });

  it('never logs raw bytes', () => {
    expect(redactValue(Buffer.alloc(32, 7))).toBe(REDACTED);
    expect(redactValue(Buffer.alloc(31, 7))).toBe('<bytes len=31>');
    expect(redactValue(new Uint8Array(40))).toBe(REDACTED);
    expect(redactValue(new Uint8Array(3).buffer)).toBe('<bytes len=3>');
    expect(redactValue(new Float64Array(4))).toBe(REDACTED); // 32 bytes
  });

  it('renders errors, dates, bigints and non-finite numbers as JSON-safe values', () => {
    const out = redactValue({
      e: new TypeError(`bad ${HEX64}`),
      d: new Date(0),
      b: 12n,
      n: Number.NaN,
      u: undefined,
      f: () => 1,
    }) as Record<string, unknown>;
    expect(out).toEqual({ e: 'TypeError: bad [REDACTED-HEX64]', d: '1970-01-01T00:00:00.000Z', b: '12', n: 'NaN' });
  });

  it('marks circular references instead of looping', () => {
    const a: Record<string, unknown> = { name: 'a' };
    a.self = a;
    expect(redactValue(a)).toEqual({ name: 'a', self: '[Circular]' });
  });

  it('uses toJSON when an object provides it, then redacts the result', () => {
    const obj = { toJSON: () => ({ password: 'x', kid: 'k' }) };
    expect(redactValue(obj)).toEqual({ password: REDACTED, kid: 'k' });
  });
});

describe('redaction failure', () => {
  it('replaces the record with [redaction_failed] instead of dropping it', () => {
    const record: Record<string, unknown> = {
      event: `an event name that is longer than sixty-four characters, ${'x '.repeat(20)}`,
      level: 'info',
      logger: 'recotem.test',
      timestamp: '2024-01-01T00:00:00.000Z',
    };
    Object.defineProperty(record, 'boom', {
      enumerable: true,
      get() {
        throw new RangeError('getter exploded');
      },
    });
    const out = redactRecord(record);
    expect(out.event).toBe('[redaction_failed]');
    expect(out.original_event).toBe(String(record.event).slice(0, 64));
    expect(out.redaction_error_class).toBe('RangeError');
    expect(out.level).toBe('info');
    expect(out.logger).toBe('recotem.test');
    expect(JSON.stringify(out)).not.toContain('getter exploded');
  });
});

describe('safeKid', () => {
  it('keeps [A-Za-z0-9_.:-] as is', () => {
    expect(safeKid('prod-2024_01.k:1')).toBe('prod-2024_01.k:1');
  });
  it('escapes other bytes as \\xHH (UTF-8 bytes for non-ASCII)', () => {
    expect(safeKid('a b')).toBe('a\\x20b');
    expect(safeKid('é')).toBe('\\xc3\\xa9');
    expect(safeKid('x\ny')).toBe('x\\x0ay');
  });
  it('truncates to 64 characters plus "..."', () => {
    expect(safeKid('k'.repeat(64))).toBe('k'.repeat(64));
    expect(safeKid('k'.repeat(65))).toBe(`${'k'.repeat(64)}...`);
    expect(safeKid(' '.repeat(30))).toBe(`${'\\x20'.repeat(16)}...`);
  });
  it('renders an empty kid as <empty>', () => {
    expect(safeKid('')).toBe('<empty>');
  });
});

describe('event names', () => {
  it('keeps long identifier-like event names readable while scrubbing look-alike values', () => {
    const name = 'source_registry_unavailable_during_validation';
    const out = redactRecord({ event: name, detail: name });
    expect(out.event).toBe(name);
    expect(out.detail).toBe('[REDACTED-B64URL43]');
  });
  it('still scrubs an event value that is not an identifier', () => {
    const secret = 'a'.repeat(64);
    expect(redactRecord({ event: `x ${secret}` }).event).toBe('x [REDACTED-HEX64]');
  });
});

describe('digest fields', () => {
  const digest = 'ab'.repeat(32);
  it('keeps recipe hashes and model versions readable', () => {
    const out = redactRecord({ event: 'x', recipe_hash: digest, model_version: `sha256:${digest}` });
    expect(out.recipe_hash).toBe(digest);
    expect(out.model_version).toBe(`sha256:${digest}`);
  });
  it('still scrubs the same value under any other name, or anything more than a digest there', () => {
    const out = redactRecord({ event: 'x', note: digest, recipe_hash: `${digest} extra` });
    expect(out.note).toBe('[REDACTED-HEX64]');
    expect(out.recipe_hash).toBe('[REDACTED-HEX64] extra');
  });
});
