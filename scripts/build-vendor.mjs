// Bundles Fastify (the package and the ~130 CommonJS modules it loads: avvio, find-my-way, semver,
// ...) into one file, dist/vendor/fastify.cjs, which the compiled server loads instead of the
// package (src/serve/http/fastify.ts). Resolving and reading those modules one by one was about an
// eighth of a `recotem serve` start's CPU. Same code, from the locked node_modules; run by
// `npm run build` after tsc.
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const require = createRequire(join(root, 'package.json'));

await build({
  entryPoints: [require.resolve('fastify')],
  outfile: join(root, 'dist/vendor/fastify.cjs'),
  bundle: true,
  platform: 'node',
  format: 'cjs',
  target: 'node20',
  // Loaded only for a logger, inject() or Fastify's default schema compilers (ajv,
  // fast-json-stringify), none of which the server uses at start-up: left to node_modules.
  external: ['pino', 'light-my-request', '@fastify/ajv-compiler', '@fastify/fast-json-stringify-compiler'],
  legalComments: 'eof',
  logLevel: 'warning',
});
