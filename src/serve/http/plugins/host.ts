/**
 * Host allow-list (TrustedHost semantics, stricter): the request names exactly one Host header,
 * that header is a well-formed `host[:port]` (no userinfo, no path, a numeric port up to 65535),
 * and its host — plus the port when the allow-list entry names one — is allowed. A request line in
 * absolute form (`GET http://other.example/...`) must name an allowed authority too, since that is
 * the host HTTP/1.1 tells a server to use. The www redirect is built from the parsed host and path,
 * never from raw text.
 */
import type { IncomingMessage } from 'node:http';
import { sendPlainText } from '../errors.js';
import { globalPlugin } from './global.js';

export interface Authority {
  /** Lower-cased; IPv6 literals keep their brackets. */
  host: string;
  port: string | null;
}

const AUTHORITY = /^(\[[0-9a-f:.]+\]|[a-z0-9_-]+(?:\.[a-z0-9_-]+)*\.?)(?::(\d{1,5}))?$/;

/** `host[:port]` of a Host header or URL authority, or null when it is anything else. */
export function parseAuthority(value: string | undefined): Authority | null {
  if (value === undefined) return null;
  const m = AUTHORITY.exec(value.trim().toLowerCase());
  if (m === null) return null;
  const port = m[2] ?? null;
  if (port !== null && (Number(port) < 1 || Number(port) > 65535)) return null;
  return { host: m[1], port };
}

/** The host part of a Host header ('' when it is not a well-formed authority). */
export function hostName(header: string | undefined): string {
  return parseAuthority(header)?.host ?? '';
}

export type HostVerdict = 'allow' | 'deny' | 'www';

/** An allow-list entry: `host`, `*.suffix`, `*`, a bare or bracketed IPv6 literal, optionally `:port`. */
function entryOf(raw: string): { host: string; port: string | null } {
  const pattern = raw.trim().toLowerCase();
  const bareIpv6 = !pattern.startsWith('[') && (pattern.match(/:/g)?.length ?? 0) > 1;
  const m = bareIpv6 ? null : /^(.*):(\d{1,5})$/.exec(pattern);
  return m === null ? { host: pattern, port: null } : { host: m[1], port: m[2] };
}

export function checkHost(host: string, allowed: readonly string[], port: string | null = null): HostVerdict {
  if (host === '') return 'deny';
  let www = false;
  const bare = host.startsWith('[') && host.endsWith(']') ? host.slice(1, -1) : null;
  for (const raw of allowed) {
    const entry = entryOf(raw);
    if (entry.port !== null && entry.port !== port) continue;
    const p = entry.host;
    if (p === '*' || p === host || (bare !== null && p === bare)) return 'allow';
    if (p.startsWith('*.') && host.endsWith(p.slice(1))) return 'allow';
    if (p === `www.${host}`) www = true;
  }
  return www ? 'www' : 'deny';
}

const ABSOLUTE_FORM = /^([a-z][a-z0-9+.-]*):\/\/([^/?#]*)([^#]*)$/i;

export interface RequestTarget {
  /** The authority of an absolute-form request line, when there is one. */
  authority: Authority | null;
  /** Path and query (origin form). */
  path: string;
  malformed: boolean;
}

/** Splits the raw request target; an absolute form with userinfo or another scheme is malformed. */
export function requestTarget(rawUrl: string): RequestTarget {
  if (!/^[a-z][a-z0-9+.-]*:\/\//i.test(rawUrl)) return { authority: null, path: rawUrl, malformed: false };
  const m = ABSOLUTE_FORM.exec(rawUrl);
  const scheme = m?.[1].toLowerCase();
  const authority = m !== null ? parseAuthority(m[2]) : null;
  if (m === null || (scheme !== 'http' && scheme !== 'https') || authority === null) {
    return { authority: null, path: '/', malformed: true };
  }
  const path = m[3] === '' ? '/' : m[3].startsWith('/') ? m[3] : `/${m[3]}`;
  return { authority, path, malformed: false };
}

/** Number of Host header lines the client sent (Node keeps only the first in `headers.host`). */
function hostHeaderCount(raw: IncomingMessage): number {
  let n = 0;
  for (let i = 0; i < raw.rawHeaders.length; i += 2) if (raw.rawHeaders[i].toLowerCase() === 'host') n++;
  return n;
}

export type HostDecision = { kind: 'allow' } | { kind: 'deny' } | { kind: 'redirect'; location: string };

export function decideHost(raw: IncomingMessage, allowed: readonly string[]): HostDecision {
  if (hostHeaderCount(raw) > 1) return { kind: 'deny' };
  const header = parseAuthority(raw.headers.host);
  const target = requestTarget(raw.url ?? '/');
  if (header === null || target.malformed) return { kind: 'deny' };
  const verdicts = [checkHost(header.host, allowed, header.port)];
  if (target.authority !== null) verdicts.push(checkHost(target.authority.host, allowed, target.authority.port));
  if (verdicts.includes('deny')) return { kind: 'deny' };
  if (verdicts.every((v) => v === 'allow')) return { kind: 'allow' };
  // Redirect to the www form of the host that needs it (the authority when both do).
  const named = target.authority !== null && verdicts[1] === 'www' ? target.authority : header;
  const authority = named.port === null ? `www.${named.host}` : `www.${named.host}:${named.port}`;
  return { kind: 'redirect', location: `http://${authority}${target.path}` };
}

export const hostPlugin = globalPlugin<{ allowedHosts: readonly string[] }>(
  'recotem-host-allow-list',
  (app, opts, done) => {
    const allowed = opts.allowedHosts;
    app.addHook('onRequest', (request, reply, next) => {
      const decision = decideHost(request.raw, allowed);
      if (decision.kind === 'allow') return next();
      if (decision.kind === 'redirect') {
        reply.redirect(decision.location, 307);
        return;
      }
      sendPlainText(reply, 400, 'Invalid host header');
    });
    done();
  },
);
