/**
 * Fixtures for export tests: a small IALS model with random factors and a recipe with item
 * metadata (filterable genre), the export request built over them, and the API's lists for the
 * same users from a server over the same recipe directory.
 */
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import type { ExportRequest } from '../../src/export/index.js';
import { loadRecipe } from '../../src/recipe/index.js';
import { buildArtifact, TEST_KEY_RING, writeArtifactFile } from '../helpers/artifacts.js';
import { csvOnlyLookup, recipeYaml } from '../serve/helpers/recipes.js';

export const N_USERS = 37;
/**
 * Big enough that every scoring call, even of one user pair, takes the WebAssembly kernel path
 * (2 × items × factors ≥ its 4096 multiply-add threshold), as any real model does: below it the
 * API's own results depend on how many users share a call.
 */
export const N_ITEMS = 300;
export const GENRES = ['drama', 'comedy', 'noir'];

/** Deterministic pseudo-random numbers (tests must not depend on Math.random). */
function lcg(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

export interface Fixture {
  dir: string;
  recipePath: string;
  artifactPath: string;
  userIds: string[];
  itemIds: string[];
}

export async function writeFixture(dir: string, opts: { unknownUser?: 'popular' } = {}): Promise<Fixture> {
  const rand = lcg(42);
  const userIds = Array.from({ length: N_USERS }, (_, u) => `u${u}`);
  // Ids that need quoting in CSV, and a non-ASCII one.
  const itemIds = Array.from({ length: N_ITEMS }, (_, i) => (i === 3 ? 'item,"3"' : i === 5 ? 'itém-5' : `i${i}`));
  const seen: [number, number][] = [];
  for (let u = 0; u < N_USERS; u++) for (let i = 0; i < N_ITEMS; i++) if (rand() < 0.05) seen.push([u, i]);
  const k = 8;
  const userFactors = userIds.map(() => Array.from({ length: k }, () => rand() * 2 - 1));
  const itemFactors = itemIds.map(() => Array.from({ length: k }, () => rand() * 2 - 1));
  const artifactPath = join(dir, 'model.recotem');
  await writeArtifactFile(
    artifactPath,
    buildArtifact({
      algorithm: 'IALSRecommender',
      userIds,
      itemIds,
      seen,
      userFactors,
      itemFactors,
      recipeName: 'exp',
    }),
  );
  const csvId = (id: string) => (/[",]/.test(id) ? `"${id.replaceAll('"', '""')}"` : id);
  const rows = itemIds.map((id, i) => `${csvId(id)},${GENRES[i % 3]},${1990 + i}`);
  await writeFile(join(dir, 'items.csv'), `item_id,genre,year\n${rows.join('\n')}\n`);
  const yaml = recipeYaml('exp', {
    artifactPath,
    unknownUser: opts.unknownUser,
    metadata: { path: join(dir, 'items.csv'), fields: ['genre', 'year'] },
  });
  const recipePath = join(dir, 'exp.yaml');
  await writeFile(recipePath, `${yaml}  filterable: [genre, year]\n`);
  return { dir, recipePath, artifactPath, userIds, itemIds };
}

export async function exportRequest(fx: Fixture, over: Partial<ExportRequest>): Promise<ExportRequest> {
  const recipe = await loadRecipe(fx.recipePath, { registry: csvOnlyLookup as never, env: {} });
  return {
    source: { recipe, artifact: fx.artifactPath },
    limits: { keyRing: TEST_KEY_RING, artifactCap: 2 ** 30, payloadCap: 2 ** 29, metadataFieldDeny: [] },
    to: join(fx.dir, 'out.csv'),
    format: null,
    table: null,
    limit: 5,
    idsFile: null,
    related: false,
    filter: null,
    excludeSeen: true,
    metadataFields: [],
    threads: 1,
    interactive: false,
    env: {},
    chunkRows: 40,
    ...over,
  };
}

export interface Row {
  key: string;
  rank: number;
  item: string;
  score: number;
}

/** The API's lists for `keys`, as rows, from `:batch-recommend` (or the related verb). */
export async function apiRows(
  app: FastifyInstance,
  keys: readonly string[],
  opts: { limit: number; related?: boolean; filter?: unknown },
): Promise<Row[]> {
  const verb = opts.related ? 'batch-recommend-related' : 'batch-recommend';
  const out: Row[] = [];
  for (let start = 0; start < keys.length; start += 100) {
    const part = keys.slice(start, start + 100);
    const requests = part.map((k) =>
      opts.related
        ? { seed_items: [k], limit: opts.limit, ...(opts.filter ? { filter: opts.filter } : {}) }
        : { user_id: k, limit: opts.limit, ...(opts.filter ? { filter: opts.filter } : {}) },
    );
    const r = await app.inject({
      method: 'POST',
      url: `/v1/recipes/exp:${verb}`,
      headers: { 'content-type': 'application/json' },
      payload: JSON.stringify({ requests }),
    });
    if (r.statusCode !== 200) throw new Error(`API answered ${r.statusCode}: ${r.body}`);
    const results = r.json().results as {
      index: number;
      status: string;
      items?: { item_id: string; score: number }[];
    }[];
    for (const res of results) {
      (res.items ?? []).forEach((it, j) => {
        out.push({ key: part[res.index], rank: j + 1, item: it.item_id, score: it.score });
      });
    }
  }
  return out;
}

/** Minimal RFC 4180 reader for the exported CSV (quoted fields, doubled quotes). */
export function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let field = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') {
        field += '"';
        i++;
      } else if (c === '"') quoted = false;
      else field += c;
    } else if (c === '"') quoted = true;
    else if (c === ',') {
      row.push(field);
      field = '';
    } else if (c === '\n') {
      row.push(field);
      rows.push(row);
      row = [];
      field = '';
    } else field += c;
  }
  if (field !== '' || row.length > 0) {
    row.push(field);
    rows.push(row);
  }
  return rows;
}

export function csvRows(text: string): { header: string[]; rows: Row[]; raw: string[][] } {
  const [header, ...raw] = parseCsv(text);
  return {
    header,
    raw,
    rows: raw.map((r) => ({ key: r[0], rank: Number(r[1]), item: r[2], score: Number(r[3]) })),
  };
}
