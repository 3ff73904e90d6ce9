import { sendPlainText } from '../errors.js';
import { globalPlugin } from './global.js';

export function hostName(header: string | undefined): string {
  if (!header) return '';
  const value = header.trim().toLowerCase();
  if (value.startsWith('[')) {
    const close = value.indexOf(']');
    return close === -1 ? value : value.slice(0, close + 1);
  }
  const colon = value.indexOf(':');
  return colon === -1 ? value : value.slice(0, colon);
}

/**
 * `www.<host>[:port]` for the redirect, rebuilt from the parsed host name and a purely numeric
 * port: the raw header may carry `@`, `/` or other text that would send the client elsewhere.
 */
export function wwwAuthority(header: string | undefined): string {
  const name = hostName(header);
  const rest = (header ?? '').trim().slice(name.length);
  const port = /^:(\d{1,5})$/.exec(rest)?.[1];
  return port === undefined ? `www.${name}` : `www.${name}:${port}`;
}

export type HostVerdict = 'allow' | 'deny' | 'www';

export function checkHost(host: string, allowed: readonly string[]): HostVerdict {
  let www = false;
  const bare = host.startsWith('[') && host.endsWith(']') ? host.slice(1, -1) : null;
  for (const raw of allowed) {
    const pattern = raw.toLowerCase();
    if (pattern === '*' || pattern === host || (bare !== null && pattern === bare)) return 'allow';
    if (pattern.startsWith('*.') && host.endsWith(pattern.slice(1))) return 'allow';
    if (pattern === `www.${host}`) www = true;
  }
  return www ? 'www' : 'deny';
}

export const hostPlugin = globalPlugin<{ allowedHosts: readonly string[] }>(
  'recotem-host-allow-list',
  (app, opts, done) => {
    const allowed = opts.allowedHosts;
    const allowAll = allowed.includes('*');
    app.addHook('onRequest', (request, reply, next) => {
      if (allowAll) return next();
      const verdict = checkHost(hostName(request.headers.host), allowed);
      if (verdict === 'allow') return next();
      if (verdict === 'www') {
        reply.redirect(`http://${wwwAuthority(request.headers.host)}${request.url}`, 307);
        return;
      }
      sendPlainText(reply, 400, 'Invalid host header');
    });
    done();
  },
);
