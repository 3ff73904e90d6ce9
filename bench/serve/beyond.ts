/**
 * Cost of the opt-in request fields on the ml-small IALS model (610 × 9 724, k = 64): sequential
 * in-process requests (Fastify inject, no sockets) so the figures are per-request latency of the
 * server code, not of a load generator. Item metadata comes from ml-latest-small's movies.csv
 * (first genre, release year), declared filterable in the recipe.
 *
 *   npx tsx bench/serve/beyond.ts [--requests 3000]
 */
import { readFileSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import type { SourceTypeLookup } from '../../src/recipe/types.js';
import { buildServer } from '../../src/serve/index.js';
import { BENCH_KEY_RING, prepareModel } from './prepare.js';

const { values } = parseArgs({
  options: {
    requests: { type: 'string', default: '3000' },
    dir: { type: 'string', default: join(tmpdir(), 'recotem-bench-serve') },
  },
});
const REQUESTS = Number(values.requests);
const dir = values.dir!;
const MOVIES = fileURLToPath(new URL('../../../shared/data/ml-latest-small/movies.csv', import.meta.url));

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

/** movieId,genre,year from movies.csv (titles hold commas, so the year is read from the end). */
function movieMetadata(): string {
  const out = ['item_id,genre,year'];
  const lines = readFileSync(MOVIES, 'utf8').split(/\r?\n/);
  for (let n = 1; n < lines.length; n++) {
    const line = lines[n];
    if (line === '') continue;
    const id = line.slice(0, line.indexOf(','));
    const genres = line.slice(line.lastIndexOf(',') + 1);
    const year = /\((\d{4})\)\s*"?,[^,]*$/.exec(line)?.[1] ?? '';
    out.push(`${id},${genres.split('|')[0]},${year}`);
  }
  return `${out.join('\n')}\n`;
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}

const model = await prepareModel(dir, 'ml-small', (s) => console.error(s));
await writeFile(join(dir, 'movies-meta.csv'), movieMetadata());
const recipe = [
  'name: beyond',
  'source: {type: csv, path: /dev/null}',
  'schema: {user_column: user, item_column: item}',
  'training: {algorithms: [IALS]}',
  `output: {path: ${JSON.stringify(model.artifactPath)}}`,
  `item_metadata: {type: csv, path: ${JSON.stringify(join(dir, 'movies-meta.csv'))}, fields: [genre, year], item_id_column: item_id, filterable: [genre, year]}`,
  '',
].join('\n');
const recipesDir = join(dir, 'beyond-recipes');
await import('node:fs/promises').then((fs) => fs.mkdir(recipesDir, { recursive: true }));
await writeFile(join(recipesDir, 'beyond.yaml'), recipe);

const app = await buildServer({ settings: {}, recipesDir, keyRing: BENCH_KEY_RING, sourceRegistry: lookup });
await app.ready();

const users = model.sampleUsers;
const items = model.sampleItems;
const pick = (j: number, n: number) => Array.from({ length: n }, (_, k) => items[(j * 7 + k * 131) % items.length]);

const cases: [string, (j: number) => unknown, string][] = [
  ['plain', (j) => ({ user_id: users[j % users.length], limit: 10 }), 'recommend'],
  [
    'filter genre=Drama',
    (j) => ({ user_id: users[j % users.length], limit: 10, filter: { genre: { eq: 'Drama' } } }),
    'recommend',
  ],
  [
    'filter year 2000..2009, genre in 3',
    (j) => ({
      user_id: users[j % users.length],
      limit: 10,
      filter: { year: { gte: 2000, lte: 2009 }, genre: { in: ['Comedy', 'Action', 'Drama'] } },
    }),
    'recommend',
  ],
  [
    'exclude 20 before_cut',
    (j) => ({ user_id: users[j % users.length], limit: 10, exclude_items: pick(j, 20), exclude_mode: 'before_cut' }),
    'recommend',
  ],
  [
    'unknown user, history 10 (fold-in)',
    (j) => ({ user_id: `new-${j}`, limit: 10, history: pick(j, 10) }),
    'recommend',
  ],
  [
    'unknown user, history 10 + filter',
    (j) => ({ user_id: `new-${j}`, limit: 10, history: pick(j, 10), filter: { genre: { eq: 'Drama' } } }),
    'recommend',
  ],
  [
    'known user + history 5',
    (j) => ({ user_id: users[j % users.length], limit: 10, history: pick(j, 5) }),
    'recommend',
  ],
  ['related, 3 seeds (reference)', (j) => ({ seed_items: pick(j, 3), limit: 10 }), 'recommend-related'],
];

console.log(`ml-small IALS k=64, ${REQUESTS} sequential requests per case (inject, warm-up 200)`);
console.log('| case | p50 ms | p99 ms | mean ms | items/resp |');
console.log('| --- | --- | --- | --- | --- |');
for (const [label, body, verb] of cases) {
  const run = async (j: number) => {
    const r = await app.inject({
      method: 'POST',
      url: `/v1/recipes/beyond:${verb}`,
      headers: { 'content-type': 'application/json' },
      payload: JSON.stringify(body(j)),
    });
    if (r.statusCode !== 200) throw new Error(`${label}: HTTP ${r.statusCode} ${r.body.slice(0, 200)}`);
    return (r.json() as { items: unknown[] }).items.length;
  };
  for (let j = 0; j < 200; j++) await run(j);
  const times: number[] = [];
  let itemsTotal = 0;
  for (let j = 0; j < REQUESTS; j++) {
    const t0 = performance.now();
    itemsTotal += await run(j);
    times.push(performance.now() - t0);
  }
  times.sort((a, b) => a - b);
  const mean = times.reduce((s, x) => s + x, 0) / times.length;
  console.log(
    `| ${label} | ${percentile(times, 50).toFixed(3)} | ${percentile(times, 99).toFixed(3)} | ${mean.toFixed(3)} | ${(itemsTotal / REQUESTS).toFixed(1)} |`,
  );
}
await app.close();
