/**
 * OpenAPI document and docs page, registered only in development environments. GET routes
 * contribute their own zod response schemas; the four verbs share one router entry, so their
 * operations are added here. Every schema is a component (each zod schema with an id becomes
 * one), and operations point at `#/components/schemas/…`, so the document is valid OpenAPI 3 and
 * client generators resolve it.
 */
import swagger from '@fastify/swagger';
import type { FastifyInstance } from 'fastify';
import { jsonSchemaTransform, jsonSchemaTransformObject } from 'fastify-type-provider-zod';
import '../event-schemas.js';
import { RECIPE_NAME_PATTERN, type Verb } from '../schemas.js';

type JsonObject = Record<string, unknown>;

/** A component schema; request bodies use the input form (defaults make fields optional). */
function ref(id: string, io: 'input' | 'output'): JsonObject {
  return { $ref: `#/components/schemas/${id}${io === 'input' ? 'Input' : ''}` };
}

function content(schema: JsonObject): JsonObject {
  return { 'application/json': { schema } };
}

function verbOperation(verb: Verb, request: string, response: string, statuses: number[]): JsonObject {
  const responses: JsonObject = {
    200: {
      description: 'Ranked items',
      headers: {
        'X-Request-ID': { schema: { type: 'string' } },
        'X-Recotem-Model-Version': { schema: { type: 'string' } },
        ...(verb.startsWith('batch') ? {} : { 'X-Recotem-Items-Degraded': { schema: { type: 'integer' } } }),
      },
      content: content(ref(response, 'output')),
    },
  };
  for (const status of statuses) {
    responses[status] = {
      description: status === 422 ? 'Validation error' : 'Error',
      content: content(ref(status === 422 ? 'ValidationErrorResponse' : 'ErrorResponse', 'output')),
    };
  }
  return {
    tags: ['recommendations'],
    operationId: verb.replace(/-(\w)/g, (_m, c: string) => c.toUpperCase()),
    parameters: [
      { name: 'name', in: 'path', required: true, schema: { type: 'string', pattern: RECIPE_NAME_PATTERN.source } },
    ],
    security: [{ apiKey: [] }],
    requestBody: { required: true, content: content(ref(request, 'input')) },
    responses,
  };
}

/**
 * OpenAPI 3.0 applies `enum` to null as well: a nullable enum must list null, or validators
 * reject the null the server sends (e.g. `metric` of a recipe trained without one).
 */
function nullableEnums(node: unknown): void {
  if (Array.isArray(node)) {
    for (const item of node) nullableEnums(item);
    return;
  }
  if (node === null || typeof node !== 'object') return;
  const schema = node as JsonObject;
  if (schema.nullable === true && Array.isArray(schema.enum) && !schema.enum.includes(null)) schema.enum.push(null);
  for (const value of Object.values(schema)) nullableEnums(value);
}

function addVerbPaths(document: JsonObject): JsonObject {
  const single = [401, 404, 422, 500, 503];
  const batch = [401, 404, 422, 503];
  const paths = (document.paths ?? {}) as JsonObject;
  paths['/v1/recipes/{name}:recommend'] = {
    post: verbOperation('recommend', 'RecommendRequest', 'RecommendResponse', single),
  };
  paths['/v1/recipes/{name}:recommend-related'] = {
    post: verbOperation('recommend-related', 'RecommendRelatedRequest', 'RecommendResponse', single),
  };
  paths['/v1/recipes/{name}:batch-recommend'] = {
    post: verbOperation('batch-recommend', 'BatchRecommendRequest', 'BatchResponse', batch),
  };
  paths['/v1/recipes/{name}:batch-recommend-related'] = {
    post: verbOperation('batch-recommend-related', 'BatchRecommendRelatedRequest', 'BatchResponse', batch),
  };
  paths['/v1/recipes/{name}:events'] = { post: eventsOperation() };
  const out = { ...document, paths };
  nullableEnums(out);
  return out;
}

