/**
 * The opt-in request fields: history fold-in, `unknown_user: popular`, metadata filters before the
 * cut, before-cut exclusions and explanations. Requests without them must answer as before.
 */
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createRecommender } from '../../src/algorithms/index.js';
import { csrFromCoo } from '../../src/linalg/csr.js';
import type { MetadataIndex, ModelEntry } from '../../src/serve/registry/entry.js';
import { buildFilterIndex } from '../../src/serve/scoring/filters.js';
import { indexIds, type ServingModel } from '../../src/serve/scoring/model.js';
import { ThreadPoolExecutor } from '../../src/serve/scoring/pool.js';
import { buildArtifact, writeArtifactFile } from '../helpers/artifacts.js';
import { API_KEY, jsonHeaders, keyEntries, makeApp, type TestApp } from './helpers/app.js';
import { loadedEntry, standardModel } from './helpers/model.js';
import { recipeYaml } from './helpers/recipes.js';
import { serverOver, tempDir } from './helpers/server.js';

let t: TestApp | undefined;
afterEach(async () => {
  await t?.app.close();
  t = undefined;
});

/** i1..i6: genre, a CSV-style year (text) and a numeric rating. */
const METADATA: MetadataIndex = new Map([
  ['i1', { genre: 'drama', year: '1990', rating: 4.5, secret: 'x' }],
  ['i2', { genre: 'comedy', year: '1995', rating: 3 }],
  ['i3', { genre: 'drama', year: '2001', rating: 2 }],
  ['i4', { genre: 'comedy', year: '2010', rating: 5 }],
  ['i5', { genre: 'drama', year: '2015', rating: 1 }],
  ['i6', { genre: 'horror', year: '2020', rating: null }],
]);

function withFilters(entry: ModelEntry, filterable = ['genre', 'year', 'rating']): ModelEntry {
  const model = entry.model!;
  return {
    ...entry,
    metadataIndex: METADATA,
    filterIndex: buildFilterIndex(model.itemIds, METADATA, filterable),
  };
}

async function app(entries: ModelEntry[] = [withFilters(loadedEntry('demo', standardModel()))]) {
  t = await makeApp({ settings: { apiKeys: keyEntries(['k1', API_KEY]) }, entries });
  return t.app;
}

async function post(body: unknown, verb = 'recommend', recipe = 'demo') {
  return t!.app.inject({
    method: 'POST',
    url: `/v1/recipes/${recipe}:${verb}`,
    headers: jsonHeaders(),
    payload: JSON.stringify(body),
  });
}

const ids = (r: { json: () => { items: { item_id: string }[] } }) => r.json().items.map((i) => i.item_id);

describe('history', () => {
  it('folds an unknown user in from the history and never returns the history items', async () => {
    await app();
    const r = await post({ user_id: 'new', history: ['i2', 'i1', 'nope'], limit: 3 });
    expect(r.statusCode).toBe(200);
    // Fold-in of the fixture sums item factors (6-index): profile 11, scores 11*(6-i).
    expect(r.json().items).toEqual([
      expect.objectContaining({ item_id: 'i3', score: 44 }),
      expect.objectContaining({ item_id: 'i4', score: 33 }),
      expect.objectContaining({ item_id: 'i5', score: 22 }),
    ]);
  });

  it('adds the history to a known user and masks both the training row and the history', async () => {
    await app();
    const r = await post({ user_id: 'u1', history: ['i2'], limit: 2 });
    expect(r.statusCode).toBe(200);
    // u1 saw i1; profile = i1 + i2 → factor 6 + 5 = 11.
    expect(r.json().items).toEqual([
      { item_id: 'i3', score: 44, genre: 'drama', year: '2001', rating: 2 },
      { item_id: 'i4', score: 33, genre: 'comedy', year: '2010', rating: 5 },
    ]);
  });

  it('rejects more history items than serving.max_history, naming the limit', async () => {
    await app([loadedEntry('demo', standardModel(), { maxHistory: 2 })]);
    const r = await post({ user_id: 'u1', history: ['i1', 'i2', 'i3'] });
    expect(r.statusCode).toBe(422);
    expect(r.json().errors[0]).toMatchObject({ loc: ['body', 'history'], type: 'too_long' });
    expect(r.json().errors[0].msg).toContain('at most 2 items');
  });

  it('unknown user without usable history: 404 with unknown_user error, popular items with popular', async () => {
    await app([
      loadedEntry('strict', standardModel()),
      withFilters(loadedEntry('pop', standardModel(), { popular: true })),
    ]);
    const strict = await post({ user_id: 'new', history: ['nope'] }, 'recommend', 'strict');
    expect(strict.statusCode).toBe(404);
    expect(strict.json()).toEqual({ detail: 'user not seen during training', code: 'UNKNOWN_USER' });

    const pop = await post({ user_id: 'new', history: ['nope'], limit: 2 }, 'recommend', 'pop');
    expect(pop.statusCode).toBe(200);
    // Column sums of the seen matrix: i1 = 2 (u1, u2), every other item 1.
    expect(pop.json().items.map((i: { item_id: string; score: number }) => [i.item_id, i.score])).toEqual([
      ['i1', 2],
      ['i2', 1],
    ]);
    const filtered = await post(
      {
        user_id: 'new',
        limit: 2,
        filter: { genre: { eq: 'comedy' } },
        exclude_items: ['i2'],
        exclude_mode: 'before_cut',
      },
      'recommend',
      'pop',
    );
    expect(ids(filtered)).toEqual(['i4']);
  });
});

