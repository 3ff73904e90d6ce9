import { mkdirSync, realpathSync, symlinkSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { RecipeError } from '../../src/errors/index.js';
import { checkOutputContainment, loadRecipe, realpathLenient, splitUrl } from '../../src/recipe/index.js';
import { baseRecipe, builtinRegistry, load, loadError, type TempDir, tempDir, toYaml, withField } from './helpers.js';

const INPUT_ALLOWED = "Allowed: ['', 'abfs', 'abfss', 'az', 'file', 'gs', 'http', 'https', 's3']";
const OUTPUT_ALLOWED = "Allowed: ['', 'abfs', 'abfss', 'az', 'file', 'gs', 's3']";
const PIN = 'c'.repeat(64);

async function pathError(
  field: string,
  value: string,
  extra: Record<string, unknown> = {},
): Promise<RecipeError | undefined> {
  let data = withField(baseRecipe(), field, value);
  for (const [k, v] of Object.entries(extra)) data = withField(data, k, v);
  try {
    await load(toYaml(data));
    return undefined;
  } catch (err) {
    if (err instanceof RecipeError) return err;
    throw err;
  }
}

describe('URL splitting (Python urlsplit)', () => {
  it('finds the scheme only when it is a valid token before the first colon', () => {
    expect(splitUrl('S3://Bucket/key').scheme).toBe('s3');
    expect(splitUrl('./x.csv').scheme).toBe('');
    expect(splitUrl('data/x:1.csv').scheme).toBe('');
    expect(splitUrl('C:\\data\\x.csv').scheme).toBe('c');
    expect(splitUrl('1http://x').scheme).toBe('');
    expect(splitUrl('  \x01ftp://x').scheme).toBe('ftp');
    expect(splitUrl('ht\ttp://x').scheme).toBe('http');
    expect(splitUrl('https://u:p@host:8/p?q#f')).toEqual({ scheme: 'https', netloc: 'u:p@host:8', path: '/p' });
    expect(splitUrl('file:///abs/x')).toEqual({ scheme: 'file', netloc: '', path: '/abs/x' });
  });
});

describe('input path policy', () => {
  for (const field of ['source.path', 'item_metadata.path']) {
    const extra: Record<string, unknown> = field.startsWith('item_metadata')
      ? { 'item_metadata.type': 'csv', 'item_metadata.fields': ['title'] }
      : {};

    it(`${field}: accepts the allowed schemes`, async () => {
      for (const value of [
        './x.csv',
        '/abs/x.csv',
        'data/x.csv',
        'file:///abs/x.csv',
        'file://localhost/x.csv',
        's3://b/k',
        'S3://b/k',
        'gs://project@bucket/key',
        'az://container@account.blob.core.windows.net/x',
        'abfs://c/x',
        'abfss://c/x',
        'dir@x/file.csv',
      ]) {
        expect(await pathError(field, value, extra), value).toBeUndefined();
      }
      const pinKey = field.replace(/path$/, 'sha256');
      for (const value of ['http://example.com/x.csv', 'https://example.com/x.csv']) {
        expect(await pathError(field, value, { ...extra, [pinKey]: PIN }), value).toBeUndefined();
      }
    });

    it(`${field}: rejects chained protocols first`, async () => {
      for (const value of ['simplecache::s3://b/k', 'a::b', 'https://u:p@x/a::b']) {
        const err = await pathError(field, value, extra);
        expect(err?.category).toBe('security');
        expect(err?.message).toMatch(
          new RegExp(
            `^'${field}' uses a chained scheme \\(contains '::'\\)\\. Chained fsspec protocols are not permitted in recipes\\.`,
          ),
        );
      }
    });

    it(`${field}: rejects embedded credentials before the scheme check`, async () => {
      for (const value of [
        'https://user:pw@host/x.csv',
        'http://token@host/x',
        's3://key:secret@bucket/k',
        'abfs://u@c/x',
        'abfss://u:p@c/x',
        'ftp://u:p@host/x',
        'ftps://u@host/x',
      ]) {
        const err = await pathError(field, value, extra);
        expect(err?.category, value).toBe('security');
        expect(err?.message).toMatch(
          new RegExp(
            `^'${field}' contains embedded credentials in the URI\\. Use environment-based authentication instead\\.`,
          ),
        );
        expect(err?.message).not.toContain('pw');
      }
    });

    it(`${field}: rejects every other scheme`, async () => {
      for (const [value, scheme] of [
        ['ftp://host/x', 'ftp'],
        ['memory://x', 'memory'],
        ['data:text/csv,a', 'data'],
        ['javascript:alert(1)', 'javascript'],
        ['C:\\data\\x.csv', 'c'],
        ['hdfs://nn/x', 'hdfs'],
        [' \tFTP://host/x', 'ftp'],
      ]) {
        const err = await pathError(field, value, extra);
        expect(err?.category, value).toBe('security');
        expect(err?.message).toContain(
          `'${field}' uses scheme '${scheme}://' which is not supported for input paths. ${INPUT_ALLOWED}`,
        );
      }
    });
  }

  it('reports the line and column of the offending path', async () => {
    const text = toYaml(withField(baseRecipe(), 'source.path', 'ftp://x/y'));
    const line = text.split('\n').findIndex((l) => l.includes('ftp://')) + 1;
    const err = await loadError(text);
    expect([err.line, err.column]).toEqual([line, 9]);
  });
});

describe('output path policy', () => {
  it('accepts local and object-store outputs', async () => {
    for (const value of [
      './m.recotem',
      '/abs/m.recotem',
      'file:///abs/m.recotem',
      'file://localhost/abs/m.recotem',
      'FILE://LOCALHOST/m',
      's3://b/m',
      'gs://b/m',
      'az://c/m',
      'abfs://c/m',
      'abfss://c/m',
    ]) {
      expect(await pathError('output.path', value), value).toBeUndefined();
    }
  });

  it('rejects http and every other non-storage scheme', async () => {
    for (const scheme of ['http', 'https', 'ftp', 'ftps', 'memory', 'data', 'javascript', 'hdfs']) {
      const err = await pathError('output.path', `${scheme}://host/m.recotem`);
      expect(err?.category).toBe('security');
      expect(err?.message).toContain(
        `'output.path' uses scheme '${scheme}://' which is not supported. ${OUTPUT_ALLOWED}`,
      );
    }
  });

  it('rejects file:// URIs with a host', async () => {
    const err = await pathError('output.path', 'file://nas/share/m.recotem');
    expect(err?.category).toBe('security');
    expect(err?.message).toMatch(
      /^'output.path' uses a file:\/\/ URI with host 'nas', which is ambiguous as a local path\. Use 'file:\/\/\/absolute\/path'/,
    );
  });

  it('rejects credentials and (unlike the original) chained schemes', async () => {
    expect((await pathError('output.path', 's3://a:b@bucket/m'))?.message).toMatch(
      /^'output.path' contains embedded credentials/,
    );
    expect((await pathError('output.path', 'https://a@host/m'))?.message).toMatch(
      /^'output.path' contains embedded credentials/,
    );
    expect((await pathError('output.path', 'simplecache::s3://b/m'))?.message).toMatch(
      /^'output.path' uses a chained scheme/,
    );
  });
});

describe('artifact-root containment', () => {
  let tmp: TempDir;
  let root: string;
  let outside: string;
  beforeEach(() => {
    tmp = tempDir();
    root = path.join(tmp.dir, 'artifacts');
    outside = path.join(tmp.dir, 'outside');
    mkdirSync(path.join(root, 'models'), { recursive: true });
    mkdirSync(outside);
  });
  afterEach(() => tmp.cleanup());

  const env = () => ({ RECOTEM_ARTIFACT_ROOT: root });
  const check = (output: string) => checkOutputContainment(output, env(), tmp.dir);
  const failure = (output: string): RecipeError => {
    try {
      check(output);
    } catch (err) {
      if (err instanceof RecipeError) return err;
      throw err;
    }
    throw new Error(`${output} was accepted`);
  };

  it('accepts outputs whose real parent is inside the root', () => {
    expect(() => check(path.join(root, 'm.recotem'))).not.toThrow();
    expect(() => check(path.join(root, 'models', 'm.recotem'))).not.toThrow();
    expect(() => check('artifacts/models/m.recotem')).not.toThrow();
    expect(() => check(`file://${root}/my%20model.recotem`)).not.toThrow();
    expect(() => check(`${root}/models/../m.recotem`)).not.toThrow();
  });

  it('does nothing without a root or for remote outputs', () => {
    expect(() => checkOutputContainment('/nowhere/at/all/m.recotem', {})).not.toThrow();
    expect(() => checkOutputContainment('/nowhere/at/all/m.recotem', { RECOTEM_ARTIFACT_ROOT: '' })).not.toThrow();
    expect(() => check('s3://bucket/m.recotem')).not.toThrow();
  });

  it('requires the parent directory to exist', () => {
    const missing = failure(path.join(root, 'nope', 'm.recotem'));
    expect(missing.category).toBe('unknown');
    expect(missing.message).toBe(
      `output.path parent directory '${path.join(root, 'nope')}' does not exist or is not a directory. Create it before running training.`,
    );
    writeFileSync(path.join(root, 'file'), 'x');
    expect(failure(path.join(root, 'file', 'm.recotem')).message).toContain('does not exist or is not a directory');
  });

  it('rejects parents outside the root, through .. or symlinks', () => {
    const realRoot = realpathSync(root);
    const plain = failure(path.join(outside, 'm.recotem'));
    expect(plain.category).toBe('security');
    expect(plain.message).toBe(
      `output.path parent '${realpathSync(outside)}' is outside RECOTEM_ARTIFACT_ROOT='${realRoot}'. Symlink escapes are rejected.`,
    );
    // Built with template strings: path.join would collapse the `..` lexically before the check.
    expect(failure(`${root}/models/../../outside/m.recotem`).category).toBe('security');
    symlinkSync(outside, path.join(root, 'escape'));
    expect(failure(path.join(root, 'escape', 'm.recotem')).message).toContain('Symlink escapes are rejected');
    // `escape/..` is the parent of the link target, resolved through the link as the OS does.
    expect(failure(`${root}/escape/../m.recotem`).category).toBe('security');
  });

  it('does not resolve the final component, but refuses names that climb', () => {
    symlinkSync('/etc/passwd', path.join(root, 'linked.recotem'));
    expect(() => check(path.join(root, 'linked.recotem'))).not.toThrow();
    const up = failure(`${root}/..`);
    expect(up.category).toBe('security');
    expect(up.message).toMatch(/^output.path resolves to '.*' which is outside RECOTEM_ARTIFACT_ROOT=/);
    expect(failure(`${root}/models/..`).category).toBe('security');
  });

  it('resolves a symlinked root to its real path', () => {
    const linkRoot = path.join(tmp.dir, 'root-link');
    symlinkSync(root, linkRoot);
    expect(() =>
      checkOutputContainment(path.join(root, 'm.recotem'), { RECOTEM_ARTIFACT_ROOT: linkRoot }),
    ).not.toThrow();
    expect(() =>
      checkOutputContainment(path.join(linkRoot, 'm.recotem'), { RECOTEM_ARTIFACT_ROOT: root }),
    ).not.toThrow();
  });

  it('is the last loading step and keeps its category', async () => {
    const data = withField(baseRecipe(), 'output.path', path.join(outside, 'm.recotem'));
    const err = await loadError(toYaml(data), { env: env() });
    expect(err.category).toBe('security');
    expect(err.message).toContain("(in 'recipe.yaml' at line");
    const ok = await load(toYaml(withField(baseRecipe(), 'output.path', path.join(root, 'm.recotem'))), { env: env() });
    expect(ok.output.path).toBe(path.join(root, 'm.recotem'));
  });

  it('lenient realpath resolves what exists and appends the rest', () => {
    symlinkSync(outside, path.join(root, 'escape'));
    expect(realpathLenient(path.join(root, 'escape', 'a', 'b'))).toBe(path.join(realpathSync(outside), 'a', 'b'));
    expect(realpathLenient(`${root}/escape/../x`)).toBe(path.join(realpathSync(tmp.dir), 'x'));
    expect(realpathLenient('rel/x', '/base')).toBe('/base/rel/x');
  });
});

describe('recipes-root containment', () => {
  let tmp: TempDir;
  beforeEach(() => {
    tmp = tempDir();
  });
  afterEach(() => tmp.cleanup());

  it('rejects a recipe whose real path lies outside the root', async () => {
    const registry = await builtinRegistry();
    const rootDir = path.join(tmp.dir, 'recipes');
    mkdirSync(rootDir);
    const outsideFile = tmp.file('outside.yaml', toYaml(baseRecipe()));
    symlinkSync(outsideFile, path.join(rootDir, 'linked.yaml'));
    for (const file of [path.join(rootDir, 'linked.yaml'), path.join(rootDir, '..', 'outside.yaml')]) {
      const err = await loadRecipe(file, { registry, recipesRoot: rootDir }).catch((e) => e);
      expect(err).toBeInstanceOf(RecipeError);
      expect(err.category).toBe('security');
      expect(err.message).toBe(
        `Recipe file '${realpathSync(outsideFile)}' lies outside the recipes root '${realpathSync(rootDir)}'. Path traversal is rejected.`,
      );
    }
    writeFileSync(path.join(rootDir, 'inside.yaml'), toYaml(baseRecipe()));
    const ok = await loadRecipe(path.join(rootDir, 'inside.yaml'), { registry, recipesRoot: rootDir, env: {} });
    expect(ok.name).toBe('movies');
  });
});
