/**
 * Log redaction. Runs last, over the final record: bindings, request
 * context and the rendered exception text are all scrubbed, not only the event's own fields.
 */

export const REDACTED = '[REDACTED]';

const SENSITIVE_EXACT = new Set([
  'x-api-key',
  'authorization',
  'cookie',
  'recotem_signing_key',
  'recotem_signing_keys',
  'recotem_api_keys',
]);
const BENIGN_EXACT = new Set(['monkey', 'turkey', 'donkey', 'hockey', 'jockey']);
const SENSITIVE_PREFIXES = ['aws_', 'gcp_', 'google_', 'azure_'];
// `key(?!s\b)`: `keys`, `signing_keys` pass; `apikey`, `api_key`, `key_id`, `keyspace` do not.
const SENSITIVE_SUBSTRING = /secret|password|passwd|token|key(?!s\b)|auth|bearer|cred|private/;

/**
 * Field names that carry no secret but would trip the substring rule. Operators alert on these
 * (security.posture), so they must stay readable.
 */
export const SAFE_FIELD_NAMES: ReadonlySet<string> = new Set([
  'auth_enabled',
  'auth_mode',
  'signing_key_status',
  'signing_keys',
  'signing_kids',
  'signing_key_count',
  'active_kid',
  'kid',
  'kids',
  'fingerprint',
  'fingerprints',
  'unsafe_mode',
  'insecure_no_auth',
  'dev_allow_unsigned',
  'auth_missing_header',
  'auth_invalid_key',
  'auth_short_key_rejected',
  'auth_oversized_header',
  'auth_anonymous_bypass',
  'auth_anonymous_bypass_first_seen',
]);

/** True when a field's value must be replaced by `[REDACTED]` because of the field's name. */
export function isSensitiveFieldName(name: string): boolean {
  const lower = name.toLowerCase();
  if (SAFE_FIELD_NAMES.has(lower)) return false;
  if (SENSITIVE_EXACT.has(lower)) return true;
  if (BENIGN_EXACT.has(lower)) return false;
  for (const prefix of SENSITIVE_PREFIXES) if (lower.startsWith(prefix)) return true;
  return SENSITIVE_SUBSTRING.test(lower);
}

const CREDENTIAL_SCHEMES =
  'https?|ftps?|postgres(?:ql)?(?:\\+[A-Za-z0-9_]+)?|mysql(?:\\+[A-Za-z0-9_]+)?|mariadb(?:\\+[A-Za-z0-9_]+)?|' +
  'mssql(?:\\+[A-Za-z0-9_]+)?|oracle(?:\\+[A-Za-z0-9_]+)?|mongodb(?:\\+srv)?|rediss?|amqps?';
// Userinfo runs to the last `@` inside the authority (passwords may hold a raw `@`).
const URL_USERINFO = new RegExp(`(?<![A-Za-z0-9+.-])(${CREDENTIAL_SCHEMES})://[^/?#\\s]*@`, 'gi');
const HEX_RUN = /(?<![0-9a-fA-F])[0-9a-fA-F]{64,}(?![0-9a-fA-F])/g;
const B64URL_RUN = /(?<![A-Za-z0-9_-])[A-Za-z0-9_-]{43,}(?![A-Za-z0-9_-])/g;

/** Value rule for one string: URL userinfo, long hex runs, long base64url runs. */
export function scrubString(value: string): string {
  if (value.startsWith('[REDACTED')) return value;
  let out = value;
  if (out.includes('://')) out = out.replace(URL_USERINFO, (_m, scheme: string) => `${scheme}://***@`);
  out = out.replace(HEX_RUN, '[REDACTED-HEX64]');
  out = out.replace(B64URL_RUN, '[REDACTED-B64URL43]');
  return out;
}

const MAX_DEPTH = 8;

function redactBytes(bytes: Uint8Array): string {
  // The hex form of 32+ bytes is a 64-hex run: a plausible key. Shorter blobs only show their size.
  return bytes.length * 2 >= 64 ? REDACTED : `<bytes len=${bytes.length}>`;
}

function asBytes(value: object): Uint8Array | undefined {
  if (value instanceof Uint8Array) return value;
  if (value instanceof ArrayBuffer) return new Uint8Array(value);
  if (ArrayBuffer.isView(value)) return new Uint8Array(value.buffer, value.byteOffset, value.byteLength);
  return undefined;
}

/**
 * Fields that by name hold a public content digest (never key material). Their value is kept when
 * it is exactly a digest, so operators can correlate recipe hashes and model versions in logs.
 */
const DIGEST_FIELDS = new Set(['recipe_hash', 'model_version', 'previous_model_version', 'config_digest', 'sha256']);
const DIGEST_VALUE = /^(?:sha256:)?[0-9a-f]{64}$/;

