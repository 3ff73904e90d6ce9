/**
 * The shared HTTP(S) fetcher: GET with an SSRF guard before every hop, the
 * connection pinned to the checked address and re-checked on the connected socket, redirects
 * followed by hand with per-hop rules, inactivity timeouts and a byte cap enforced while reading.
 * Every failure is an HttpFetchError (exit 7 through any wrapping).
 */
import type { Socket } from 'node:net';
import { Agent, buildConnector, errors as undiciErrors } from 'undici';
import { HttpFetchError, isFatalRuntimeError } from '../../errors/index.js';
import { getLogger, type LogFields } from '../../log/index.js';
import { httpAllowPrivate, httpTimeoutSeconds, maxDownloadBytes } from '../limits.js';
import { redactUrl, schemeOf } from '../uri.js';
import { checkHost, type LookupFn, stripBrackets, systemLookup } from './guard.js';
import { isInternalAddress } from './ip.js';

const log = getLogger('recotem.data.http');

export const MAX_REDIRECTS = 5;
const REDIRECT_STATUSES = new Set([301, 302, 303, 307, 308]);

export interface HttpFetchOptions {
  /** Byte cap; default `RECOTEM_MAX_DOWNLOAD_BYTES`. A body of exactly this size is accepted. */
  capBytes?: number;
  /** Connect and per-read inactivity timeout; default `RECOTEM_HTTP_TIMEOUT_SECONDS`. */
  timeoutSeconds?: number;
  /** Skip the SSRF guard; default `RECOTEM_HTTP_ALLOW_PRIVATE`. */
  allowPrivate?: boolean;
  /** Log event prefix, e.g. `csv_source` → `csv_source_redirect`. */
  logPrefix?: string;
  /** Extra fields on every log record (recipe, run_id). */
  logContext?: LogFields;
  /** Resolver used by the guard (tests inject changing answers). */
  lookup?: LookupFn;
  /** Extra trusted CA certificates (PEM), on top of the system store. */
  ca?: string | Buffer | Array<string | Buffer>;
  /** Address classifier of the guard; tests substitute one that treats their loopback server as public. */
  isInternal?: (ip: string) => boolean;
}

export interface HttpFetchResult {
  bytes: Buffer;
  /** The URL that produced the body, after redirects (userinfo redacted). */
  finalUrl: string;
  status: number;
}

/** GETs `url` and returns its body, following at most four redirects. */
export async function httpFetch(url: string, options: HttpFetchOptions = {}): Promise<HttpFetchResult> {
  const cap = options.capBytes ?? maxDownloadBytes();
  const timeoutSeconds = options.timeoutSeconds ?? httpTimeoutSeconds();
  const allowPrivate = options.allowPrivate ?? httpAllowPrivate();
  const prefix = options.logPrefix ?? 'http_fetch';
  const context = options.logContext ?? {};
  const lookup = options.lookup ?? systemLookup;
  const isInternal = options.isInternal ?? isInternalAddress;

  let current = url;
  const originalScheme = schemeOf(url);
  const visited = new Set<string>();
  let redirects = 0;
  for (;;) {
    const shown = redactUrl(current);
    if (redirects >= MAX_REDIRECTS)
      throw new HttpFetchError(`Too many redirects (>=${MAX_REDIRECTS}) fetching ${shown}`);
    if (visited.has(current)) throw new HttpFetchError(`Redirect loop detected fetching ${shown}`);
    visited.add(current);

    if (!hasAuthorityHost(current)) throw new HttpFetchError(`Refusing fetch to URL without a host: ${shown}`);
    let target: URL;
    try {
      target = new URL(current);
    } catch {
      throw new HttpFetchError(`URL error fetching ${shown}: invalid URL`);
    }
    if (!target.hostname) throw new HttpFetchError(`Refusing fetch to URL without a host: ${shown}`);
    const pinned = allowPrivate ? null : (await checkHost(target.hostname, shown, lookup, isInternal))[0];

    const agent = createAgent({
      pinned,
      hostname: stripBrackets(target.hostname),
      timeoutSeconds,
      ca: options.ca,
      isInternal,
    });
    try {
      const response = await sendGet(agent, target, shown, timeoutSeconds);
      if (REDIRECT_STATUSES.has(response.statusCode)) {
        await response.body.dump().catch(() => undefined);
        const location = response.headers.location;
        const loc = Array.isArray(location) ? location[0] : location;
        if (!loc) throw new HttpFetchError(`HTTP ${response.statusCode} from ${shown} without Location header`);
        let next: URL;
        try {
          next = new URL(loc, target);
        } catch {
          throw new HttpFetchError(`URL error fetching ${shown}: invalid redirect Location`);
        }
        redirects += 1;
        if (next.username || next.password) {
          throw new HttpFetchError(`Refusing redirect with embedded credentials from ${shown}`);
        }
        const nextScheme = next.protocol.slice(0, -1).toLowerCase();
        if (nextScheme !== 'http' && nextScheme !== 'https') {
          throw new HttpFetchError(
            `Refusing redirect from ${shown} to disallowed scheme '${nextScheme}://' (only http and https are followed)`,
          );
        }
        if (nextScheme !== originalScheme) {
          throw new HttpFetchError(
            `Refusing scheme-changing redirect from ${shown} to ${redactUrl(next.href)} (${originalScheme}:// to ${nextScheme}://)`,
          );
        }
        log.info(`${prefix}_redirect`, {
          ...context,
          from_: shown,
          to: redactUrl(next.href),
          status: response.statusCode,
        });
        current = next.href;
        continue;
      }
      if (response.statusCode >= 400) {
        await response.body.dump().catch(() => undefined);
        throw new HttpFetchError(`HTTP ${response.statusCode} fetching ${shown}`);
      }
      const bytes = await readCapped(response.body, cap, shown, timeoutSeconds, prefix, context);
      return { bytes, finalUrl: shown, status: response.statusCode };
    } finally {
      agent.destroy().catch(() => undefined);
    }
  }
}

