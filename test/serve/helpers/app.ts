/** Build the HTTP app over a registry the test fills, without recipes or artifact loading. */
import type { FastifyInstance } from 'fastify';
import { EventStores } from '../../../src/serve/events/stores.js';
import { apiKeyDigest } from '../../../src/serve/http/api-keys.js';
import { buildApp } from '../../../src/serve/http/app.js';
import type { ServerContext } from '../../../src/serve/http/context.js';
import { ServeMetrics } from '../../../src/serve/metrics/metrics.js';
import type { ModelEntry } from '../../../src/serve/registry/entry.js';
import { ModelRegistry } from '../../../src/serve/registry/registry.js';
import { InlineExecutor, type ScoringExecutor } from '../../../src/serve/scoring/executor.js';
import { DEFAULT_SETTINGS, type ServeSettings } from '../../../src/serve/settings.js';

export const API_KEY = 'k'.repeat(40);
export const API_KEY_2 = 'second-key-'.padEnd(43, 'x');

export function keyEntries(...keys: [kid: string, plaintext: string][]) {
  return keys.map(([kid, plaintext]) => ({ kid, digestHex: apiKeyDigest(plaintext).toString('hex') }));
}

export interface TestApp {
  app: FastifyInstance;
  ctx: ServerContext;
}

export async function makeApp(
  opts: {
    settings?: Partial<ServeSettings>;
    entries?: ModelEntry[];
    executor?: ScoringExecutor;
    startupComplete?: boolean;
  } = {},
): Promise<TestApp> {
  const settings: ServeSettings = { ...DEFAULT_SETTINGS, ...opts.settings };
  const registry = new ModelRegistry();
  for (const e of opts.entries ?? []) registry.replace(e);
  const metrics = new ServeMetrics({ requestMetrics: settings.metricsEnabled });
  const ctx: ServerContext = {
    settings,
    registry,
    metrics,
    executor: opts.executor ?? new InlineExecutor(),
    events: new EventStores(metrics),
    state: { startupComplete: opts.startupComplete ?? true },
    version: '0.0.0-test',
  };
  const app = await buildApp(ctx);
  app.addHook('onClose', () => ctx.events.close());
  await app.ready();
  return { app, ctx };
}

/** Headers of an authenticated JSON POST. */
export function jsonHeaders(key: string | null = API_KEY): Record<string, string> {
  return key === null
    ? { 'content-type': 'application/json' }
    : { 'content-type': 'application/json', 'x-api-key': key };
}
