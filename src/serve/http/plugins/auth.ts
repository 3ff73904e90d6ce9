/**
 * API-key authentication as an encapsulated onRequest hook: it runs after routing (404/405 come
 * first) and before the body is read, so unauthenticated callers never reach JSON decoding or
 * validation. 401 bodies carry no WWW-Authenticate header.
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { addLogContext } from '../../../log/index.js';
import type { ApiKeyVerifier } from '../api-keys.js';

/** A verifier, or a choice of verifier per request (the event key ring on `:events`). */
export type VerifierChoice = ApiKeyVerifier | ((request: FastifyRequest) => ApiKeyVerifier);

export function installAuth(app: FastifyInstance, choice: VerifierChoice): void {
  app.addHook('onRequest', (request, reply, next) => {
    const q = request.url.indexOf('?');
    const path = q === -1 ? request.url : request.url.slice(0, q);
    const verifier = typeof choice === 'function' ? choice(request) : choice;
    const outcome = verifier.verify(request.headers['x-api-key'], path, request.ip);
    if (outcome.ok) {
      request.kid = outcome.kid;
      addLogContext({ kid: outcome.kid });
      return next();
    }
    // Close the connection after answering: an unauthenticated client must not keep a socket
    // (or stream a body the server never reads) on the strength of one refused request.
    reply
      .code(401)
      .header('connection', 'close')
      .type('application/json')
      .send({ detail: outcome.detail, code: outcome.code });
  });
}
