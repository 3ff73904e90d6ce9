/**
 * The generated references (docs/reference/) must be exactly what the code produces today: a
 * schema, route or description change that is not regenerated fails here.
 */
import { readFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { type GeneratedFile, generateDocs, stableJson } from '../../scripts/docs/generate.js';
import { configureLogging } from '../../src/log/index.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');

/** First differing line, to point at the drift without dumping whole files. */
function firstDifference(expected: string, actual: string): string {
  const a = expected.split('\n');
  const b = actual.split('\n');
  for (let i = 0; i < Math.max(a.length, b.length); i++) {
    if (a[i] !== b[i])
      return `line ${i + 1}:\n  generated: ${a[i] ?? '(end of file)'}\n  committed: ${b[i] ?? '(end of file)'}`;
  }
  return 'no line differs';
}

describe('generated references', () => {
  let files: GeneratedFile[];

  beforeAll(async () => {
    configureLogging({ level: 'error' });
    files = await generateDocs();
  }, 120_000);

  it('writes the four reference files', () => {
    expect(files.map((f) => f.path).sort()).toEqual([
      'docs/reference/api.md',
      'docs/reference/openapi.json',
      'docs/reference/recipe.md',
      'docs/reference/recipe.schema.json',
    ]);
  });

  it('matches the committed files (run `npm run docs:gen` after changing the schema, the API or the notes)', async () => {
    const stale: string[] = [];
    for (const file of files) {
      const committed = await readFile(join(root, file.path), 'utf8').catch(() => null);
      if (committed === null) stale.push(`${file.path} is missing`);
      else if (committed !== file.content)
        stale.push(`${file.path} differs at ${firstDifference(file.content, committed)}`);
    }
    expect(stale, `Generated docs are out of date; run npm run docs:gen.\n${stale.join('\n')}`).toEqual([]);
  });

  it('is deterministic: a second generation gives the same bytes', async () => {
    const again = await generateDocs();
    expect(again.map((f) => f.content)).toEqual(files.map((f) => f.content));
  }, 120_000);

  it('covers every built-in source, every recipe section and every API route', () => {
    const recipe = files.find((f) => f.path === 'docs/reference/recipe.md')!.content;
    for (const type of ['csv', 'parquet', 'bigquery', 'sql']) expect(recipe).toContain(`### \`type: ${type}\``);
    for (const section of ['schema', 'cleansing', 'item_metadata', 'training', 'training.split', 'output', 'serving']) {
      expect(recipe).toContain(`## \`${section}\``);
    }
    const api = files.find((f) => f.path === 'docs/reference/api.md')!.content;
    const openapi = JSON.parse(files.find((f) => f.path === 'docs/reference/openapi.json')!.content);
    for (const path of Object.keys(openapi.paths)) expect(api).toContain(`\`${path}\``);
    expect(api).toMatch(/\| GET \| `\/v1\/health` \| none \|/);
    expect(api).toMatch(/\| POST \| `\/v1\/recipes\/\{name\}:recommend` \| X-API-Key \|/);
  });
});

describe('stableJson', () => {
  it('sorts keys except inside `properties`, whose order is the field order', () => {
    const text = stableJson({ b: 1, a: { properties: { z: { y: 1, x: 2 }, a: {} } } });
    expect(text).toBe(`${JSON.stringify({ a: { properties: { z: { x: 2, y: 1 }, a: {} } }, b: 1 }, null, 2)}\n`);
  });
});
