/**
 * Body decoding and the error trap. JSON bodies are decoded with a plain JSON.parse (failures →
 * 422 `json_invalid`); any other content type, or none with a body, is a 422 without being
 * parsed. Unknown paths get the framework 404 body, known paths with the wrong method 405. Every
 * thrown error ends here and is rendered with the API's error envelopes.
 */
import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { getLogger, scrubString } from '../../../log/index.js';
import type { ServeMetrics } from '../../metrics/metrics.js';
import {
  ApiError,
  bodyDecodeError,
  jsonErrorPosition,
  sendApiError,
  sendInternalError,
  sendMethodNotAllowed,
  sendNotFound,
  sendValidationError,
} from '../errors.js';
import { jsonKeyCountExceeds, MAX_BODY_KEYS } from '../json-keys.js';
import { RequestValidationError } from '../validation.js';
import { globalPlugin } from './global.js';
import { recordVerbOutcome, statusForCode } from './verb-metrics.js';

const log = getLogger('recotem.serve.http');

/** Request bodies above this are refused with 413 (the largest legal batch is far below it). */
export const BODY_LIMIT_BYTES = 16 * 1024 * 1024;

export interface ErrorsPluginOptions {
  metrics: ServeMetrics;
  /** Methods served at a concrete path (for 405 vs 404), or null for an unknown path. */
  methodsForPath: (path: string) => readonly string[] | null;
}

function contentTypeError(): RequestValidationError {
  return bodyDecodeError('content_type', 'Content-Type must be application/json', ['body']);
}

function pathOf(request: FastifyRequest): string {
  const q = request.url.indexOf('?');
  return q === -1 ? request.url : request.url.slice(0, q);
}

function handleValidation(
  request: FastifyRequest,
  reply: FastifyReply,
  err: RequestValidationError,
  metrics: ServeMetrics,
): void {
  const call = request.verbCall;
  log.warn('validation_failed', {
    path: pathOf(request),
    method: request.method,
    request_id: request.requestId,
    count: err.items.length,
    errors: err.items,
    is_v1_verb: call !== null,
  });
  if (call === null) metrics.recordValidationOutsideVerb();
  else if (call.nameValid) recordVerbOutcome(request, metrics, 'validation_error', true);
  sendValidationError(request, reply, err.items);
}

export const errorsPlugin = globalPlugin<ErrorsPluginOptions>('recotem-errors', (app, opts, done) => {
  const { metrics } = opts;
  app.decorateRequest('verbCall', null);

  app.removeAllContentTypeParsers();
  app.addContentTypeParser(
    'application/json',
    { parseAs: 'string', bodyLimit: BODY_LIMIT_BYTES },
    (req, body, next) => {
      // Unknown paths and wrong methods answer 404/405 whatever the body holds.
      if (req.is404) return next(null, undefined);
      if (jsonKeyCountExceeds(body as string)) {
        return next(
          bodyDecodeError(
            'extra_forbidden',
            `Request body has more than ${MAX_BODY_KEYS} object keys; refused before parsing`,
            ['body'],
          ),
          undefined,
        );
      }
      try {
        next(null, JSON.parse(body as string));
      } catch (err) {
        next(bodyDecodeError('json_invalid', 'JSON decode error', ['body', jsonErrorPosition(err)]), undefined);
      }
    },
  );
  // Anything else (text/plain, forms, a body without Content-Type) is never parsed.
  app.addContentTypeParser('*', (req, _payload, next) => next(req.is404 ? null : contentTypeError(), undefined));

  app.setNotFoundHandler((request, reply) => {
    const methods = opts.methodsForPath(pathOf(request));
    if (methods !== null && !methods.includes(request.method)) return sendMethodNotAllowed(reply, methods);
    return sendNotFound(reply);
  });

  app.setErrorHandler((err: FastifyError | Error, request, reply) => {
    if (err instanceof RequestValidationError) return handleValidation(request, reply, err, metrics);
    if (err instanceof ApiError) {
      if (request.verbCall !== null) recordVerbOutcome(request, metrics, statusForCode(err.code), false);
      return sendApiError(request, reply, err);
    }
    const code = (err as FastifyError).code;
    if (code === 'FST_ERR_CTP_INVALID_MEDIA_TYPE') return handleValidation(request, reply, contentTypeError(), metrics);
    if (code === 'FST_ERR_CTP_BODY_TOO_LARGE') {
      return reply
        .code(413)
        .type('application/json')
        .send({ detail: 'Request body too large', code: 'VALIDATION_ERROR', request_id: request.requestId });
    }
    const status = (err as FastifyError).statusCode;
    if (code?.startsWith('FST_') && status !== undefined && status >= 400 && status < 500) {
      // Malformed framing (bad Content-Length and the like): a plain client error.
      return reply
        .code(status)
        .type('application/json')
        .send({ detail: scrubString(err.message || 'Bad Request') });
    }
    if (request.verbCall !== null) recordVerbOutcome(request, metrics, 'error', false);
    return sendInternalError(request, reply, err);
  });
  done();
});
