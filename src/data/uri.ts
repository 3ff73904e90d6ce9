/** Path/URI helpers shared by sources, metadata loading and the storage layer. */
import { fileURLToPath } from 'node:url';

/** Lower-cased RFC-3986 scheme of `path`, or '' for a bare path (like Python `urlparse`). */
export function schemeOf(path: string): string {
  const m = /^([A-Za-z][A-Za-z0-9+.-]*):/.exec(path);
  return m ? m[1].toLowerCase() : '';
}

export function isHttpUrl(path: string): boolean {
  const s = schemeOf(path);
  return s === 'http' || s === 'https';
}

export const OBJECT_STORE_SCHEMES: ReadonlySet<string> = new Set(['s3', 'gs', 'az', 'abfs', 'abfss']);

export function isObjectStoreUri(path: string): boolean {
  return OBJECT_STORE_SCHEMES.has(schemeOf(path));
}

/** Bare paths and file:// URIs are local. */
export function isLocalPath(path: string): boolean {
  const s = schemeOf(path);
  return s === '' || s === 'file';
}

/**
 * The filesystem path of a local input: bare paths unchanged; `file://host/p` → `/p` with
 * percent-decoding (the host part is ignored, so `file://localhost/x` works).
 */
export function localPathOf(path: string): string {
  if (schemeOf(path) !== 'file') return path;
  const rest = path.slice('file:'.length);
  if (!rest.startsWith('//')) return decodeURIComponent(rest);
  const afterHost = rest.slice(2).replace(/^[^/]*/, '');
  return fileURLToPath(`file://${afterHost || '/'}`);
}

const USERINFO_SCHEMES = new Set(['http', 'https', 'ftp', 'ftps']);

/** Removes `user:pass@` from http(s)/ftp(s) URLs for logs and messages. */
export function redactUrl(url: string): string {
  if (!USERINFO_SCHEMES.has(schemeOf(url))) return url;
  return url.replace(/^([A-Za-z][A-Za-z0-9+.-]*:\/\/)[^/?#@]*@/, '$1');
}

/** For log fields: everything before the first `@` is kept (e.g. `size_cap_probe_failed`). */
export function truncateBeforeAt(path: string): string {
  const at = path.indexOf('@');
  return at < 0 ? path : path.slice(0, at);
}

/** Suffix of the path component (URL query and fragment ignored), lower-cased: `.gz`, `.csv`, ''. */
export function pathSuffix(path: string): string {
  let p = path;
  if (schemeOf(path) !== '' && schemeOf(path) !== 'file') {
    try {
      p = new URL(path).pathname;
    } catch {
      p = path.replace(/[?#].*$/, '');
    }
  }
  const base = p.slice(p.lastIndexOf('/') + 1);
  const dot = base.lastIndexOf('.');
  return dot <= 0 ? '' : base.slice(dot).toLowerCase();
}