function redactObjectEntries(entries: Iterable<[string, unknown]>, depth: number, ancestors: Set<object>) {
  const out: Record<string, unknown> = {};
  for (const [key, val] of entries) {
    if (isSensitiveFieldName(key)) {
      out[key] = REDACTED;
      continue;
    }
    if (typeof val === 'string' && DIGEST_FIELDS.has(key.toLowerCase()) && DIGEST_VALUE.test(val)) {
      out[key] = val;
      continue;
    }
    const red = redactAny(val, depth + 1, ancestors);
    if (red !== undefined) out[key] = red;
  }
  return out;
}

function redactAny(value: unknown, depth: number, ancestors: Set<object>): unknown {
  switch (typeof value) {
    case 'string':
      return scrubString(value);
    case 'number':
      return Number.isFinite(value) ? value : String(value);
    case 'boolean':
      return value;
    case 'bigint':
      return value.toString();
    case 'symbol':
      return scrubString(value.toString());
    case 'undefined':
    case 'function':
      return undefined;
  }
  if (value === null) return null;
  const obj = value as object;
  const bytes = asBytes(obj);
  if (bytes) return redactBytes(bytes);
  if (obj instanceof Error) return scrubString(`${obj.name}: ${obj.message}`);
  if (obj instanceof Date) return Number.isNaN(obj.getTime()) ? 'Invalid Date' : obj.toISOString();
  if (depth >= MAX_DEPTH) return '[Truncated]';
  if (ancestors.has(obj)) return '[Circular]';
  ancestors.add(obj);
  try {
    if (Array.isArray(obj) || obj instanceof Set) {
      return Array.from(obj as Iterable<unknown>, (item) => {
        const red = redactAny(item, depth + 1, ancestors);
        return red === undefined ? null : red;
      });
    }
    if (obj instanceof Map) {
      return redactObjectEntries(
        Array.from(obj.entries(), ([k, v]) => [String(k), v] as [string, unknown]),
        depth,
        ancestors,
      );
    }
    const toJSON = (obj as { toJSON?: unknown }).toJSON;
    if (typeof toJSON === 'function') return redactAny(toJSON.call(obj), depth + 1, ancestors);
    return redactObjectEntries(Object.entries(obj), depth, ancestors);
  } finally {
    ancestors.delete(obj);
  }
}

/**
 * Redacts one value (any JSON-ish shape, plus Buffers, Maps, Sets, Errors, Dates) and returns a
 * JSON-safe copy. Object keys are checked by name at every depth; strings are scrubbed.
 * Throws only if reading the value throws (e.g. a throwing getter).
 */
export function redactValue(value: unknown): unknown {
  return redactAny(value, 0, new Set());
}

/** The record that replaces one whose redaction (or construction) threw. */
export function redactionFailureRecord(record: Record<string, unknown>, err: unknown): Record<string, unknown> {
  let originalEvent = '<unavailable>';
  try {
    originalEvent = scrubString(String(record.event).slice(0, 64));
  } catch {
    // keep the placeholder: the record must still be emitted
  }
  const out: Record<string, unknown> = { event: '[redaction_failed]' };
  for (const k of ['level', 'logger', 'timestamp']) {
    try {
      if (typeof record[k] === 'string') out[k] = record[k];
    } catch {
      // a hostile getter on a standard field: leave it out
    }
  }
  out.original_event = originalEvent;
  out.redaction_error_class = err instanceof Error ? err.name || err.constructor.name : typeof err;
  return out;
}

/**
 * Redacts a whole log record. Never throws: if redaction fails the record is replaced by a
 * `[redaction_failed]` record (never dropped, never emitted unredacted).
 */
/** Event names are identifiers chosen by the code, never data: they are not scrubbed. */
const EVENT_NAME = /^[A-Za-z][A-Za-z0-9_.]*$/;

export function redactRecord(record: Record<string, unknown>): Record<string, unknown> {
  try {
    const out = redactObjectEntries(Object.entries(record), 0, new Set([record]));
    if (typeof record.event === 'string' && EVENT_NAME.test(record.event)) out.event = record.event;
    return out;
  } catch (err) {
    return redactionFailureRecord(record, err);
  }
}

const SAFE_KID_CHAR = /[A-Za-z0-9_.:-]/;
const SAFE_KID_MAX = 64;

/**
 * Log-safe rendering of a key id read from an untrusted artifact: bytes outside `[A-Za-z0-9_.:-]`
 * become `\xHH`, the result is cut to 64 characters plus `...`, and an empty kid is `<empty>`.
 */
export function safeKid(kid: unknown): string {
  const text = typeof kid === 'string' ? kid : String(kid);
  if (text.length === 0) return '<empty>';
  let out = '';
  for (const ch of text) {
    if (SAFE_KID_CHAR.test(ch)) {
      out += ch;
    } else {
      for (const byte of Buffer.from(ch, 'utf8')) out += `\\x${byte.toString(16).padStart(2, '0')}`;
    }
    if (out.length > SAFE_KID_MAX) break;
  }
  return out.length > SAFE_KID_MAX ? `${out.slice(0, SAFE_KID_MAX)}...` : out;
}
