/**
 * Path policy for recipe paths: scheme allow-lists, chained-protocol and embedded
 * credential refusal. Scheme extraction follows Python's `urllib.parse.urlsplit` (3.12) so the
 * same strings are accepted as by the original.
 */
import { RecipeError } from '../errors/index.js';
import { pyList } from './text.js';

export interface SplitUrl {
  /** Lower-cased; empty for a bare path. */
  readonly scheme: string;
  /** Authority (`user:pass@host:port`); empty when there is none. */
  readonly netloc: string;
  /** Path part (query and fragment removed). */
  readonly path: string;
}

const SCHEME_CHARS = /^[A-Za-z0-9+.-]+$/;

/**
 * `urlsplit` as Python 3.12 does it: strips leading C0 controls and spaces, removes tab/CR/LF
 * anywhere, takes the scheme before the first `:` when it is a valid scheme token starting with an
 * ASCII letter, and the authority after `//` up to the first `/`, `?` or `#`.
 */
export function splitUrl(raw: string): SplitUrl {
  let start = 0;
  // Python strips leading C0 control characters and spaces (code points up to U+0020).
  while (start < raw.length && raw.charCodeAt(start) <= 0x20) start++;
  let url = raw.slice(start).replace(/[\t\r\n]/g, '');
  let scheme = '';
  const colon = url.indexOf(':');
  if (colon > 0 && /^[A-Za-z]/.test(url) && SCHEME_CHARS.test(url.slice(0, colon))) {
    scheme = url.slice(0, colon).toLowerCase();
    url = url.slice(colon + 1);
  }
  let netloc = '';
  if (url.startsWith('//')) {
    let end = url.length;
    for (const delimiter of ['/', '?', '#']) {
      const at = url.indexOf(delimiter, 2);
      if (at >= 0 && at < end) end = at;
    }
    netloc = url.slice(2, end);
    url = url.slice(end);
  }
  const hash = url.indexOf('#');
  if (hash >= 0) url = url.slice(0, hash);
  const query = url.indexOf('?');
  if (query >= 0) url = url.slice(0, query);
  return { scheme, netloc, path: url };
}

export const INPUT_SCHEMES: readonly string[] = ['', 'file', 's3', 'gs', 'az', 'abfs', 'abfss', 'http', 'https'];
export const OUTPUT_SCHEMES: readonly string[] = ['', 'file', 's3', 'gs', 'az', 'abfs', 'abfss'];
/** Schemes where `user@` in the authority means credentials (gs/az use `@` for addressing). */
export const CREDENTIAL_CHECKED_SCHEMES: readonly string[] = ['http', 'https', 'ftp', 'ftps', 's3', 'abfs', 'abfss'];
export const NETWORK_SCHEMES: readonly string[] = ['http', 'https'];
export const REMOTE_OUTPUT_SCHEMES: readonly string[] = ['s3', 'gs', 'az', 'abfs', 'abfss'];

export type PathFailure = (message: string) => never;

function security(message: string): RecipeError {
  return new RecipeError(message, { category: 'security' });
}

function rejectChained(field: string, value: string, fail: PathFailure): void {
  if (value.includes('::')) {
    fail(`'${field}' uses a chained scheme (contains '::'). Chained fsspec protocols are not permitted in recipes.`);
  }
}

function rejectCredentials(field: string, url: SplitUrl, fail: PathFailure): void {
  // Any `@` in the authority is treated as userinfo, even an empty one: safer than Python's check.
  if (CREDENTIAL_CHECKED_SCHEMES.includes(url.scheme) && url.netloc.includes('@')) {
    fail(`'${field}' contains embedded credentials in the URI. Use environment-based authentication instead.`);
  }
}

const defaultFail: PathFailure = (message) => {
  throw security(message);
};

/** `source.path` / `item_metadata.path`. */
export function checkInputPath(field: string, value: string, fail: PathFailure = defaultFail): void {
  rejectChained(field, value, fail);
  const url = splitUrl(value);
  rejectCredentials(field, url, fail);
  if (!INPUT_SCHEMES.includes(url.scheme)) {
    fail(
      `'${field}' uses scheme '${url.scheme}://' which is not supported for input paths. ` +
        `Allowed: ${pyList([...INPUT_SCHEMES].sort())}`,
    );
  }
}

/** `output.path`, plus the chained-scheme refusal the original skips. */
export function checkOutputPath(value: string, fail: PathFailure = defaultFail): void {
  const field = 'output.path';
  rejectChained(field, value, fail);
  const url = splitUrl(value);
  rejectCredentials(field, url, fail);
  if (!OUTPUT_SCHEMES.includes(url.scheme)) {
    fail(
      `'${field}' uses scheme '${url.scheme}://' which is not supported. Allowed: ${pyList([...OUTPUT_SCHEMES].sort())}`,
    );
  }
  if (url.scheme === 'file') {
    const host = url.netloc.toLowerCase();
    if (host !== '' && host !== 'localhost') {
      fail(
        `'${field}' uses a file:// URI with host '${url.netloc}', which is ambiguous as a local path. ` +
          `Use 'file:///absolute/path' (no host) or a plain path instead.`,
      );
    }
  }
}

/** True for http/https paths, which need a sha256 pin. */
export function networkScheme(value: string): string | undefined {
  const { scheme } = splitUrl(value);
  return NETWORK_SCHEMES.includes(scheme) ? scheme : undefined;
}

/** Python's `unquote`: `%XX` sequences are UTF-8 bytes; malformed sequences stay literal. */
export function percentDecode(text: string): string {
  return text.replace(/(?:%[0-9a-fA-F]{2})+/g, (run) => {
    const bytes = new Uint8Array(run.length / 3);
    for (let i = 0; i < bytes.length; i++) bytes[i] = Number.parseInt(run.slice(i * 3 + 1, i * 3 + 3), 16);
    return new TextDecoder('utf-8').decode(bytes);
  });
}

/**
 * The local filesystem path of a bare path or `file://` URI (host ignored, path percent-decoded);
 * undefined for remote schemes.
 */
export function localPathOf(value: string): string | undefined {
  const url = splitUrl(value);
  if (url.scheme === '') return value;
  if (url.scheme === 'file') return percentDecode(url.path);
  return undefined;
}