describe('history with real models and in batches', () => {
  it('IALS: an unknown user with a history is folded in like the same seeds on recommend-related', async () => {
    const model = await knnModel('IALSRecommender', { n_components: 3, train_epochs: 5, random_seed: 1 });
    await app([loadedEntry('ials', model)]);
    const r = await post({ user_id: 'stranger', history: ['m1', 'm2'], limit: 3 }, 'recommend', 'ials');
    expect(r.statusCode).toBe(200);
    const got = ids(r);
    expect(got).toHaveLength(3);
    expect(got).not.toContain('m1');
    expect(got).not.toContain('m2');
    const related = await post({ seed_items: ['m1', 'm2'], limit: 3 }, 'recommend-related', 'ials');
    expect(r.json().items).toEqual(related.json().items);
  });

  it('batch elements: history above max_history and an undeclared filter are element errors', async () => {
    await app([loadedEntry('demo', standardModel(), { maxHistory: 1 })]);
    const r = await post(
      {
        requests: [
          { user_id: 'new', history: ['i1', 'i2'] },
          { user_id: 'new', history: ['i1'], limit: 1 },
          { user_id: 'u1', filter: { genre: { eq: 'x' } } },
        ],
      },
      'batch-recommend',
    );
    const results = r.json().results;
    expect(results[0].error).toEqual({
      code: 'VALIDATION_ERROR',
      message: 'history: List should have at most 1 item after validation',
    });
    expect(results[1]).toEqual({ index: 1, status: 'ok', items: [{ item_id: 'i2', score: 30 }] });
    expect(results[2].error.code).toBe('VALIDATION_ERROR');
    expect(results[2].error.message).toContain("'genre'");
  });

  it('an undeclared filter field is a 422 even for a user that would be 404', async () => {
    await app([loadedEntry('demo', standardModel())]);
    const r = await post({ user_id: 'nobody', filter: { genre: { eq: 'x' } } });
    expect(r.statusCode).toBe(422);
    const plain = await post({ user_id: 'nobody' });
    expect(plain.statusCode).toBe(404);
  });
});