interface AgentSpec {
  pinned: string | null;
  hostname: string;
  timeoutSeconds: number;
  ca?: HttpFetchOptions['ca'];
  isInternal: (ip: string) => boolean;
}

/**
 * One agent per hop. With a pin, the socket goes to the checked address (the Host header, SNI and
 * certificate check keep the hostname), and the connected peer is checked once more so nothing
 * internal is ever talked to even if the pin logic were bypassed.
 */
function createAgent(spec: AgentSpec): Agent {
  const timeoutMs = spec.timeoutSeconds * 1000;
  const base = buildConnector({ timeout: timeoutMs, rejectUnauthorized: true, ...(spec.ca ? { ca: spec.ca } : {}) });
  const connect: buildConnector.connector = (opts, callback) => {
    if (spec.pinned === null) return base(opts, callback);
    const servername = opts.servername || (isIpLiteral(spec.hostname) ? undefined : spec.hostname);
    return base({ ...opts, hostname: spec.pinned, servername }, (err, socket) => {
      if (err || !socket) {
        callback(err ?? new Error('connect failed'), null);
        return;
      }
      const refusal = remoteAddressRefusal(socket as Socket, spec.isInternal);
      if (refusal) {
        socket.destroy();
        callback(refusal, null);
        return;
      }
      callback(null, socket);
    });
  };
  return new Agent({ connect, headersTimeout: timeoutMs, bodyTimeout: timeoutMs, pipelining: 0 });
}

/** The connected peer must not be internal (defence in depth after the lookup check). */
export function remoteAddressRefusal(
  socket: Pick<Socket, 'remoteAddress'>,
  isInternal: (ip: string) => boolean = isInternalAddress,
): HttpFetchError | null {
  const remote = socket.remoteAddress;
  if (!remote || isInternal(remote)) {
    return new HttpFetchError(
      `Refusing connection to private/internal address ${remote ?? '(unknown)'}. Set RECOTEM_HTTP_ALLOW_PRIVATE=1 to allow internal HTTP origins.`,
    );
  }
  return null;
}

/** Python-style: `http:///x` and `http:x` have no host (WHATWG URL would invent one). */
function hasAuthorityHost(url: string): boolean {
  const m = /^[A-Za-z][A-Za-z0-9+.-]*:\/\/(?:[^@/?#]*@)?([^/?#]*)/.exec(url);
  return m !== null && m[1].replace(/:\d*$/, '') !== '';
}

function isIpLiteral(host: string): boolean {
  return /^[\d.]+$/.test(host) || host.includes(':');
}

async function sendGet(agent: Agent, target: URL, shown: string, timeoutSeconds: number) {
  try {
    return await agent.request({
      origin: target.origin,
      path: `${target.pathname}${target.search}`,
      method: 'GET',
      headers: { 'user-agent': 'recotem/2', accept: '*/*' },
    });
  } catch (err) {
    throw translateNetworkError(err, shown, timeoutSeconds);
  }
}

async function readCapped(
  body: AsyncIterable<Buffer> & { destroy(err?: Error): unknown },
  cap: number,
  shown: string,
  timeoutSeconds: number,
  prefix: string,
  context: LogFields,
): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let total = 0;
  try {
    for await (const chunk of body) {
      if (total + chunk.length > cap) {
        log.warn(`${prefix}_size_exceeded`, { ...context, path: shown, bytes_read: total, cap });
        body.destroy();
        throw new HttpFetchError(
          `Download size cap exceeded fetching ${shown}: > ${cap} bytes (RECOTEM_MAX_DOWNLOAD_BYTES).`,
        );
      }
      chunks.push(chunk);
      total += chunk.length;
    }
  } catch (err) {
    throw translateNetworkError(err, shown, timeoutSeconds);
  }
  return Buffer.concat(chunks, total);
}

function translateNetworkError(err: unknown, shown: string, timeoutSeconds: number): Error {
  if (err instanceof HttpFetchError) return err;
  if (
    err instanceof undiciErrors.HeadersTimeoutError ||
    err instanceof undiciErrors.BodyTimeoutError ||
    err instanceof undiciErrors.ConnectTimeoutError
  ) {
    return new HttpFetchError(`Timeout (${timeoutSeconds}s) fetching ${shown}`, { cause: err });
  }
  if (isFatalRuntimeError(err)) return err as Error; // allocation failures are never converted
  const e = err as { code?: string; message?: string };
  const reason = e?.code ? `${e.code}${e.message ? ` (${e.message})` : ''}` : (e?.message ?? String(err));
  return new HttpFetchError(`URL error fetching ${shown}: ${reason}`, { cause: err });
}
