/** Item metadata at load time: the data-layer reader, the deny list and the per-record checks. */
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { isUnserializable } from '../../src/serve/http/items.js';
import { buildMetadataIndex } from '../../src/serve/loading/metadata-index.js';
import { buildArtifact, writeArtifactFile } from '../helpers/artifacts.js';
import { writeRecipe } from './helpers/recipes.js';
import { details, recommend, serverOver, tempDir } from './helpers/server.js';

describe('buildMetadataIndex', () => {
  it('keeps column order, drops denied fields case-insensitively, normalises missing values', () => {
    const { index, skippedRows } = buildMetadataIndex(
      {
        fields: ['title', 'Secret', 'price', 'tags', 'when', 'big'],
        rows: new Map<string, unknown[]>([
          ['a', ['A', 's1', Number.NaN, ['x', 1], new Date('2026-01-02T03:04:05Z'), 5n]],
          ['b', ['B', 's2', Number.POSITIVE_INFINITY, null, null, null]],
          ['c', ['C', 's3', 1.5, undefined, null, 2n ** 70n]],
        ]),
      },
      ['secret'],
    );
    expect(skippedRows).toBe(0);
    expect(index.get('a')).toEqual({
      title: 'A',
      price: null,
      tags: ['x', 1],
      when: '2026-01-02T03:04:05.000Z',
      big: 5,
    });
    expect(Object.keys(index.get('a')!)).toEqual(['title', 'price', 'tags', 'when', 'big']);
    expect(isUnserializable(index.get('b')!)).toBe(true);
    expect(isUnserializable(index.get('c')!)).toBe(true);
  });
});

describe('metadata loaded from a recipe', () => {
  let dir: string;
  let cleanup: () => Promise<void>;
  let app: FastifyInstance | undefined;
  beforeEach(async () => {
    ({ dir, cleanup } = await tempDir());
  });
  afterEach(async () => {
    await app?.close();
    app = undefined;
    await cleanup();
  });

  it('joins CSV metadata (strings) into items, without the denied column', async () => {
    await writeArtifactFile(join(dir, 'm.recotem'), buildArtifact({ recipeName: 'm' }));
    await writeFile(join(dir, 'items.csv'), 'item_id,title,internal_cost,score\ni2,Two,17,999\ni3,,18,x\n');
    await writeRecipe(dir, 'm.yaml', 'm', {
      artifactPath: join(dir, 'm.recotem'),
      metadata: { path: join(dir, 'items.csv'), fields: ['title', 'internal_cost', 'score'] },
    });
    app = await serverOver(dir, { settings: { metadataFieldDeny: ['INTERNAL_COST'.toLowerCase()] } });
    const r = await recommend(app, 'm', 'u1', 3);
    expect(r.statusCode).toBe(200);
    expect(r.json().items).toEqual([
      { item_id: 'i2', score: 4, title: 'Two' },
      { item_id: 'i3', score: 3, title: '' },
      { item_id: 'i4', score: 2 },
    ]);
  });

  it('a missing metadata field fails the load with reason metadata', async () => {
    await writeArtifactFile(join(dir, 'm.recotem'), buildArtifact({ recipeName: 'm' }));
    await writeFile(join(dir, 'items.csv'), 'item_id,title\ni2,Two\n');
    await writeRecipe(dir, 'm.yaml', 'm', {
      artifactPath: join(dir, 'm.recotem'),
      metadata: { path: join(dir, 'items.csv'), fields: ['title', 'nope'] },
    });
    app = await serverOver(dir);
    const d = await details(app);
    expect(d.recipes.m.loaded).toBe(false);
    expect(d.recipes.m.error).toMatch(/^metadata load failed: /);
    expect(await app.recotem.metrics.exposition()).toContain(
      'recotem_artifact_load_failures_total{recipe="m",reason="metadata"} 1',
    );
  });
});