describe('filters', () => {
  it('returns exactly limit items when enough pass, fewer only when not', async () => {
    await app();
    const drama = await post({ user_id: 'u3', limit: 2, filter: { genre: { eq: 'drama' } } });
    // u3 ranks reversed (i6 first); i6 and i4 fail the filter but two dramas remain.
    expect(ids(drama)).toEqual(['i5', 'i3']);
    const three = await post({ user_id: 'u3', limit: 5, filter: { genre: { eq: 'drama' } } });
    expect(ids(three)).toEqual(['i5', 'i3', 'i1']);
    const none = await post({ user_id: 'u3', limit: 5, filter: { genre: { eq: 'western' } } });
    expect(none.statusCode).toBe(200);
    expect(ids(none)).toEqual([]);
  });

  it('eq / in / nin / gte / lte semantics, numbers numeric, strings exact', async () => {
    await app();
    const run = async (filter: unknown) => ids(await post({ user_id: 'u4', limit: 10, filter }));
    expect(await run({ genre: { in: ['comedy', 'horror'] } })).toEqual(['i2', 'i4', 'i6']);
    expect(await run({ genre: { nin: ['comedy', 'horror'] } })).toEqual(['i1', 'i3', 'i5']);
    // The CSV-style text year compares numerically against a number operand.
    expect(await run({ year: { gte: 2001, lte: 2015 } })).toEqual(['i3', 'i4', 'i5']);
    expect(await run({ year: { eq: 1995 } })).toEqual(['i2']);
    expect(await run({ year: { eq: '1995' } })).toEqual(['i2']);
    // A string bound compares as text.
    expect(await run({ year: { lte: '2001' } })).toEqual(['i1', 'i2', 'i3']);
    // A null rating never satisfies a bound; nin keeps it.
    expect(await run({ rating: { gte: 3 } })).toEqual(['i1', 'i2', 'i4']);
    expect(await run({ rating: { nin: [3, 5] } })).toEqual(['i1', 'i3', 'i5', 'i6']);
    // Conditions on several fields all apply.
    expect(await run({ genre: { eq: 'drama' }, rating: { lte: 2 } })).toEqual(['i3', 'i5']);
  });

  it('422 naming the field for an undeclared field, a denied field or a recipe without metadata', async () => {
    await app([
      withFilters(loadedEntry('demo', standardModel()), ['genre', 'secret_field']),
      loadedEntry('plain', standardModel()),
    ]);
    for (const [recipe, field] of [
      ['demo', 'year'],
      ['demo', 'secret_field'],
      ['plain', 'genre'],
    ]) {
      const r = await post({ user_id: 'u1', filter: { [field]: { eq: 'x' } } }, 'recommend', recipe);
      expect(r.statusCode).toBe(422);
      expect(r.json()).toMatchObject({ code: 'VALIDATION_ERROR' });
      expect(r.json().errors[0].loc).toEqual(['body', 'filter', field]);
      expect(r.json().errors[0].msg).toContain(`'${field}'`);
    }
    const empty = await post({ user_id: 'u1', filter: { genre: {} } });
    expect(empty.statusCode).toBe(422);
    const unknownOp = await post({ user_id: 'u1', filter: { genre: { like: 'd%' } } });
    expect(unknownOp.statusCode).toBe(422);
    expect(unknownOp.json().errors[0].type).toBe('extra_forbidden');
  });

  it('applies to recommend-related and to batch elements', async () => {
    await app();
    const related = await post(
      { seed_items: ['i1'], limit: 2, filter: { genre: { eq: 'comedy' } } },
      'recommend-related',
    );
    expect(ids(related)).toEqual(['i2', 'i4']);
    const batch = await post(
      {
        requests: [
          { user_id: 'u3', limit: 2, filter: { genre: { eq: 'drama' } } },
          { user_id: 'u1', filter: { nope: { eq: 1 } } },
          { user_id: 'new', history: ['i1'], limit: 1 },
          { user_id: 'u1', limit: 2 },
        ],
      },
      'batch-recommend',
    );
    const results = batch.json().results;
    expect(results[0].items.map((i: { item_id: string }) => i.item_id)).toEqual(['i5', 'i3']);
    expect(results[1]).toMatchObject({ status: 'error', error: { code: 'VALIDATION_ERROR' } });
    expect(results[1].error.message).toMatch(/^filter\.nope: .*'nope'/);
    expect(results[2].items).toEqual([{ item_id: 'i2', score: 30 }]);
    expect(results[3].items).toEqual([
      { item_id: 'i2', score: 5 },
      { item_id: 'i3', score: 4 },
    ]);
    const relatedBatch = await post(
      { requests: [{ seed_items: ['i1'], limit: 2, filter: { genre: { eq: 'western' } } }] },
      'batch-recommend-related',
    );
    expect(relatedBatch.json().results[0]).toEqual({ index: 0, status: 'ok', items: [] });
  });
});

describe('exclude_mode', () => {
  it('before_cut keeps limit items; the default still excludes after the cut', async () => {
    await app();
    const after = await post({ user_id: 'u1', limit: 3, exclude_items: ['i2'] });
    expect(ids(after)).toEqual(['i3', 'i4']);
    const before = await post({ user_id: 'u1', limit: 3, exclude_items: ['i2'], exclude_mode: 'before_cut' });
    expect(ids(before)).toEqual(['i3', 'i4', 'i5']);
  });
});

describe('unchanged requests', () => {
  it('a request without the new fields answers exactly as the masked path with a pass-all filter', async () => {
    const model = standardModel({ userFactors: [[0.37], [1], [-1.3], [0.001]] });
    await app([withFilters(loadedEntry('demo', model))]);
    for (const user of ['u1', 'u3', 'u4']) {
      const plain = await post({ user_id: user, limit: 4 });
      const passAll = await post({ user_id: user, limit: 4, filter: { genre: { nin: ['western'] } } });
      expect(plain.statusCode).toBe(200);
      expect(passAll.json().items).toEqual(plain.json().items);
      expect(plain.json().items.every((i: object) => !('because' in i))).toBe(true);
    }
    // And the plain answer is the hand-computed one: u1 saw i1, factor 0.37 × (6 − index).
    const plain = await post({ user_id: 'u1', limit: 2 });
    expect(plain.json().items.map((i: { item_id: string; score: number }) => [i.item_id, i.score])).toEqual([
      ['i2', Math.fround(0.37 * 5)],
      ['i3', Math.fround(0.37 * 4)],
    ]);
  });
});

