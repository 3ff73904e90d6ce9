import { mkdirSync, realpathSync, symlinkSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { RecipeError } from '../../src/errors/index.js';
import { captureLogs, type LogCapture } from '../../src/log/capture.js';
import { loadRecipesDirectory, loadRecipesDirectoryLenient } from '../../src/recipe/index.js';
import { baseRecipe, builtinRegistry, type TempDir, tempDir, toYaml, withField } from './helpers.js';

let tmp: TempDir;
let dir: string;
let logs: LogCapture;

function recipe(name: string): string {
  return toYaml(withField(baseRecipe(), 'name', name));
}

beforeEach(() => {
  tmp = tempDir();
  dir = path.join(tmp.dir, 'recipes');
  mkdirSync(dir);
  logs = captureLogs();
});
afterEach(() => {
  logs.stop();
  tmp.cleanup();
});

const write = (name: string, text: string) => writeFileSync(path.join(dir, name), text);

describe('strict directory loading', () => {
  it('loads direct *.yaml children in sorted order, ignoring .yml, other files and subdirectories', async () => {
    write('b.yaml', recipe('bravo'));
    write('a.yaml', recipe('alpha'));
    write('C.yaml', recipe('charlie'));
    write('ignored.yml', 'not: [a recipe');
    write('notes.txt', 'hello');
    write('x.YAML', 'not: [a recipe');
    mkdirSync(path.join(dir, 'sub.yaml'));
    mkdirSync(path.join(dir, 'nested'));
    writeFileSync(path.join(dir, 'nested', 'n.yaml'), recipe('nested'));
    const recipes = await loadRecipesDirectory(dir, { registry: await builtinRegistry(), env: {} });
    expect(recipes.map((r) => r.name)).toEqual(['charlie', 'alpha', 'bravo']);
    expect(logs.events('recipes_directory_loaded')).toEqual([
      expect.objectContaining({ path: realpathSync(dir), count: 3 }),
    ]);
  });

  it('follows symlinks to files inside the root', async () => {
    writeFileSync(path.join(dir, 'real.txt'), recipe('linked'));
    symlinkSync(path.join(dir, 'real.txt'), path.join(dir, 'link.yaml'));
    symlinkSync(path.join(dir, 'missing'), path.join(dir, 'dangling.yaml'));
    const recipes = await loadRecipesDirectory(dir, { registry: await builtinRegistry(), env: {} });
    expect(recipes.map((r) => r.name)).toEqual(['linked']);
  });

  it('aborts on the first bad file', async () => {
    write('a.yaml', recipe('alpha'));
    write('b.yaml', 'name: [broken');
    write('c.yaml', recipe('charlie'));
    const err = await loadRecipesDirectory(dir, { registry: await builtinRegistry(), env: {} }).catch((e) => e);
    expect(err).toBeInstanceOf(RecipeError);
    expect(err.category).toBe('parse');
    expect(err.message).toContain(path.join(realpathSync(dir), 'b.yaml'));
  });

  it('aborts on a duplicate name, naming both files', async () => {
    write('a.yaml', recipe('same'));
    write('b.yaml', recipe('same'));
    const err = await loadRecipesDirectory(dir, { registry: await builtinRegistry(), env: {} }).catch((e) => e);
    const root = realpathSync(dir);
    expect(err).toBeInstanceOf(RecipeError);
    expect(err.message).toBe(
      `Duplicate recipe name 'same' found in '${path.join(root, 'b.yaml')}' and '${path.join(root, 'a.yaml')}'. Each recipe in a directory must have a unique name.`,
    );
  });

  it('rejects a symlink pointing outside the root as a security error', async () => {
    const outside = tmp.file('outside.yaml', recipe('outsider'));
    symlinkSync(outside, path.join(dir, 'evil.yaml'));
    const err = await loadRecipesDirectory(dir, { registry: await builtinRegistry(), env: {} }).catch((e) => e);
    expect(err.category).toBe('security');
    expect(err.message).toMatch(/lies outside the recipes root .* Path traversal is rejected\.$/);
  });

  it('requires an existing directory', async () => {
    const registry = await builtinRegistry();
    for (const target of [path.join(tmp.dir, 'absent'), tmp.file('file.yaml', recipe('x'))]) {
      const err = await loadRecipesDirectory(target, { registry }).catch((e) => e);
      expect(err).toBeInstanceOf(RecipeError);
      expect(err.message).toBe(`Recipes directory '${target}' does not exist or is not a directory.`);
      const lenient = await loadRecipesDirectoryLenient(target, { registry }).catch((e) => e);
      expect(lenient.message).toBe(err.message);
    }
  });

  it('returns an empty list for an empty directory', async () => {
    expect(await loadRecipesDirectory(dir, { registry: await builtinRegistry() })).toEqual([]);
  });
});

describe('lenient directory loading', () => {
  it('reports every file, keeps the good ones and the first of each name', async () => {
    write('a.yaml', recipe('alpha'));
    write('b.yaml', 'name: [broken');
    write('c.yaml', recipe('alpha'));
    write('d.yaml', toYaml(withField(baseRecipe(), 'output.path', 'http://x/m')));
    write('e.yaml', recipe('echo'));
    const outside = tmp.file('outside.yaml', recipe('outsider'));
    symlinkSync(outside, path.join(dir, 'f.yaml'));
    write('g.yaml', toYaml(withField(baseRecipe(), 'training.n_trials', 0)));
    const results = await loadRecipesDirectoryLenient(dir, { registry: await builtinRegistry(), env: {} });
    const root = realpathSync(dir);
    expect(results.map((r) => path.basename(r.path))).toEqual([
      'a.yaml',
      'b.yaml',
      'c.yaml',
      'd.yaml',
      'e.yaml',
      'f.yaml',
      'g.yaml',
    ]);
    expect(results.map((r) => r.recipe?.name ?? null)).toEqual(['alpha', null, null, null, 'echo', null, null]);
    expect(results.map((r) => (r.error as RecipeError | null)?.category ?? null)).toEqual([
      null,
      'parse',
      'schema',
      'security',
      null,
      'security',
      'unknown',
    ]);
    expect(results[2].error?.message).toBe(
      `Duplicate recipe name 'alpha' found in '${path.join(root, 'c.yaml')}' and '${path.join(root, 'a.yaml')}'. Each recipe in a directory must have a unique name.`,
    );

    const security = logs.events('recipe_security_violation_skipped');
    expect(security.map((r) => [path.basename(String(r.file)), r.level, r.category])).toEqual([
      ['d.yaml', 'error', 'security'],
      ['f.yaml', 'error', 'security'],
    ]);
    const skipped = logs.events('recipe_load_error_skipped');
    expect(skipped.map((r) => [path.basename(String(r.file)), r.level, r.error_class])).toEqual([
      ['b.yaml', 'warning', 'RecipeError'],
      ['g.yaml', 'warning', 'RecipeError'],
    ]);
    expect(logs.events('recipe_duplicate_name_skipped')).toEqual([
      expect.objectContaining({ file: path.join(root, 'c.yaml'), name: 'alpha', level: 'warning' }),
    ]);
    expect(logs.events('recipes_directory_loaded_lenient')).toEqual([
      expect.objectContaining({ path: root, ok: 2, errors: 5 }),
    ]);
  });
});
