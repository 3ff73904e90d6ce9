/**
 * The YAML library, from the single-file copy `npm run build` writes to dist/vendor/yaml.cjs
 * (scripts/build-vendor.mjs) when there is one: the same package in one file instead of about 70
 * CommonJS modules, which every start of a compiled `recotem` loaded one by one. The sources
 * (tests, tsx) have no such copy and load the package itself.
 */
import { createRequire } from 'node:module';
import type * as YamlPackage from 'yaml';

const requireHere = createRequire(import.meta.url);

function loadYaml(): typeof YamlPackage {
  try {
    return requireHere('../vendor/yaml.cjs') as typeof YamlPackage;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'MODULE_NOT_FOUND') throw err;
    return requireHere('yaml') as typeof YamlPackage;
  }
}

export const yaml = loadYaml();
