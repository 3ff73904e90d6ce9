/**
 * Path escapes (docs/security.md A8): pointer files that try to leave their directory, symlinks
 * and `..` around RECOTEM_ARTIFACT_ROOT — including a directory swapped for a symlink while a real
 * training run is in progress — and recipe files linked in from outside the recipes directory.
 */
import { lstatSync, mkdirSync, readdirSync, readFileSync, renameSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MODEL_FORMATS } from '../../src/algorithms/registry.js';
import { openArtifact, readArtifactBytes } from '../../src/artifact/index.js';
import type { SourceRegistry } from '../../src/data/sources/registry.js';
import { getSourceRegistry } from '../../src/data/sources/registry.js';
import { ArtifactError, RecipeError } from '../../src/errors/index.js';
import { captureLogs } from '../../src/log/index.js';
import { loadRecipe } from '../../src/recipe/index.js';
import { runTraining } from '../../src/train/index.js';
import { buildArtifact, TEST_KEY_RING } from '../helpers/artifacts.js';
import { registerSecret } from '../helpers/secrets.js';
import { makeTrainWorkspace, type TrainWorkspace } from '../helpers/train-fixtures.js';
import { writeRecipe } from '../serve/helpers/recipes.js';
import { details, recommend, serverOver, tempDir } from '../serve/helpers/server.js';

let tmp: { dir: string; cleanup: () => Promise<void> };
beforeAll(async () => {
  tmp = await tempDir('recotem-sec-paths-');
});
afterAll(() => tmp.cleanup());

describe('pointer files cannot leave their directory (A8)', () => {
  const good = buildArtifact();
  let dir: string;
  beforeAll(() => {
    dir = join(tmp.dir, 'pointers', 'inner');
    mkdirSync(dir, { recursive: true });
    // A valid artifact one level up and a decoy named like a dot-dot target.
    writeFileSync(join(tmp.dir, 'pointers', 'outside.recotem'), good);
    writeFileSync(join(tmp.dir, 'pointers', 'secret.recotem'), good);
    writeFileSync(join(dir, '..recotem'), Buffer.from('decoy in the same directory'));
  });

  async function resolve(pointerText: string) {
    const path = join(dir, 'model.recotem');
    writeFileSync(path, pointerText);
    return readArtifactBytes(path);
  }

  it.each([
    '../outside.recotem\n',
    '/etc/passwd.recotem\n',
    '/tmp/pointers/outside.recotem\n',
    'sub/../../outside.recotem\n',
    'model.recotem\n../secret.recotem\n',
    'ok.recotem\u0000../outside.recotem',
    '..\\outside.recotem\n',
    `${'a'.repeat(600)}.recotem\n`,
    'pöinter.recotem\n',
  ])('%j is not a pointer: its own bytes are the artifact, which fails to parse', async (text) => {
    const read = await resolve(text);
    expect(read.pointerPath).toBeUndefined();
    expect(read.resolvedPath).toBe(join(dir, 'model.recotem'));
    expect(() => openArtifact(read.bytes, { models: MODEL_FORMATS, keyRing: TEST_KEY_RING })).toThrow(
      expect.objectContaining({ reason: 'parse' }),
    );
  });

  it('"..recotem" names a file in the same directory, never the parent', async () => {
    const read = await resolve('..recotem\n');
    expect(read.resolvedPath).toBe(join(dir, '..recotem'));
    expect(read.bytes.toString()).toBe('decoy in the same directory');
  });

  it('a pointer to a pointer is followed once only (no chains, no loops)', async () => {
    writeFileSync(join(dir, 'second.recotem'), 'model.recotem\n');
    const read = await resolve('second.recotem\n');
    expect(read.resolvedPath).toBe(join(dir, 'second.recotem'));
    expect(read.bytes.toString()).toBe('model.recotem\n');
  });

  it('a pointer to a missing sibling is a read error naming only the pointer and the target name', async () => {
    const err = await resolve('gone.recotem\n').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ArtifactError);
    expect(err).toMatchObject({ reason: 'read', message: expect.stringContaining("missing artifact 'gone.recotem'") });
  });
});

