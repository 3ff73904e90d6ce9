/** Per-verb request accounting: one counter tick and one latency sample. */
import { performance } from 'node:perf_hooks';
import type { FastifyRequest } from 'fastify';
import type { RequestStatus, ServeMetrics } from '../../metrics/metrics.js';
import type { ErrorCode, Verb } from '../schemas.js';

export interface VerbCall {
  /** The recipe name exactly as in the URL. */
  name: string;
  verb: Verb;
  /** Whether the name passes the recipe-name rule (a bad name is never counted). */
  nameValid: boolean;
  /** Metric label: the name when it is registered, `__unknown__` otherwise. */
  recipeLabel: string;
  /** Set once the outcome was recorded, so no path counts a request twice. */
  recorded: boolean;
}

declare module 'fastify' {
  interface FastifyRequest {
    verbCall: VerbCall | null;
  }
}

export function statusForCode(code: ErrorCode): RequestStatus {
  switch (code) {
    case 'RECIPE_NOT_FOUND':
      return 'recipe_not_found';
    case 'RECIPE_UNAVAILABLE':
    case 'EVENTS_UNAVAILABLE':
      return 'unavailable';
    case 'UNKNOWN_USER':
      return 'unknown_user';
    case 'UNKNOWN_SEED_ITEMS':
      return 'unknown_seed_items';
    case 'NO_CANDIDATES':
      return 'no_candidates';
    case 'VALIDATION_ERROR':
      return 'validation_error';
    default:
      return 'error';
  }
}

export function recordVerbOutcome(
  request: FastifyRequest,
  metrics: ServeMetrics,
  status: RequestStatus,
  zeroLatency: boolean,
): void {
  const call = request.verbCall;
  if (call === null || call.recorded || !call.nameValid) return;
  call.recorded = true;
  const seconds = zeroLatency ? 0 : (performance.now() - request.startedAt) / 1000;
  metrics.recordRequest(call.recipeLabel, call.verb, status, seconds);
}
