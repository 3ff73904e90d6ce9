/**
 * A bound on the time to receive a request. A client that sends headers and then a body that
 * never finishes would otherwise hold its socket (and the parser's buffer) forever; after the
 * bound the server answers 408 and closes the connection. Node's own request timeout is only
 * checked every 30 s, so the bound is enforced per request here.
 */
import { globalPlugin } from './global.js';

const TIMEOUT_BODY = JSON.stringify({ detail: 'Request Timeout' });

export const timeoutsPlugin = globalPlugin<{ requestTimeoutMs: number }>('recotem-timeouts', (app, opts, done) => {
  app.addHook('onRequest', (request, reply, next) => {
    const raw = request.raw;
    if (raw.complete) return next();
    const timer = setTimeout(() => {
      if (raw.complete) return;
      const res = reply.raw;
      const socket = raw.socket;
      if (res.headersSent || res.writableEnded) {
        socket.destroy();
        return;
      }
      res.writeHead(408, {
        'content-type': 'application/json; charset=utf-8',
        'content-length': Buffer.byteLength(TIMEOUT_BODY),
        'x-request-id': request.requestId,
        connection: 'close',
      });
      res.end(TIMEOUT_BODY, () => socket.destroy());
    }, opts.requestTimeoutMs);
    timer.unref();
    const clear = () => clearTimeout(timer);
    raw.once('end', clear);
    raw.once('close', clear);
    next();
  });
  done();
});
