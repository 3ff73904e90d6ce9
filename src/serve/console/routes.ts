/**
 * `GET /console/…`: the operator console's static files. They hold no data and no secret (the
 * pages read everything from the v1 API with the key the operator pastes), so they need no API
 * key; every response forbids framing and any script, style or connection that is not this
 * server's own, and inline scripts altogether.
 */
import type { FastifyPluginCallback, FastifyReply, FastifyRequest } from 'fastify';
import type { ConsoleAssets } from './assets.js';

export const CONSOLE_PATH = '/console/';

export const CONSOLE_CSP = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "font-src 'self'",
  "connect-src 'self'",
  "manifest-src 'self'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ');

function securityHeaders(reply: FastifyReply): void {
  reply
    .header('content-security-policy', CONSOLE_CSP)
    .header('x-frame-options', 'DENY')
    .header('x-content-type-options', 'nosniff')
    .header('referrer-policy', 'no-referrer')
    .header('cross-origin-opener-policy', 'same-origin')
    .header('cross-origin-resource-policy', 'same-origin');
}

function acceptsGzip(request: FastifyRequest): boolean {
  const header = request.headers['accept-encoding'];
  return typeof header === 'string' && /\bgzip\b/i.test(header);
}

export const consoleRoutes: FastifyPluginCallback<{ assets: ConsoleAssets }> = (app, opts, done) => {
  const { assets } = opts;

  const serve = (rel: string, request: FastifyRequest, reply: FastifyReply) => {
    securityHeaders(reply);
    const asset = assets.get(rel);
    if (asset === undefined) {
      return reply.code(404).type('text/plain; charset=utf-8').send('Not Found');
    }
    reply
      .type(asset.type)
      .header('cache-control', asset.immutable ? 'public, max-age=31536000, immutable' : 'no-cache')
      .header('vary', 'accept-encoding');
    if (asset.gzip !== null && acceptsGzip(request)) return reply.header('content-encoding', 'gzip').send(asset.gzip);
    return reply.send(asset.body);
  };

  app.get('/console', { schema: { hide: true } }, (_request, reply) => {
    securityHeaders(reply);
    return reply.redirect(CONSOLE_PATH, 308);
  });
  app.get(`${CONSOLE_PATH}*`, { schema: { hide: true } }, (request, reply) => {
    const rel = (request.params as { '*': string })['*'];
    // Only exact names of built files are served: no directory walking, no query-driven lookups.
    return serve(rel === '' ? 'index.html' : rel, request, reply);
  });
  done();
};
