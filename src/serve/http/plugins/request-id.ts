/**
 * Request-ID layer: accept a well-formed incoming `X-Request-ID`, otherwise
 * mint 12 hex characters; echo it on every response and bind it into the log context for exactly
 * the lifetime of the request.
 */
import { randomUUID } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { getLogger, withLogContext } from '../../../log/index.js';
import { globalPlugin } from './global.js';

const REQUEST_ID_PATTERN = /^[A-Za-z0-9_-]{1,128}$/;
const accessLog = getLogger('recotem.serve.access');

export function resolveRequestId(incoming: string | string[] | undefined): string {
  if (typeof incoming === 'string' && REQUEST_ID_PATTERN.test(incoming)) return incoming;
  return randomUUID().replace(/-/g, '').slice(0, 12);
}

export const requestIdPlugin = globalPlugin('recotem-request-id', (app, _opts, done) => {
  app.decorateRequest('requestId', '');
  app.decorateRequest('kid', null);
  app.decorateRequest('startedAt', 0);
  app.addHook('onRequest', (request, reply, next) => {
    request.startedAt = performance.now();
    const id = resolveRequestId(request.headers['x-request-id']);
    request.requestId = id;
    reply.header('x-request-id', id);
    // Everything after this hook (parsing, handlers, error handler) runs inside the scope.
    withLogContext({ request_id: id }, next);
  });
  // Access log at DEBUG: one line per request would dominate the output at production rates.
  app.addHook('onResponse', (request, reply, next) => {
    if (accessLog.isLevelEnabled('debug')) {
      accessLog.debug('http_request', {
        method: request.method,
        path: request.url.split('?')[0],
        status: reply.statusCode,
        duration_ms: Math.round((performance.now() - request.startedAt) * 1000) / 1000,
        client_host: request.ip,
      });
    }
    next();
  });
  done();
});
