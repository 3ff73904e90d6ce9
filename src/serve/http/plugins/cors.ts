import { sendPlainText } from '../errors.js';
import { globalPlugin } from './global.js';

const ALLOWED_METHODS = ['GET', 'POST', 'OPTIONS'];
const EXPOSED_HEADERS = 'X-Request-ID, X-Recotem-Model-Version, X-Recotem-Items-Degraded';
const MAX_AGE_SECONDS = '600';

export const corsPlugin = globalPlugin<{ allowedOrigins: readonly string[] }>('recotem-cors', (app, opts, done) => {
  const allowAll = opts.allowedOrigins.includes('*');
  const origins = new Set(opts.allowedOrigins);
  const isAllowed = (origin: string): boolean => allowAll || origins.has(origin);

  app.addHook('onRequest', (request, reply, next) => {
    const origin = request.headers.origin;
    if (origin === undefined) return next();
    const requestedMethod = request.headers['access-control-request-method'];
    if (request.method === 'OPTIONS' && requestedMethod !== undefined) {
      const failures: string[] = [];
      if (isAllowed(origin)) {
        reply.header('access-control-allow-origin', allowAll ? '*' : origin);
      } else {
        failures.push('origin');
      }
      if (!ALLOWED_METHODS.includes(String(requestedMethod))) failures.push('method');
      if (!allowAll) reply.header('vary', 'Origin');
      reply.header('access-control-allow-methods', ALLOWED_METHODS.join(', '));
      reply.header('access-control-max-age', MAX_AGE_SECONDS);
      const requestedHeaders = request.headers['access-control-request-headers'];
      if (requestedHeaders !== undefined) reply.header('access-control-allow-headers', String(requestedHeaders));
      if (failures.length > 0) {
        reply.removeHeader('access-control-allow-origin');
        sendPlainText(reply, 400, `Disallowed CORS ${failures.join(', ')}`);
      } else {
        sendPlainText(reply, 200, 'OK');
      }
      return;
    }
    if (isAllowed(origin)) {
      reply.header('access-control-allow-origin', allowAll ? '*' : origin);
      reply.header('access-control-expose-headers', EXPOSED_HEADERS);
      if (!allowAll) reply.header('vary', 'Origin');
    }
    next();
  });
  done();
});
