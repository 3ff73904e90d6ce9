/**
 * Server process for the serving benchmark: the same assembly as `recotem serve` (buildServer,
 * listen, watcher, drain, cluster) with settings from the environment, and a permissive source
 * lookup so recipes parse without the data layer. Prints `{"listening": port}` on stdout.
 *
 *   RECIPES_DIR=… PORT=… RECOTEM_SERVE_WORKERS=inline|2|cluster:2 [SERVE_MODULE=dist/serve/index.js] \
 *     node --import tsx bench/serve/server.ts
 */
import type { SourceTypeLookup } from '../../src/recipe/types.js';
import { BENCH_KEY_RING } from './prepare.js';

// SERVE_MODULE=<dist>/serve/index.js benchmarks the compiled build instead of the TypeScript sources.
type ServeModule = typeof import('../../src/serve/index.js');
const { buildServer, DrainController, parseWorkerModel, runCluster } = (await import(
  process.env.SERVE_MODULE ?? '../../src/serve/index.js'
)) as ServeModule;

const lookup: SourceTypeLookup = {
  get: (type) =>
    type === 'csv'
      ? {
          typeName: 'csv',
          configSchema: { safeParse: (input: unknown) => ({ success: true as const, data: input }) },
          noExpandFields: new Set(),
        }
      : undefined,
  knownTypes: () => ['csv'],
};

let workers = parseWorkerModel(process.env.RECOTEM_SERVE_WORKERS);
if (workers.kind === 'cluster') {
  const outcome = await runCluster(workers.processes);
  if (outcome !== 'worker') process.exit(outcome);
  workers = { kind: 'inline' };
}

const app = await buildServer({
  settings: {
    port: Number(process.env.PORT ?? 18080),
    watchIntervalSeconds: Number(process.env.RECOTEM_WATCH_INTERVAL ?? 1),
    drainSeconds: 5,
    metricsEnabled: process.env.RECOTEM_METRICS_ENABLED === '1',
    workers,
  },
  recipesDir: process.env.RECIPES_DIR ?? '.',
  keyRing: BENCH_KEY_RING,
  sourceRegistry: lookup,
  initialLoad: 'deferred',
  watch: true,
});
const drain = new DrainController(app, 5);
await app.listen({ host: '127.0.0.1', port: Number(process.env.PORT ?? 18080) });
drain.install();
void app.recotem.startLoading();
process.stdout.write(`${JSON.stringify({ listening: Number(process.env.PORT ?? 18080), pid: process.pid })}\n`);
process.exit(await drain.finished);
