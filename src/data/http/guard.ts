/**
 * SSRF host check, shared by the HTTP fetcher and the SQL DSN guard:
 * resolve every A/AAAA record and refuse when any of them is internal.
 */
import { promises as dns } from 'node:dns';
import { isIP } from 'node:net';
import { HttpFetchError } from '../../errors/index.js';
import { isInternalAddress } from './ip.js';

/** Resolves a hostname to its distinct addresses (A and AAAA). Injectable for tests. */
export type LookupFn = (hostname: string) => Promise<string[]>;

export const systemLookup: LookupFn = async (hostname) => {
  const answers = await dns.lookup(hostname, { all: true, verbatim: true });
  return [...new Set(answers.map((a) => a.address))];
};

/** `[::1]` → `::1`; other hosts unchanged. */
export function stripBrackets(host: string): string {
  return host.startsWith('[') && host.endsWith(']') ? host.slice(1, -1) : host;
}

export type HostCheckFailure = 'unresolvable' | 'internal';

/** The host check's refusal; `failure` lets the SQL guard phrase its own message around it. */
export class HostCheckError extends HttpFetchError {
  override name = 'HttpFetchError';
  constructor(
    message: string,
    readonly failure: HostCheckFailure,
    readonly address?: string,
  ) {
    super(message);
  }
}

/**
 * Resolves `host` and throws {@link HostCheckError} when it does not resolve or any address is
 * internal. Returns the resolved addresses in resolver order (the first one is the pin).
 * `urlForMessage` is the already-redacted URL named in messages.
 */
export async function checkHost(
  host: string,
  urlForMessage: string,
  lookup: LookupFn = systemLookup,
  isInternal: (ip: string) => boolean = isInternalAddress,
): Promise<string[]> {
  const bare = stripBrackets(host);
  let addresses: string[];
  if (isIP(bare.split('%')[0])) {
    addresses = [bare];
  } else {
    try {
      addresses = await lookup(bare);
    } catch {
      addresses = [];
    }
  }
  if (addresses.length === 0) {
    throw new HostCheckError(
      `Refusing fetch to ${urlForMessage}: hostname does not resolve. Set RECOTEM_HTTP_ALLOW_PRIVATE=1 to bypass for offline tests.`,
      'unresolvable',
    );
  }
  for (const ip of addresses) {
    if (isInternal(ip)) {
      throw new HostCheckError(
        `Refusing fetch to private/internal address for ${urlForMessage} (resolved to ${ip}). Set RECOTEM_HTTP_ALLOW_PRIVATE=1 to allow internal HTTP origins.`,
        'internal',
        ip,
      );
    }
  }
  return addresses;
}