/** A real model over a small interaction matrix (CosineKNN unless told). */
async function knnModel(
  className = 'CosineKNNRecommender',
  params: Record<string, number> = { top_k: 10 },
): Promise<ServingModel> {
  const userIds = ['a', 'b', 'c', 'd', 'e'];
  const itemIds = ['m1', 'm2', 'm3', 'm4', 'm5'];
  const pairs: [number, number][] = [
    [0, 0],
    [0, 1],
    [0, 2],
    [1, 0],
    [1, 1],
    [2, 1],
    [2, 2],
    [2, 3],
    [3, 3],
    [3, 4],
    [4, 0],
    [4, 4],
  ];
  const seen = csrFromCoo(
    userIds.length,
    itemIds.length,
    pairs.map(([u]) => u),
    pairs.map(([, i]) => i),
  );
  const recommender = createRecommender(className, seen, params);
  await recommender.fit();
  return {
    algorithm: recommender.className,
    nUsers: userIds.length,
    nItems: itemIds.length,
    userIds,
    itemIds,
    userIndex: indexIds(userIds),
    itemIndex: indexIds(itemIds),
    seen,
    recommender,
    saved: recommender.save(),
  };
}

describe('explain', () => {
  it('CosineKNN: because lists the history items whose weights sum to the score', async () => {
    const model = await knnModel();
    await app([loadedEntry('knn', model)]);
    const r = await post({ seed_items: ['m1', 'm2'], limit: 3, explain: true }, 'recommend-related', 'knn');
    expect(r.statusCode).toBe(200);
    const items = r.json().items as {
      item_id: string;
      score: number;
      because: { item_id: string; weight: number }[];
    }[];
    expect(items.length).toBeGreaterThan(0);
    for (const item of items) {
      expect(item.because.length).toBeGreaterThan(0);
      for (const b of item.because) expect(['m1', 'm2']).toContain(b.item_id);
      const sum = item.because.reduce((s, b) => s + b.weight, 0);
      expect(sum).toBeCloseTo(item.score, 5);
    }
    // Known user: the training row is the history (user d saw m4, m5).
    const known = await post({ user_id: 'd', limit: 2, explain: true }, 'recommend', 'knn');
    for (const item of known.json().items as typeof items) {
      const sum = item.because.reduce((s, b) => s + b.weight, 0);
      expect(sum).toBeCloseTo(item.score, 5);
      for (const b of item.because) expect(['m4', 'm5']).toContain(b.item_id);
    }
    // Without explain nothing is added.
    const quiet = await post({ seed_items: ['m1', 'm2'], limit: 3 }, 'recommend-related', 'knn');
    expect(quiet.json().items.every((i: object) => !('because' in i))).toBe(true);
    expect(quiet.json().items.map((i: { item_id: string }) => i.item_id)).toEqual(items.map((i) => i.item_id));
  });

  it('models without explain omit because and still answer 200', async () => {
    await app();
    const r = await post({ user_id: 'u1', limit: 2, explain: true });
    expect(r.statusCode).toBe(200);
    expect(ids(r)).toEqual(['i2', 'i3']);
    expect(r.json().items.every((i: object) => !('because' in i))).toBe(true);
  });
});

