/**
 * Error bodies: the flat application envelope, the 422 validation envelope,
 * the 500 trap, and the framework-default 404/405 bodies. Every body is built here so the shapes
 * cannot drift between routes.
 */
import type { FastifyReply, FastifyRequest } from 'fastify';
import { errorClassName } from '../../errors/index.js';
import { getLogger, renderException, scrubString } from '../../log/index.js';
import type { ErrorCode } from './schemas.js';
import { type Loc, RequestValidationError, type ValidationItem } from './validation.js';

const log = getLogger('recotem.serve.http');

const DEFAULT_DETAIL: Readonly<Record<number, string>> = {
  400: 'Bad Request',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'Not Found',
  405: 'Method Not Allowed',
  413: 'Payload Too Large',
  422: 'Unprocessable Entity',
  500: 'Internal Server Error',
  503: 'Service Unavailable',
};

/** An application error with a wire code; rendered as `{detail, code}` (+ request_id on 5xx). */
export class ApiError extends Error {
  override name = 'ApiError';
  constructor(
    readonly statusCode: number,
    readonly code: ErrorCode,
    readonly detail: string = DEFAULT_DETAIL[statusCode] ?? 'Error',
    /** Extra response headers (e.g. Retry-After on 503). */
    readonly headers: Readonly<Record<string, string>> = {},
  ) {
    super(detail);
  }
}

export function recipeNotFound(name: string): ApiError {
  return new ApiError(404, 'RECIPE_NOT_FOUND', `Recipe '${name}' not found`);
}

export function recipeUnavailable(name: string): ApiError {
  return new ApiError(503, 'RECIPE_UNAVAILABLE', `Recipe '${name}' is registered but not loaded`);
}

/** The body is not JSON at all (bad syntax, or not sent as application/json). */
export function bodyDecodeError(type: string, msg: string, loc: Loc = ['body', 0]): RequestValidationError {
  return new RequestValidationError([{ type, loc, msg }]);
}

/** V8 puts the offset into JSON.parse messages ("... at position 12"); default to 0. */
export function jsonErrorPosition(err: unknown): number {
  const m = err instanceof Error ? /position (\d+)/.exec(err.message) : null;
  return m ? Number(m[1]) : 0;
}

export function sendValidationError(
  request: FastifyRequest,
  reply: FastifyReply,
  items: ValidationItem[],
): FastifyReply {
  return reply.code(422).type('application/json').send({
    request_id: request.requestId,
    detail: 'Request validation failed',
    code: 'VALIDATION_ERROR',
    errors: items,
  });
}

export function sendApiError(request: FastifyRequest, reply: FastifyReply, err: ApiError): FastifyReply {
  // Improve: every 5xx carries the request id.
  const detail = scrubString(err.detail);
  const body =
    err.statusCode >= 500 ? { detail, code: err.code, request_id: request.requestId } : { detail, code: err.code };
  for (const [name, value] of Object.entries(err.headers)) reply.header(name, value);
  return reply.code(err.statusCode).type('application/json').send(body);
}

export function sendInternalError(request: FastifyRequest, reply: FastifyReply, err: unknown): FastifyReply {
  log.error('unhandled_500', {
    path: request.url.split('?')[0],
    request_id: request.requestId,
    exc_type: errorClassName(err),
    exception: renderException(err),
  });
  return reply
    .code(500)
    .type('application/json')
    .header('x-request-id', request.requestId)
    .send({ detail: 'internal error', code: 'INTERNAL_ERROR', request_id: request.requestId });
}

export function sendNotFound(reply: FastifyReply): FastifyReply {
  return reply.code(404).type('application/json').send({ detail: 'Not Found' });
}

/** 405 with the `Allow` header HTTP requires: the methods the path does serve. */
export function sendMethodNotAllowed(reply: FastifyReply, allow: readonly string[]): FastifyReply {
  return reply
    .code(405)
    .header('allow', allow.join(', '))
    .type('application/json')
    .send({ detail: 'Method Not Allowed' });
}

export function sendPlainText(reply: FastifyReply, status: number, text: string): FastifyReply {
  return reply.code(status).type('text/plain; charset=utf-8').send(text);
}
