// Bundles the CommonJS packages a `recotem serve` start loads before it can answer health into one
// file each under dist/vendor/, which the compiled code loads instead of the package
// (src/serve/http/fastify.ts, src/recipe/yaml-module.ts). Resolving and reading their ~200 modules
// one by one was about a fifth of a start's CPU. Same code, from the locked node_modules; run by
// `npm run build` after tsc. The sources (tests, tsx) load the packages themselves.
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const require = createRequire(join(root, 'package.json'));

const PACKAGES = {
  // Fastify and avvio, find-my-way, semver, ... Loaded only for a logger, inject() or Fastify's
  // default schema compilers (ajv, fast-json-stringify), none of which the server uses at
  // start-up: those stay in node_modules.
  fastify: ['pino', 'light-my-request', '@fastify/ajv-compiler', '@fastify/fast-json-stringify-compiler'],
  yaml: [],
};

for (const [name, external] of Object.entries(PACKAGES)) {
  await build({
    entryPoints: [require.resolve(name)],
    outfile: join(root, `dist/vendor/${name}.cjs`),
    bundle: true,
    platform: 'node',
    format: 'cjs',
    target: 'node20',
    external,
    legalComments: 'eof',
    logLevel: 'warning',
  });
}