describe('RECOTEM_ARTIFACT_ROOT against a real training run', () => {
  let ws: TrainWorkspace;
  let root: string;
  let outside: string;
  let registry: SourceRegistry;
  beforeAll(async () => {
    ws = makeTrainWorkspace();
    const key = ws.env.RECOTEM_SIGNING_KEYS as string;
    registerSecret(key.slice(key.indexOf(':') + 1), 'paths test signing key');
    root = join(ws.dir, 'root');
    outside = join(ws.dir, 'outside');
    mkdirSync(join(root, 'out'), { recursive: true });
    mkdirSync(outside);
    ws.env.RECOTEM_ARTIFACT_ROOT = root;
    registry = await getSourceRegistry();
  });
  afterAll(async () => {
    const { rmSync } = await import('node:fs');
    rmSync(ws.dir, { recursive: true, force: true });
  });

  function recipeWithOutput(output: string): string {
    const path = join(ws.dir, `recipe-${readdirSync(ws.dir).length}.yaml`);
    writeFileSync(path, readFileSync(ws.recipePath, 'utf8').replace(ws.outputPath, output));
    return path;
  }

  /** Runs `hook` inside the data fetch, i.e. after the recipe passed its load-time containment check. */
  function registryRunning(hook: () => void): SourceRegistry {
    const wrapped: SourceRegistry = Object.create(registry);
    wrapped.createSource = async (config) => {
      const source = await registry.createSource(config);
      return {
        ...source,
        fetch: async (ctx) => {
          hook();
          return source.fetch(ctx);
        },
      };
    };
    return wrapped;
  }

  async function train(recipePath: string, reg: SourceRegistry = registry) {
    const recipe = await loadRecipe(recipePath, { registry: reg, env: ws.env });
    const logs = captureLogs();
    try {
      return await runTraining({ recipe, registry: reg, env: ws.env, quiet: true });
    } finally {
      logs.stop();
    }
  }

  it('`..` and symlinked parents that leave the root are refused when the recipe loads', async () => {
    symlinkSync(outside, join(root, 'escape'));
    for (const output of [`${root}/out/../../outside/m.recotem`, join(root, 'escape', 'm.recotem'), `${root}/..`]) {
      const err = await loadRecipe(recipeWithOutput(output), { registry, env: ws.env }).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(RecipeError);
      expect((err as RecipeError).category).toBe('security');
    }
    expect(readdirSync(outside)).toEqual([]);
  });

  it('an output directory swapped for a symlink during training is caught by the re-check before rename', async () => {
    const out = join(root, 'swap');
    mkdirSync(out);
    const recipePath = recipeWithOutput(join(out, 'model.recotem'));
    const swap = () => {
      renameSync(out, `${out}-original`);
      symlinkSync(outside, out);
    };
    const err = await train(recipePath, registryRunning(swap)).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(RecipeError);
    expect((err as RecipeError).category).toBe('security');
    expect((err as RecipeError).message).toContain('is outside RECOTEM_ARTIFACT_ROOT');
    // Nothing published outside, and the temp file written through the link was removed.
    expect(readdirSync(outside)).toEqual([]);
    // Only the lock (and its SQLite journal, whose path now leads through the link) remain.
    for (const name of readdirSync(`${out}-original`)) expect(name).toMatch(/^model\.recotem\.lock(-journal)?$/);
  });

  it('a terminal symlink at output.path is replaced, never written through', async () => {
    const victim = join(outside, 'victim.txt');
    writeFileSync(victim, 'precious');
    const out = join(root, 'out', 'model.recotem');
    symlinkSync(victim, out);
    const outcome = await train(recipeWithOutput(out));
    expect(outcome.status).toBe('trained');
    expect(readFileSync(victim, 'utf8')).toBe('precious');
    expect(lstatSync(out).isSymbolicLink()).toBe(false);
    expect(readFileSync(out).subarray(0, 7).toString()).toBe('RECOTEM');
  });
});

describe('recipes linked in from outside the recipes directory', () => {
  it('are never served: serve stubs them with a security error and serves the rest', async () => {
    const recipes = join(tmp.dir, 'recipes');
    const elsewhere = join(tmp.dir, 'elsewhere');
    mkdirSync(recipes);
    mkdirSync(elsewhere);
    writeFileSync(join(tmp.dir, 'a.recotem'), buildArtifact({ recipeName: 'inside' }));
    await writeRecipe(recipes, 'inside.yaml', 'inside', { artifactPath: join(tmp.dir, 'a.recotem') });
    const foreign = await writeRecipe(elsewhere, 'foreign.yaml', 'foreign', {
      artifactPath: join(tmp.dir, 'a.recotem'),
    });
    symlinkSync(foreign, join(recipes, 'linked.yaml'));
    const logs = captureLogs();
    const app = await serverOver(recipes);
    try {
      expect((await recommend(app, 'inside', 'u1')).statusCode).toBe(200);
      expect((await recommend(app, 'foreign', 'u1')).statusCode).toBe(404);
      const d = await details(app);
      expect(Object.keys(d.recipes).sort()).toEqual(['inside', 'linked']);
      expect(d.recipes.linked).toMatchObject({
        loaded: false,
        error: expect.stringContaining('outside the recipes root'),
      });
      expect(JSON.stringify(d)).not.toContain(elsewhere);
    } finally {
      await app.close();
      logs.stop();
    }
  });

  it.each(['../escape', 'a/b', '..', '.', 'name with space', 'x'.repeat(65), 'ünïcode', ''])(
    'a recipe name %j that could steer a path is refused',
    async (name) => {
      const registryForNames = await getSourceRegistry();
      const file = join(tmp.dir, `name-${Buffer.from(name).toString('hex').slice(0, 20)}.yaml`);
      writeFileSync(
        file,
        `name: ${JSON.stringify(name)}\nsource: {type: csv, path: /tmp/x.csv}\nschema: {user_column: u, item_column: i}\noutput: {path: /tmp/x.recotem}\n`,
      );
      const err = await loadRecipe(file, { registry: registryForNames, env: {} }).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(RecipeError);
    },
  );
});
