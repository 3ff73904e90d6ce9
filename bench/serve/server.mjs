/**
 * Server process for the serving benchmark: the same assembly as `recotem serve` (buildServer,
 * listen, watcher, drain, cluster) with settings from the environment, and a permissive source
 * lookup so recipes parse without the data layer. Prints `{"listening": port}` on stdout.
 *
 * Plain JavaScript, so a compiled build runs under plain `node` exactly as `recotem serve` does:
 * started under a TypeScript loader, every module of the build would pass through that loader's
 * hooks and the start-up figure would measure the loader, not the server.
 *
 *   RECIPES_DIR=… PORT=… RECOTEM_SERVE_WORKERS=inline|2|cluster:2 BENCH_SIGNING_KEYS=kid:hex \
 *     node bench/serve/server.mjs                                  # SERVE_MODULE=<build>/serve/index.js
 *     node --import tsx bench/serve/server.mjs                     # the TypeScript sources
 */

// SERVE_MODULE=<dist>/serve/index.js benchmarks the compiled build instead of the TypeScript sources.
const serveModule = new URL(process.env.SERVE_MODULE ?? '../../src/serve/index.ts', import.meta.url);
const ext = serveModule.pathname.endsWith('.ts') ? 'ts' : 'js';
const { buildServer, DrainController, parseWorkerModel, runCluster } = await import(serveModule.href);
const { parseSigningKeyRing } = await import(new URL(`../config/keyring.${ext}`, serveModule).href);

const lookup = {
  get: (type) =>
    type === 'csv'
      ? {
          typeName: 'csv',
          configSchema: { safeParse: (input) => ({ success: true, data: input }) },
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

const port = Number(process.env.PORT ?? 18080);
const app = await buildServer({
  settings: {
    port,
    watchIntervalSeconds: Number(process.env.RECOTEM_WATCH_INTERVAL ?? 1),
    drainSeconds: 5,
    metricsEnabled: process.env.RECOTEM_METRICS_ENABLED === '1',
    workers,
  },
  recipesDir: process.env.RECIPES_DIR ?? '.',
  keyRing: parseSigningKeyRing(process.env.BENCH_SIGNING_KEYS),
  sourceRegistry: lookup,
  initialLoad: 'deferred',
  watch: true,
});
const drain = new DrainController(app, 5);
await app.listen({ host: '127.0.0.1', port });
drain.install();
void app.recotem.startLoading();
process.stdout.write(`${JSON.stringify({ listening: port, pid: process.pid })}\n`);
process.exit(await drain.finished);