describe('filter index built at load', () => {
  it('a recipe with item_metadata.filterable filters CSV metadata; a deny-listed field is not filterable', async () => {
    const { dir, cleanup } = await tempDir();
    const server = { app: undefined as Awaited<ReturnType<typeof serverOver>> | undefined };
    try {
      await writeArtifactFile(join(dir, 'm.recotem'), buildArtifact({ recipeName: 'm' }));
      await writeFile(join(dir, 'items.csv'), 'item_id,genre,secret\ni2,a,1\ni3,b,2\ni4,a,3\ni5,b,4\ni6,a,5\n');
      const yaml = recipeYaml('m', {
        artifactPath: join(dir, 'm.recotem'),
        metadata: { path: join(dir, 'items.csv'), fields: ['genre', 'secret'] },
      });
      await writeFile(join(dir, 'm.yaml'), `${yaml}  filterable: [genre, secret]\n`);
      server.app = await serverOver(dir, { settings: { metadataFieldDeny: ['secret'] } });
      const ask = (body: unknown) =>
        server.app!.inject({
          method: 'POST',
          url: '/v1/recipes/m:recommend',
          headers: { 'content-type': 'application/json' },
          payload: JSON.stringify(body),
        });
      const plain = await ask({ user_id: 'u1', limit: 2 });
      expect(plain.statusCode).toBe(200);
      const filtered = await ask({ user_id: 'u1', limit: 2, filter: { genre: { eq: 'a' } } });
      expect(filtered.statusCode).toBe(200);
      const got = filtered.json().items as { item_id: string; genre: string }[];
      expect(got).toHaveLength(2);
      expect(got.every((i) => i.genre === 'a')).toBe(true);
      expect(got.map((i) => i.item_id)).not.toEqual(plain.json().items.map((i: { item_id: string }) => i.item_id));
      const denied = await ask({ user_id: 'u1', filter: { secret: { gte: 1 } } });
      expect(denied.statusCode).toBe(422);
      expect(denied.json().errors[0].loc).toEqual(['body', 'filter', 'secret']);
    } finally {
      await server.app?.close();
      await cleanup();
    }
  });
});

describe('scoring threads', () => {
  it('masked and folded-in jobs answer the same in a scoring thread as inline', async () => {
    const model = await knnModel();
    const bodies: [string, unknown][] = [
      ['recommend', { user_id: 'a', history: ['m4'], limit: 3, explain: true }],
      ['recommend', { user_id: 'zz', history: ['m1', 'm5'], limit: 3 }],
      ['recommend', { user_id: 'b', limit: 3, exclude_items: ['m3'], exclude_mode: 'before_cut' }],
      ['recommend-related', { seed_items: ['m1'], limit: 2, exclude_items: ['m2'], exclude_mode: 'before_cut' }],
    ];
    await app([loadedEntry('knn', model)]);
    const inline = [];
    for (const [verb, body] of bodies) inline.push((await post(body, verb, 'knn')).json().items);
    await t!.app.close();
    const pool = new ThreadPoolExecutor(1, 0);
    try {
      await pool.attach('knn#test', model);
      t = await makeApp({
        settings: { apiKeys: keyEntries(['k1', API_KEY]) },
        entries: [loadedEntry('knn', model)],
        executor: pool,
      });
      for (const [j, [verb, body]] of bodies.entries()) {
        const r = await post(body, verb, 'knn');
        expect(r.statusCode).toBe(200);
        expect(r.json().items).toEqual(inline[j]);
        expect(r.json().items.length).toBeGreaterThan(0);
      }
    } finally {
      await t?.app.close();
      t = undefined;
      await pool.close();
    }
  });
});

describe('OpenAPI', () => {
  it('documents the new request fields and because', async () => {
    t = await makeApp({ settings: { apiKeys: keyEntries(['k1', API_KEY]), env: 'dev' } });
    const doc = (await t.app.inject({ method: 'GET', url: '/openapi.json' })).json();
    const schemas = doc.components.schemas;
    expect(Object.keys(schemas.RecommendRequest.properties)).toEqual(
      expect.arrayContaining(['user_id', 'history', 'filter', 'exclude_mode', 'explain']),
    );
    expect(schemas.RecommendRequest.additionalProperties).toBe(false);
    expect(Object.keys(schemas.RecommendRelatedRequest.properties)).toEqual(
      expect.arrayContaining(['seed_items', 'filter', 'exclude_mode', 'explain']),
    );
    expect(JSON.stringify(schemas.FilterCondition)).toContain('"gte"');
    expect(schemas.RecommendItem.properties.because).toBeDefined();
  });
});

describe('over real HTTP', () => {
  it('history, filter and before-cut exclusions together', async () => {
    const a = await app();
    await a.listen({ host: '127.0.0.1', port: 0 });
    const address = a.server.address();
    const port = typeof address === 'object' && address ? address.port : 0;
    const r = await fetch(`http://127.0.0.1:${port}/v1/recipes/demo:recommend`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-api-key': API_KEY },
      body: JSON.stringify({
        user_id: 'visitor',
        history: ['i1'],
        filter: { genre: { in: ['drama', 'comedy'] } },
        exclude_items: ['i2'],
        exclude_mode: 'before_cut',
        limit: 2,
      }),
    });
    expect(r.status).toBe(200);
    const body = (await r.json()) as { items: { item_id: string; score: number }[] };
    expect(body.items.map((i) => [i.item_id, i.score])).toEqual([
      ['i3', 24],
      ['i4', 18],
    ]);
  });
});
