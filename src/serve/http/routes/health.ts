/**
 * Health. `/v1/health` is the only unauthenticated route and reveals
 * counts only; `/health` is its exact alias because container probes conventionally use it.
 * Until the initial artifact loads finish the server answers `degraded` (the server listens
 * before loading, so a busy port is reported at once instead of after loading every model).
 */
import type { FastifyPluginCallback } from 'fastify';
import { scrubString } from '../../../log/index.js';
import { headerString } from '../../registry/entry.js';
import type { ServerContext } from '../context.js';
import { HealthResponse } from '../schemas.js';

export function healthSummary(ctx: ServerContext) {
  const { loaded, total } = ctx.registry.healthCounts();
  const ok = ctx.state.startupComplete && (total === 0 || loaded === total);
  return { status: ok ? ('ok' as const) : ('degraded' as const), total, loaded };
}

export function healthDetails(ctx: ServerContext) {
  const recipes: Record<
    string,
    { loaded: boolean; trained_at?: string; best_class?: string; kid?: string; error?: string }
  > = {};
  let degraded = !ctx.state.startupComplete;
  for (const entry of ctx.registry.list()) {
    const item: (typeof recipes)[string] = { loaded: entry.loaded };
    const trainedAt = headerString(entry, 'trained_at');
    const bestClass = headerString(entry, 'best_class');
    if (trainedAt !== null) item.trained_at = trainedAt;
    if (bestClass !== null) item.best_class = bestClass;
    if (entry.kid !== '') item.kid = entry.kid;
    if (entry.lastLoadError !== null) item.error = scrubString(entry.lastLoadError);
    if (!entry.loaded || entry.lastLoadError !== null) degraded = true;
    recipes[entry.name] = item;
  }
  return { status: degraded ? ('degraded' as const) : ('ok' as const), recipes };
}

export const healthRoutes: FastifyPluginCallback<{ ctx: ServerContext }> = (app, opts, done) => {
  const { ctx } = opts;
  for (const path of ['/v1/health', '/health']) {
    app.get(
      path,
      {
        schema: {
          summary: 'Readiness: ok when every recipe is loaded',
          tags: ['health'],
          hide: path === '/health',
          response: { 200: HealthResponse, 503: HealthResponse },
        },
      },
      (_request, reply) => {
        const body = healthSummary(ctx);
        reply.code(body.status === 'ok' ? 200 : 503).send(body);
      },
    );
  }
  done();
};
