/**
 * Gets the OpenAPI document from the real server application, and measures which routes need an
 * API key by asking each one without a key while a key is configured (a 401 means it does).
 */
import { hashApiKey } from '../../src/config/index.js';
import { buildServer } from '../../src/serve/index.js';
import type { Json } from './schema-summary.js';

const METHODS = ['get', 'post', 'put', 'patch', 'delete'] as const;
/** Any value of at least 32 characters works: the probe only needs some key to be configured. */
const PROBE_KEY = 'documentation-probe-key-0123456789abcdef';

export interface OpenApiSnapshot {
  document: Json;
  authRequired: Map<string, boolean>;
}

/** A concrete URL for a templated path: every `{param}` becomes a valid recipe name. */
function concretePath(path: string): string {
  return path.replace(/\{[^}]+\}/g, 'demo');
}

export async function openApiSnapshot(): Promise<OpenApiSnapshot> {
  const app = await buildServer({
    settings: {
      env: 'test',
      workers: { kind: 'inline' },
      apiKeys: [{ kid: 'docs', digestHex: hashApiKey(PROBE_KEY) }],
    },
  });
  try {
    await app.ready();
    const document = JSON.parse(JSON.stringify(app.swagger())) as Json;
    const authRequired = new Map<string, boolean>();
    for (const [path, item] of Object.entries(document.paths as Record<string, Json>)) {
      for (const method of METHODS) {
        if (item[method] === undefined) continue;
        const response = await app.inject({
          method: method.toUpperCase() as 'GET',
          url: concretePath(path),
          headers: { host: 'localhost', 'content-type': 'application/json' },
          ...(method === 'get' ? {} : { payload: '{}' }),
        });
        authRequired.set(`${method.toUpperCase()} ${path}`, response.statusCode === 401);
      }
    }
    return { document, authRequired };
  } finally {
    await app.close();
  }
}