/** The envelope with each element described (they are validated one by one, not as a whole). */
function eventsRequestSchema(): JsonObject {
  return {
    type: 'object',
    additionalProperties: false,
    required: ['events'],
    properties: {
      events: {
        type: 'array',
        minItems: 1,
        maxItems: 1000,
        description: 'Up to 1000 events; each is validated on its own and a bad one is reported in `errors`',
        items: ref('EventInput', 'input'),
      },
    },
  };
}

/** `:events` takes a key of the event ring (RECOTEM_EVENT_API_KEYS), not a read key. */
function eventsOperation(): JsonObject {
  const responses: JsonObject = {
    200: {
      description: 'Events committed (durable when this answer is sent); per-event errors in `errors`',
      headers: { 'X-Request-ID': { schema: { type: 'string' } } },
      content: content(ref('EventsResponse', 'output')),
    },
  };
  for (const status of [401, 404, 422, 503]) {
    responses[status] = {
      description:
        status === 422 ? 'Validation error' : status === 503 ? 'Event store unavailable (see Retry-After)' : 'Error',
      ...(status === 503 ? { headers: { 'Retry-After': { schema: { type: 'integer' } } } } : {}),
      content: content(ref(status === 422 ? 'ValidationErrorResponse' : 'ErrorResponse', 'output')),
    };
  }
  return {
    tags: ['events'],
    operationId: 'events',
    parameters: [
      { name: 'name', in: 'path', required: true, schema: { type: 'string', pattern: RECIPE_NAME_PATTERN.source } },
    ],
    security: [{ eventApiKey: [] }],
    requestBody: { required: true, content: content(eventsRequestSchema()) },
    responses,
  };
}

const DOCS_PAGE = `<!doctype html>
<html><head><meta charset="utf-8"><title>Recotem Inference API</title>
<style>body{font-family:system-ui,sans-serif;margin:2rem;max-width:60rem}code{background:#eee;padding:0 .2rem}
pre{background:#f6f6f6;padding:.5rem;overflow:auto}h2{margin-top:2rem}</style></head>
<body><h1>Recotem Inference API</h1><p>Machine-readable document: <a href="/openapi.json">/openapi.json</a></p>
<div id="ops">Loading…</div>
<script>
fetch('/openapi.json').then(r => r.json()).then(doc => {
  const out = [];
  for (const [path, ops] of Object.entries(doc.paths)) {
    for (const [method, op] of Object.entries(ops)) {
      const body = op.requestBody ? JSON.stringify(op.requestBody.content['application/json'].schema, null, 2) : '';
      out.push('<h2><code>' + method.toUpperCase() + ' ' + path + '</code></h2>' + (op.summary ? '<p>' + op.summary + '</p>' : '') +
        (body ? '<pre>' + body.replace(/</g, '&lt;') + '</pre>' : '') +
        '<p>Responses: ' + Object.keys(op.responses).join(', ') + '</p>');
    }
  }
  document.getElementById('ops').innerHTML = out.join('');
});
</script></body></html>`;

/** Register the document generator; call before any route is added. */
export async function registerOpenApi(app: FastifyInstance, version: string): Promise<void> {
  await app.register(swagger, {
    openapi: {
      openapi: '3.0.3',
      info: { title: 'Recotem Inference API', version },
      components: {
        securitySchemes: {
          apiKey: { type: 'apiKey', in: 'header', name: 'X-API-Key' },
          eventApiKey: {
            type: 'apiKey',
            in: 'header',
            name: 'X-API-Key',
            description: 'A key of RECOTEM_EVENT_API_KEYS; accepted by :events only',
          },
        },
      },
    },
    transform: jsonSchemaTransform,
    transformObject: (doc) => addVerbPaths(jsonSchemaTransformObject(doc) as JsonObject) as never,
  });
}

/** `/openapi.json`, `/docs` and `/redoc`; registered after the routes. */
export function registerDocsRoutes(app: FastifyInstance): void {
  app.get('/openapi.json', { schema: { hide: true } }, async () => app.swagger());
  for (const path of ['/docs', '/redoc']) {
    app.get(path, { schema: { hide: true } }, async (_request, reply) =>
      reply.type('text/html; charset=utf-8').send(DOCS_PAGE),
    );
  }
}
