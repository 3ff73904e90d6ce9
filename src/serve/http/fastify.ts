/**
 * Fastify, from the single-file copy `npm run build` writes to dist/vendor/fastify.cjs
 * (scripts/build-vendor.mjs) when there is one: the same package in one file instead of about 130
 * CommonJS modules, which every start of a compiled server loaded one by one. The sources (tests,
 * tsx) have no such copy and load the package itself.
 */
import { createRequire } from 'node:module';
import type fastifyFactory from 'fastify';

const requireHere = createRequire(import.meta.url);

function loadFastify(): typeof fastifyFactory {
  try {
    return requireHere('../../vendor/fastify.cjs') as typeof fastifyFactory;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'MODULE_NOT_FOUND') throw err;
    return requireHere('fastify') as typeof fastifyFactory;
  }
}

export const Fastify = loadFastify();
