/** URI helpers shared by the stores, the reader and the writer. */
import { fileURLToPath } from 'node:url';

/** Lower-case URI scheme, or undefined for a bare path. */
export function uriScheme(uri: string): string | undefined {
  const m = /^([A-Za-z][A-Za-z0-9+.-]*):\/\//.exec(uri);
  return m ? m[1].toLowerCase() : undefined;
}

/** Local filesystem path for a bare path or a `file://` URI; undefined for other schemes. */
export function localPathOf(uri: string): string | undefined {
  const scheme = uriScheme(uri);
  if (scheme === undefined) return uri;
  if (scheme === 'file') return fileURLToPath(uri);
  return undefined;
}

/** The URI of a sibling object: same directory (or key prefix), different final name. */
export function siblingUri(uri: string, name: string): string {
  const slash = uri.lastIndexOf('/');
  return slash < 0 ? name : `${uri.slice(0, slash + 1)}${name}`;
}

/** Final path segment of a path or URI. */
export function baseName(uri: string): string {
  return uri.slice(uri.lastIndexOf('/') + 1);
}

/**
 * Repair a collapsed `scheme:/x` (produced by naive path normalisation) into `scheme://x`.
 */
export function repairCollapsedScheme(uri: string): string {
  if (!/^[a-z][a-z0-9+.-]+:\/[^/]/.test(uri)) return uri;
  // `file:///abs` collapses to `file:/abs`; its repair keeps the empty host.
  if (uri.startsWith('file:/')) return `file:///${uri.slice('file:/'.length)}`;
  return uri.replace(/^([a-z][a-z0-9+.-]+):\//, '$1://');
}
