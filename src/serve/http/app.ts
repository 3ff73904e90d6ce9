/**
 * The Fastify application: plugins in this order (request id → host allow-list →
 * CORS → routing → auth → body → validation → handler), each concern in its own plugin.
 */
import type { FastifyInstance, FastifyServerOptions } from 'fastify';
import { loadConsole } from '../console/index.js';
import { consoleRoutes } from '../console/routes.js';
import { isDevEnv } from '../settings.js';
import { ApiKeyVerifier } from './api-keys.js';
import type { ServerContext } from './context.js';
import { sendNotFound, sendPlainText } from './errors.js';
import { Fastify } from './fastify.js';
import { corsPlugin } from './plugins/cors.js';
import { BODY_LIMIT_BYTES, errorsPlugin } from './plugins/errors.js';
import { decideHost, hostPlugin } from './plugins/host.js';
import { requestIdPlugin, resolveRequestId } from './plugins/request-id.js';
import { timeoutsPlugin } from './plugins/timeouts.js';
import { discoveryRoutes } from './routes/discovery.js';
import { healthRoutes } from './routes/health.js';
import { overviewRoutes, TRAINING_PATH } from './routes/overview.js';
import { verbRoutes } from './routes/verbs.js';
import { responseSerializerCompiler } from './serializers.js';

/** Paths the server knows and the methods each serves, for telling 405 from 404. */
export function methodsForPathFactory(opts: { metrics: boolean; docs: boolean; console?: boolean }) {
  const get = ['GET', 'HEAD'];
  const exact = new Map<string, readonly string[]>([
    ['/v1/recipes', get],
    ['/v1/health', get],
    ['/v1/overview', get],
    ['/v1/health/details', get],
    ['/health', get],
    ['/health/details', get],
  ]);
  if (opts.metrics) exact.set('/v1/metrics', get);
  if (opts.docs) for (const p of ['/docs', '/redoc', '/openapi.json']) exact.set(p, get);
  const recipeSegment = /^\/v1\/recipes\/[^/]+$/;
  return (path: string): readonly string[] | null => {
    const known = exact.get(path);
    if (known) return known;
    if (recipeSegment.test(path)) return ['GET', 'HEAD', 'POST'];
    if (TRAINING_PATH.test(path)) return get;
    if (opts.console && (path === '/console' || path.startsWith('/console/'))) return get;
    return null;
  };
}

/** Validation is done by the routes themselves (with zod). */
const noValidation = () => (data: unknown) => ({ value: data });

/**
 * The instance's compilers: no validator (the routes validate with zod), and serializers compiled
 * from the documented response schemas. Given as the factory, not set after creation: without a
 * factory Fastify loads its default ones (ajv and fast-json-stringify, about 90 modules) when the
 * instance is created, before the port opens. Fastify types the factories for ajv; at run time
 * each only has to return a compiler.
 */
const compilersFactory = {
  buildValidator: () => noValidation,
  buildSerializer: () => responseSerializerCompiler,
} as unknown as NonNullable<FastifyServerOptions['schemaController']>['compilersFactory'];

export async function buildApp(ctx: ServerContext): Promise<FastifyInstance> {
  const docs = isDevEnv(ctx.settings.env);
  const app = Fastify({
    logger: false,
    schemaController: { compilersFactory },
    bodyLimit: BODY_LIMIT_BYTES,
    // Keep-alive sockets are closed promptly on shutdown (the drain closes idle ones itself).
    forceCloseConnections: false,
    return503OnClosing: true,
    routerOptions: { ignoreTrailingSlash: false, maxParamLength: 4096 },
    // Malformed URL escapes: treat like an unknown route, still with a request id.
    frameworkErrors: (_err, request, reply) => {
      reply.header('x-request-id', resolveRequestId(request.headers['x-request-id']));
      // These requests skip the hooks: the Host check still comes first.
      if (decideHost(request.raw, ctx.settings.allowedHosts).kind === 'deny') {
        sendPlainText(reply, 400, 'Invalid host header');
        return;
      }
      sendNotFound(reply);
    },
  });
  const consoleAssets = ctx.settings.console ? await loadConsole(ctx.settings.consoleDir) : null;
  const consoleOn = consoleAssets !== null;
  const verifier = new ApiKeyVerifier(ctx.settings.apiKeys, ctx.settings.insecureNoAuth);
  // Event writers hold separate keys; without any keys at all both rings are open on loopback.
  const eventVerifier = new ApiKeyVerifier(ctx.settings.eventApiKeys, ctx.settings.insecureNoAuth, {
    bypassWhenEmpty: ctx.settings.apiKeys.length === 0,
  });
  await app.register(requestIdPlugin);
  await app.register(timeoutsPlugin, { requestTimeoutMs: ctx.settings.requestTimeoutSeconds * 1000 });
  // The Host check comes before CORS: a preflight naming a host that is not ours gets no answer.
  await app.register(hostPlugin, { allowedHosts: ctx.settings.allowedHosts });
  if (ctx.settings.allowedOrigins.length > 0)
    await app.register(corsPlugin, { allowedOrigins: ctx.settings.allowedOrigins });
  await app.register(errorsPlugin, {
    metrics: ctx.metrics,
    methodsForPath: methodsForPathFactory({ metrics: ctx.metrics.requestMetricsEnabled, docs, console: consoleOn }),
  });
  // The document generator is only loaded where it is served (development environments).
  const openapi = docs ? await import('./plugins/openapi.js') : null;
  if (openapi) await openapi.registerOpenApi(app, ctx.version);
  await app.register(healthRoutes, { ctx });
  await app.register(discoveryRoutes, { ctx, verifier });
  await app.register(verbRoutes, { ctx, verifier, eventVerifier });
  await app.register(overviewRoutes, { ctx, verifier });
  if (consoleAssets !== null) await app.register(consoleRoutes, { assets: consoleAssets });
  if (openapi) openapi.registerDocsRoutes(app);
  return app;
}
