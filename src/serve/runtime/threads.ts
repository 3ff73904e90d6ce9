/**
 * Starting worker threads from this package's modules. Compiled builds run the `.js` entry
 * directly; a source checkout (tests, tsx) starts a tiny JavaScript bootstrap that registers tsx's
 * loader inside the worker first, because a worker does not inherit the parent's TS loader.
 */
import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';
import { Worker, type WorkerOptions } from 'node:worker_threads';

/** `./name.ts` next to `fromUrl` in a source checkout, `./name.js` in a build. */
export function siblingModule(fromUrl: string, name: string): URL {
  return new URL(`./${name}${fromUrl.endsWith('.ts') ? '.ts' : '.js'}`, fromUrl);
}

let tsxApi: string | undefined;

function tsxApiUrl(): string {
  if (tsxApi === undefined) {
    const root = pathToFileURL(createRequire(import.meta.url).resolve('tsx/package.json'));
    tsxApi = new URL('./dist/esm/api/index.mjs', root).href;
  }
  return tsxApi;
}

export function startWorker(entry: URL, options: Omit<WorkerOptions, 'eval'> = {}): Worker {
  if (!entry.pathname.endsWith('.ts')) return new Worker(entry, options);
  const code = `import(${JSON.stringify(tsxApiUrl())}).then((m) => { m.register(); return import(${JSON.stringify(entry.href)}); });`;
  return new Worker(code, { ...options, eval: true });
}
