import { writeFileSync } from 'node:fs';
import { join } from 'node:path';

/**
 * A plain-JS plugin module with one source type per validate outcome. Its config schema accepts
 * any mapping; `fetch` always throws, so a test fails if validate ever fetches.
 */
const PLUGIN_MODULE = `
const anyConfig = { safeParse: (input) => ({ success: true, data: input }) };
const noFetch = async () => { throw new Error('fetch must never be called by validate'); };
function plugin(typeName, makeSource) {
  return { typeName, configSchema: anyConfig, extrasRequired: [], noExpandFields: new Set(), create: makeSource };
}
export const probeOk = plugin('probe_ok', async () => ({
  fetch: noFetch,
  probe: async () => { globalThis.__recotemProbeCalls = (globalThis.__recotemProbeCalls ?? 0) + 1; },
}));
export const noProbe = plugin('no_probe', async () => ({ fetch: noFetch }));
export const probeFails = plugin('probe_fails', async () => ({
  fetch: noFetch,
  probe: async () => { throw Object.assign(new Error('warehouse unreachable'), { code: 'datasource_error' }); },
}));
export const createFails = plugin('create_fails', () => { throw new TypeError('driver exploded'); });
`;

export const PLUGIN_EXPORTS = ['probeOk', 'noProbe', 'probeFails', 'createFails'];

/** Writes the plugin module into `dir` and returns the RECOTEM_PLUGINS value registering it. */
export function writeTestPlugins(dir: string): string {
  const file = join(dir, 'test-plugins.mjs');
  writeFileSync(file, PLUGIN_MODULE);
  return PLUGIN_EXPORTS.map((name) => `${file}#${name}`).join(',');
}

/** A complete recipe whose source is `sourceYaml` (indented under `source:`). */
export function recipeYaml(name: string, sourceYaml: string): string {
  return `name: ${name}
source:
${sourceYaml}
schema:
  user_column: user_id
  item_column: item_id
training:
  algorithms: [TopPop]
  n_trials: 1
output:
  path: ./artifacts/${name}.recotem
`;
}

/** A recipe `${NAME}` reference, spelled out so the source does not look like a broken template. */
export function ref(name: string): string {
  return `\${${name}}`;
}
